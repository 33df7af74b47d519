// Assertions stay on in production (TigerBeetle style): a failed assertion is a programmer error
// and crashes loudly. Operating errors (bad input, failed verification) are values, never throws.

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

export function assertNever(value: never, context = 'value'): never {
  throw new AssertionError(`unexpected ${context}: ${JSON.stringify(value)}`);
}

export function unreachable(message: string): never {
  throw new AssertionError(`unreachable: ${message}`);
}
