// bench:chain — attestation chain throughput (issue 3).
//
//   append     blocks/s signing + hashing + linking on one core, native signer (libsodium, else
//              OpenSSL — the backend is printed) (baseline: the pure-JS signer, same run)
//   verify     a generated 10,000-block chain, without and with 2 witnesses per block:
//              all cores (worker pool, warm and cold incl. thread start), the other split of
//              the cores (one worker fewer, this thread verifying a share), one thread on the
//              native backend and on OpenSSL, and the baseline: one thread with the pure-JS verifier
//   parse      chain file text → blocks (10k chain), and the long_2000 fixture end to end
//
// Every parallel report is compared with the single-threaded one (must be identical).
// Options: --pure-blocks=N  verify only the first N blocks with the pure-JS baseline and scale
//          (default: the whole chain, as the issue asks; the output says which was done).
// The LAST line is one JSON object with the figures and ratios.
import { webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import { AttestationChain } from '../../shared/attestation/chain';
import { encodeChainBare, parseChainFile } from '../../shared/attestation/chain-file';
import { verifyChain, verifyChainReport, type ChainReport } from '../../shared/attestation/verify';
import { verifyChainReportAsync, webCryptoEd25519, type SubtleEd25519Port } from '../../shared/attestation/verify-async';
import { pureEd25519, type Ed25519Provider } from '../../shared/crypto/ed25519';
import { Prng } from '../../shared/kit/prng';
import { nodeIdFromBytes } from '../../shared/types/node-id';
import { NODE_ROLES, promote, demote, quarantine, restore, type RoleAssignment, REASONS } from '../../shared/types/roles';
import { ed25519Backend, nodeEd25519, opensslEd25519 } from '../../electron/node/ed25519-node';
import { ChainVerifierPool, verifyChainParallel } from '../../electron/node/attestation/parallel-verify';

const args = process.argv.slice(2);
const pureArg = args.find((a) => a.startsWith('--pure-blocks='));
const pureBlocks = pureArg ? Number(pureArg.slice('--pure-blocks='.length)) : Infinity;
if (!(pureBlocks > 0)) throw new Error(`--pure-blocks=N expects a positive number, got '${pureArg}'`);
const N = 10_000;
const workerUrl = new URL('../workers/chain-verify.worker.mjs', import.meta.url);

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function randomAssignment(prng: Prng, nodes: readonly string[]): RoleAssignment {
  const id = nodeIdFromBytes(Uint8Array.from(Buffer.from(prng.pick(nodes)!, 'hex')));
  const roles = NODE_ROLES.filter(() => prng.chance(0.4));
  const reason = prng.pick(REASONS)!;
  switch (prng.nextInt(4)) {
    case 0: return promote(id, roles.length ? roles : ['worker'], reason);
    case 1: return demote(id, roles.length ? roles : ['worker'], reason);
    case 2: return quarantine(id, reason);
    default: return restore(id);
  }
}

function seed(b: number): Uint8Array {
  return new Uint8Array(32).fill(b);
}

function build(count: number, provider: Ed25519Provider, witnesses: number, prng: Prng): { chain: AttestationChain; ms: number } {
  const leader = provider.signerFromSeed(seed(0x51));
  const witnessSigners = Array.from({ length: witnesses }, (_, k) => provider.signerFromSeed(seed(0x60 + k)));
  const nodes = [leader, ...witnessSigners, provider.signerFromSeed(seed(0x70))].map((s) => Buffer.from(s.publicKey).toString('hex'));
  const assignments = Array.from({ length: count }, () => randomAssignment(prng, nodes));
  const chain = new AttestationChain();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    chain.append(leader, assignments[i]!, 1_700_000_000_000 + i * 37, 1 + Math.floor(i / 1000), i + 1);
    for (const w of witnessSigners) chain.witness(i, w);
  }
  return { chain, ms: performance.now() - t0 };
}

// Wall time, and the CPU time of the whole process (all threads): on a shared machine the ratio
// cpu/wall shows how much of the cores the run actually got.
function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

function time<T>(fn: () => T): { value: T; ms: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0, cpu: cpuMs(c0) };
}

async function timeAsync<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0, cpu: cpuMs(c0) };
}

const rate = (blocks: number, ms: number) => Math.round((blocks / ms) * 1000);
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

async function main(): Promise<void> {
  log(`cores: ${availableParallelism()} (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const prng = new Prng(0xc4a1);

  // Append.
  build(500, nodeEd25519, 0, prng.fork()); // warm up
  const appendNode = build(N, nodeEd25519, 0, prng.fork());
  const appendPureCount = 1000;
  const appendPure = build(appendPureCount, pureEd25519, 0, prng.fork());
  const appendRate = rate(N, appendNode.ms);
  const appendPureRate = rate(appendPureCount, appendPure.ms);
  log(`append (one core): ${ed25519Backend.name} ${appendRate} blocks/s (${N} in ${fmt(appendNode.ms)}); pure-JS baseline ${appendPureRate} blocks/s (${appendPureCount} blocks); ratio ${(appendRate / appendPureRate).toFixed(1)}x`);

  const plain = appendNode.chain.blocks();
  const witnessed = build(N, nodeEd25519, 2, prng.fork()).chain.blocks();

  const pool = ChainVerifierPool.open({ workerUrl });
  if (!pool) throw new Error(`worker bundle not found at ${workerUrl.href}`);
  // The other split of the cores: one worker fewer, this thread verifies a share between jobs.
  const poolLessOne = ChainVerifierPool.open({ workerUrl, threads: Math.max(1, pool.threads - 1) })!;
  const figures: Record<string, unknown> = { ed25519_backend: ed25519Backend.name, cores: availableParallelism(), load_average_1m_at_start: +loadavg()[0]!.toFixed(2), blocks: N, append_blocks_per_s: appendRate, append_pure_blocks_per_s: appendPureRate, append_ratio: +(appendRate / appendPureRate).toFixed(2) };

  for (const [label, blocks] of [['no_witnesses', plain], ['two_witnesses', witnessed]] as const) {
    // Warm the pool and the JIT once.
    await verifyChainParallel(blocks.slice(0, 2000), { pool });
    await verifyChainParallel(blocks.slice(0, 2000), { pool: poolLessOne, inThread: true });
    const cold = await timeAsync(() => verifyChainParallel(blocks, { workerUrl }));
    const warm = await timeAsync(() => verifyChainParallel(blocks, { pool }));
    const shared = await timeAsync(() => verifyChainParallel(blocks, { pool: poolLessOne, inThread: true }));
    const single = time(() => verifyChainReport(blocks, nodeEd25519));
    const crate = time(() => verifyChain(blocks, nodeEd25519));
    const openssl = time(() => verifyChain(blocks, opensslEd25519));
    const pureN = Math.min(blocks.length, pureBlocks);
    const pure = time(() => verifyChainReport(blocks.slice(0, pureN), pureEd25519));
    const pureMs = (pure.ms * blocks.length) / pureN;
    const identical = isDeepStrictEqual(warm.value.report, single.value) && isDeepStrictEqual(cold.value.report, single.value) && isDeepStrictEqual(shared.value.report, single.value);
    const check = (r: ChainReport) => r.ok && r.blocks === blocks.length;
    if (!identical || !check(single.value) || !crate.value.ok || !openssl.value.ok || !pure.value.ok) throw new Error(`${label}: verification results differ or fail`);
    log(`verify ${N} blocks, ${label}:`);
    log(`  parallel (${warm.value.threads} threads, warm pool) ${fmt(warm.ms)}  ${rate(N, warm.ms)} blocks/s  (process CPU ${fmt(warm.cpu)}: ${(warm.cpu / warm.ms).toFixed(2)} cores busy on average)`);
    log(`  parallel (cold, incl. thread start)      ${fmt(cold.ms)}  ${rate(N, cold.ms)} blocks/s`);
    log(`  ${shared.value.threads} worker(s) + this thread sharing        ${fmt(shared.ms)}  ${rate(N, shared.ms)} blocks/s  (process CPU ${fmt(shared.cpu)})`);
    log(`  one thread, ${ed25519Backend.name}, full report    ${fmt(single.ms)}  ${rate(N, single.ms)} blocks/s`);
    log(`  one thread, ${ed25519Backend.name}, verify_chain   ${fmt(crate.ms)}  ${rate(N, crate.ms)} blocks/s`);
    log(`  one thread, openssl, verify_chain     ${fmt(openssl.ms)}  ${rate(N, openssl.ms)} blocks/s`);
    log(`  baseline: one thread, pure-JS           ${fmt(pureMs)}  ${rate(N, pureMs)} blocks/s${pureN < blocks.length ? ` (measured on ${pureN} blocks, scaled)` : ''}`);
    log(`  ratio parallel/pure ${(pureMs / warm.ms).toFixed(1)}x, parallel/single ${(single.ms / warm.ms).toFixed(2)}x; parallel report identical to single-threaded: ${identical}`);
    Object.assign(figures, {
      [`${label}_parallel_ms`]: +warm.ms.toFixed(1),
      [`${label}_parallel_cold_ms`]: +cold.ms.toFixed(1),
      [`${label}_parallel_cpu_ms`]: +warm.cpu.toFixed(1),
      [`${label}_workers_less_one_plus_main_ms`]: +shared.ms.toFixed(1),
      [`${label}_workers_less_one_plus_main_cpu_ms`]: +shared.cpu.toFixed(1),
      [`${label}_single_node_ms`]: +single.ms.toFixed(1),
      [`${label}_single_node_verify_chain_ms`]: +crate.ms.toFixed(1),
      [`${label}_single_openssl_verify_chain_ms`]: +openssl.ms.toFixed(1),
      [`${label}_pure_baseline_ms`]: +pureMs.toFixed(1),
      [`${label}_pure_measured_blocks`]: pureN,
      [`${label}_parallel_blocks_per_s`]: rate(N, warm.ms),
      [`${label}_ratio_vs_pure`]: +(pureMs / warm.ms).toFixed(2),
      [`${label}_ratio_vs_single_node`]: +(single.ms / warm.ms).toFixed(2),
      [`${label}_identical`]: identical,
    });
  }

  // Parse.
  const text = encodeChainBare(plain);
  const parsed = time(() => parseChainFile(text));
  if (!parsed.value.ok) throw new Error('generated chain did not parse');
  log(`parse ${N}-block file (${(text.length / 1e6).toFixed(1)} MB): ${fmt(parsed.ms)}  ${rate(N, parsed.ms)} blocks/s`);
  const longText = readFileSync(new URL('../../test/fixtures/attestation/long_2000.json', import.meta.url), 'utf8');
  const longParse = time(() => parseChainFile(longText));
  if (!longParse.value.ok) throw new Error('long_2000 did not parse');
  const longBlocks = longParse.value.value.blocks;
  const longPar = await timeAsync(() => verifyChainParallel(longBlocks, { pool }));
  const longSingle = time(() => verifyChainReport(longBlocks, nodeEd25519));
  const longPure = time(() => verifyChainReport(longBlocks, pureEd25519));
  // The renderer's fast path (WebCrypto); Node's WebCrypto stands in for Chromium's here.
  const longWebCrypto = await timeAsync(() => verifyChainReportAsync(longBlocks, webCryptoEd25519(webcrypto.subtle as unknown as SubtleEd25519Port), pureEd25519));
  if (!isDeepStrictEqual(longWebCrypto.value, longSingle.value)) throw new Error('long_2000: WebCrypto report differs');
  if (!longPar.value.report.ok || !isDeepStrictEqual(longPar.value.report, longSingle.value) || !longPure.value.ok) throw new Error('long_2000 verification failed or differs');
  log(`long_2000 fixture: parse ${fmt(longParse.ms)}, verify parallel ${fmt(longPar.ms)}, one thread ${ed25519Backend.name} ${fmt(longSingle.ms)}, pure-JS ${fmt(longPure.ms)} (ratio ${(longPure.ms / longPar.ms).toFixed(1)}x), WebCrypto (renderer path) ${fmt(longWebCrypto.ms)}`);
  Object.assign(figures, {
    parse_10k_ms: +parsed.ms.toFixed(1),
    long_2000_parse_ms: +longParse.ms.toFixed(1),
    long_2000_parallel_ms: +longPar.ms.toFixed(1),
    long_2000_single_node_ms: +longSingle.ms.toFixed(1),
    long_2000_pure_ms: +longPure.ms.toFixed(1),
    long_2000_webcrypto_ms: +longWebCrypto.ms.toFixed(1),
    long_2000_ratio_vs_pure: +(longPure.ms / longPar.ms).toFixed(2),
    target_10k_no_witness_le_500ms: (figures['no_witnesses_parallel_ms'] as number) <= 500,
    target_ratio_ge_20: (figures['no_witnesses_ratio_vs_pure'] as number) >= 20,
    target_append_ge_20k_per_s: appendRate >= 20_000,
  });
  await pool.close();
  await poolLessOne.close();
  figures['load_average_1m_at_end'] = +loadavg()[0]!.toFixed(2);
  log(JSON.stringify({ bench: 'chain', ...figures }));
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:chain failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
