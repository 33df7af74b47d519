// `revoada verify FILE` — offline verification of an attestation chain file (issue 3).
//
// Exit codes: 0 the chain verifies (and passes every requested option check), 1 it does not,
// 2 the file (or the trust list) cannot be read or parsed, or the arguments are wrong.
// `--json` prints exactly one object: {"ok","blocks","head","errors":[{"kind","index","message"}]},
// with errors[0] the first failure in engenho-revoada's own check order.
import { open } from 'node:fs/promises';
import { parseChainFileBytes, describeChainFileError, firstInvalidUtf8, type ChainFile } from '../../../shared/attestation/chain-file';
import { parseTrustList } from '../../../shared/attestation/trust';
import { describeBlockPosition, formatHead, parseSinceHead, type ChainProblem, type ChainReport, type VerifyOptions } from '../../../shared/attestation/verify';
import { describeJsonError, parseJson } from '../../../shared/kit/json';
import { utf8DecodeStrict } from '../../../shared/kit/bytes';
import type { NodeId } from '../../../shared/types/node-id';
import { exportChainFile } from '../../node/attestation/chain-export';
import { verifyChainParallel } from '../../node/attestation/parallel-verify';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand, type CliIo } from '../io';
import path from 'node:path';

/** Chain files up to this size are read (≈ 330,000 blocks); a Node string cannot hold much more. */
export const CHAIN_FILE_MAX_BYTES = 256 * 1024 * 1024;
const TRUST_FILE_MAX_BYTES = 16 * 1024 * 1024;
const PREFIX_BYTES = 1024 * 1024;
const HUMAN_PROBLEMS_MAX = 50;
const WARNINGS_MAX = 20;

const USAGE = `revoada verify FILE [--json] [--min-witnesses K] [--trust FILE] [--since-head INDEX:HASH] [--threads N] [--out FILE [--form bare|envelope]]

Verifies an attestation chain file offline: the bare engenho-revoada form (a JSON array of
blocks) or a revoada chain envelope. Checks, in engenho-revoada's order: genesis prev_hash, then
per block the hash link, the leader signature and every witness signature (Ed25519, revoada-strict
rule). Every problem is reported, not only the first.

  --json                 print one JSON object {ok, blocks, head, errors[{kind,index,message}]}
  --min-witnesses K      every block needs K distinct valid witness signatures (not its leader)
  --trust FILE           only these keys may sign (one 64-hex key per line, or a JSON list)
  --since-head I:HASH    the chain must still hold block I with this hash (rollback detection);
                         a valid run prints the new head in this form
  --threads N            verification threads (default: all cores; 0 = this thread only)
  --out FILE             when the chain is valid, also write it to FILE (atomically, fsynced)
  --form bare|envelope   the form --out writes (default: the form read); bare is what
                         engenho-revoada reads, envelope keeps cluster id, export time, node keys

Exit: 0 valid, 1 invalid, 2 unreadable file or bad arguments.`;

class InputError extends Error {
  constructor(
    readonly kind: 'unreadable' | 'malformed',
    message: string,
  ) {
    super(message);
  }
}

async function readBounded(file: string, max: number, what: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new InputError('unreadable', `cannot open ${what} ${file}: ${describeFsError(error)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new InputError('unreadable', `${what} ${file} is not a regular file`);
    if (stat.size > max) {
      const prefix = new Uint8Array(Math.min(PREFIX_BYTES, stat.size));
      await handle.read(prefix, 0, prefix.length, 0);
      const problem = prefixProblem(prefix, file);
      throw new InputError(
        problem ? 'malformed' : 'unreadable',
        `${what} ${file} is ${formatBytes(stat.size)}; at most ${formatBytes(max)} is read${problem ? `, and it is not valid JSON anyway: ${problem}` : ''}`,
      );
    }
    const bytes = new Uint8Array(stat.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return bytes.subarray(0, filled);
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError('unreadable', `cannot read ${what} ${file}: ${describeFsError(error)}`);
  } finally {
    await handle.close();
  }
}

/** For a file too large to read whole: the first syntax problem within its first megabyte, if any. */
function prefixProblem(prefix: Uint8Array, file: string): string | null {
  const bad = firstInvalidUtf8(prefix);
  // A multi-byte character cut at the end of the prefix is not a problem of the file.
  if (bad >= 0 && bad < prefix.length - 4) {
    const parsed = parseChainFileBytes(prefix.subarray(0, bad + 1));
    if (!parsed.ok) return describeChainFileError(parsed.error, file);
  }
  const text = utf8DecodeStrict(prefix.subarray(0, bad >= 0 ? bad : prefix.length));
  if (text === null) return null;
  const parsed = parseJson(text);
  if (parsed.ok || parsed.error.offset >= text.length - 1) return null;
  return describeJsonError(parsed.error, file);
}

function describeFsError(error: unknown): string {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    default: return error instanceof Error ? error.message : String(error);
  }
}

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

async function loadChain(file: string): Promise<ChainFile> {
  const bytes = await readBounded(file, CHAIN_FILE_MAX_BYTES, 'chain file');
  const parsed = parseChainFileBytes(bytes);
  if (!parsed.ok) throw new InputError('malformed', describeChainFileError(parsed.error, file));
  return parsed.value;
}

async function loadTrust(file: string): Promise<ReadonlySet<NodeId>> {
  const bytes = await readBounded(file, TRUST_FILE_MAX_BYTES, 'trust list');
  const text = utf8DecodeStrict(bytes);
  if (text === null) throw new InputError('malformed', `${file}: trust list is not valid UTF-8 text`);
  const parsed = parseTrustList(text);
  if (!parsed.ok) throw new InputError('malformed', describeChainFileError(parsed.error, file));
  return parsed.value;
}

/** The one JSON object `--json` prints. */
export function jsonReport(report: ChainReport): string {
  return JSON.stringify({
    ok: report.ok,
    blocks: report.blocks,
    head: report.head,
    errors: report.errors.map((e) => ({ kind: e.kind, index: e.index, message: problemMessage(e) })),
  });
}

function problemMessage(problem: ChainProblem): string {
  return `${problem.message}: ${problem.cause}`;
}

function humanReport(file: string, chain: ChainFile, report: ChainReport, options: VerifyOptions, threads: number): string {
  const lines: string[] = [];
  const form = chain.form === 'bare' ? 'engenho-revoada array form' : `revoada envelope${chain.clusterId ? `, cluster ${chain.clusterId}` : ''}`;
  const head = formatHead(report);
  lines.push(`${file}: ${report.blocks} ${report.blocks === 1 ? 'block' : 'blocks'} (${form}), head ${head ?? 'none (empty chain)'}`);
  const checks = ['genesis', 'links', 'leader signatures', 'witness signatures'];
  if (options.minWitnesses) checks.push(`>= ${options.minWitnesses} distinct witnesses per block`);
  if (options.trust) checks.push(`signers in the trust list (${options.trust.size} keys)`);
  if (options.sinceHead) checks.push(`extends head ${options.sinceHead.index}:${options.sinceHead.hashHex.slice(0, 16)}…`);
  lines.push(`checked: ${checks.join(', ')}${threads > 0 ? ` on ${threads} ${threads === 1 ? 'thread' : 'threads'}` : ''}`);
  const warnings = report.warnings.slice(0, WARNINGS_MAX).map((w) => `  warning: ${w.message}`);
  if (report.warnings.length > WARNINGS_MAX) warnings.push(`  … and ${report.warnings.length - WARNINGS_MAX} more warnings`);
  if (report.ok) {
    lines.push(...warnings, 'VALID');
    return `${lines.join('\n')}\n`;
  }
  const first = report.errors[0]!;
  lines.push(`INVALID: ${report.errors.length} ${report.errors.length === 1 ? 'problem' : 'problems'}; first (as engenho-revoada reports it): ${first.kind}${first.index === null ? '' : ` at ${first.index}`}`);
  for (const problem of report.errors.slice(0, HUMAN_PROBLEMS_MAX)) {
    const where = problem.index === null ? (problem.kind === 'invalid_genesis' ? 'block 0' : 'chain') : describeBlockPosition(chain.blocks[problem.index]!, problem.index);
    lines.push('');
    lines.push(`  ${where}: ${problem.kind}`);
    lines.push(`    cause:    ${problem.cause}`);
    lines.push(`    check:    ${problem.check}${problem.field ? ` on field ${problem.field}` : ''}`);
    if (problem.expected !== null) lines.push(`    expected: ${problem.expected}`);
    if (problem.actual !== null) lines.push(`    actual:   ${problem.actual}`);
  }
  if (report.errors.length > HUMAN_PROBLEMS_MAX) lines.push(`\n  … and ${report.errors.length - HUMAN_PROBLEMS_MAX} more (--json lists all)`);
  if (warnings.length > 0) lines.push('', ...warnings);
  return `${lines.join('\n')}\n`;
}

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: 'verify an attestation chain file offline',
  usage: USAGE,
  async run(args: readonly string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, {
      json: { type: 'boolean' },
      'min-witnesses': { type: 'string' },
      trust: { type: 'string' },
      'since-head': { type: 'string' },
      threads: { type: 'string' },
      out: { type: 'string' },
      form: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing the chain FILE to verify' : `expected one FILE, got ${positionals.length}: ${positionals.join(' ')}`);
    const minWitnesses = integerOption('min-witnesses', values['min-witnesses'], 0, 0, 1000);
    const threads = values.threads === undefined ? undefined : integerOption('threads', values.threads, 0, 0, 256);
    let sinceHead = null;
    if (values['since-head'] !== undefined) {
      const parsed = parseSinceHead(values['since-head']);
      if (!parsed.ok) throw new UsageError(`--since-head ${parsed.error}`);
      sinceHead = parsed.value;
    }
    const form = values.form;
    if (form !== undefined && form !== 'bare' && form !== 'envelope') throw new UsageError(`--form expects bare or envelope, got '${form}'`);
    if (form !== undefined && values.out === undefined) throw new UsageError('--form needs --out FILE');
    const file = positionals[0]!;
    const resolve = (p: string) => path.resolve(io.cwd, p);
    try {
      const trust = values.trust === undefined ? null : await loadTrust(resolve(values.trust));
      const chain = await loadChain(resolve(file));
      const options: VerifyOptions = { minWitnesses, trust, sinceHead };
      const result = await verifyChainParallel(chain.blocks, { ...options, threads });
      const report = result.report;
      io.stdout(values.json ? `${jsonReport(report)}\n` : humanReport(file, chain, report, options, result.threads));
      if (!report.ok) {
        if (values.out !== undefined) io.stderr(`revoada verify: not writing ${values.out}: the chain is invalid\n`);
        return EXIT_FAILED;
      }
      if (values.out !== undefined) {
        const outForm = form ?? chain.form;
        try {
          await exportChainFile(resolve(values.out), chain.blocks, outForm, chain);
        } catch (error) {
          io.stderr(`revoada verify: the chain is valid, but ${values.out} could not be written: ${describeFsError(error)}\n`);
          return EXIT_USAGE;
        }
        if (!values.json) io.stdout(`wrote ${values.out} (${outForm === 'bare' ? 'engenho-revoada array form' : 'revoada envelope'})\n`);
      }
      return EXIT_OK;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      if (values.json) {
        io.stdout(`${JSON.stringify({ ok: false, blocks: 0, head: null, errors: [{ kind: error.kind, index: null, message: error.message }] })}\n`);
      }
      io.stderr(`revoada verify: ${error.message}\n`);
      return EXIT_USAGE;
    }
  },
};
