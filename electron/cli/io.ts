// What a CLI command may touch, passed in so commands are testable in-process.
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export interface CliCommand {
  readonly name: string;
  /** One line for `revoada help`. */
  readonly summary: string;
  /** Full usage text printed by `revoada help NAME` and on usage errors. */
  readonly usage: string;
  /** Resolves to the process exit code. Must never throw for bad input: print one clear line, return 2. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {
  override name = 'UsageError';
}
