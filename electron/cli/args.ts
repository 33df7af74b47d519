// Thin wrapper over node:util parseArgs that turns its exceptions into UsageError with one clear line.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './io';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends OptionSpec>(args: readonly string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    throw new UsageError(message);
  }
}

/** Parses a non-negative integer option, or throws UsageError naming the option. */
export function integerOption(name: string, value: string | undefined, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} expects a whole number, got '${value}'`);
  const n = Number(value);
  if (n < min || n > max) throw new UsageError(`--${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}
