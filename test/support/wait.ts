// Polls `probe` until it returns a non-null value, or fails naming what it waited for.
export async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000, pollMs = 100): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
