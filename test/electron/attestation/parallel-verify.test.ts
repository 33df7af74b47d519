// The multi-core verifier gives exactly the single-threaded report, whatever the batch boundaries,
// thread count or tampering; and falls back to this thread when workers are unavailable.
import { build } from 'esbuild';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttestationChain } from '../../../shared/attestation/chain';
import { parseChainFile } from '../../../shared/attestation/chain-file';
import { decodeFactsResult, encodeFactsJob, runFactsJob } from '../../../shared/attestation/facts-wire';
import { computeFacts, verifyChainReport } from '../../../shared/attestation/verify';
import type { RoleAttestationBlock } from '../../../shared/attestation/block';
import { Prng } from '../../../shared/kit/prng';
import { nodeIdFromBytes } from '../../../shared/types/node-id';
import { promote, restore } from '../../../shared/types/roles';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';
import { ChainVerifierPool, verifyChainParallel } from '../../../electron/node/attestation/parallel-verify';

const tmp = mkdtempSync(path.join(tmpdir(), 'revoada-workers-'));
let workerUrl: URL;
let pool: ChainVerifierPool;

beforeAll(async () => {
  // The same entry build/build.mjs bundles to dist/workers/, bundled self-contained for the test.
  await build({
    entryPoints: [path.resolve(__dirname, '../../../electron/node/workers/chain-verify.worker.ts')],
    outfile: path.join(tmp, 'chain-verify.worker.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  });
  workerUrl = pathToFileURL(path.join(tmp, 'chain-verify.worker.mjs'));
  pool = ChainVerifierPool.open({ workerUrl, threads: 2 })!;
});
afterAll(async () => {
  await pool?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const long2000 = () => {
  const parsed = parseChainFile(readFileSync(new URL('../../fixtures/attestation/long_2000.json', import.meta.url), 'utf8'));
  if (!parsed.ok) throw new Error('fixture');
  return parsed.value.blocks;
};

function generated(n: number, seed: number): RoleAttestationBlock[] {
  const prng = new Prng(seed);
  const leaders = [1, 2, 3].map((b) => nodeEd25519.signerFromSeed(new Uint8Array(32).fill(b)));
  const chain = new AttestationChain();
  for (let i = 0; i < n; i++) {
    const target = nodeIdFromBytes(new Uint8Array(32).fill(prng.nextInt(256)));
    chain.append(prng.pick(leaders)!, prng.chance(0.5) ? promote(target, ['etcd', 'worker'], 'scaling_up') : restore(target), 1_700_000_000_000 + i, 1, i + 1);
    if (prng.chance(0.3)) chain.witness(i, prng.pick(leaders)!);
  }
  return chain.blocks();
}

function tamper(blocks: RoleAttestationBlock[], prng: Prng): RoleAttestationBlock[] {
  const out = blocks.slice();
  for (let k = 0; k < 6; k++) {
    const i = prng.nextInt(out.length);
    const b = out[i]!;
    switch (prng.nextInt(5)) {
      case 0: out[i] = { ...b, committedAtMs: 7 }; break;
      case 1: out[i] = { ...b, leaderSignature: b.leaderSignature.slice(0, 10) }; break;
      case 2: out.splice(i, 1); break;
      case 3: out[i] = { ...b, witnessSignatures: [...b.witnessSignatures, { witness: b.leader, signature: new Uint8Array(64).fill(9) }] }; break;
      default: if (i > 0) [out[i - 1], out[i]] = [out[i]!, out[i - 1]!];
    }
  }
  return out;
}

describe('parallel attestation verification', () => {
  it('packed facts round trip equals in-thread facts', () => {
    const blocks = tamper(generated(50, 1), new Prng(2));
    const job = encodeFactsJob(blocks, 5, 40);
    expect(decodeFactsResult(runFactsJob(job, nodeEd25519), blocks, 5, 40)).toEqual(computeFacts(blocks.slice(5, 40), nodeEd25519));
  });

  it('long_2000 on 2 threads: the same report as one thread', async () => {
    const blocks = long2000();
    const result = await verifyChainParallel(blocks, { pool });
    expect(result.threads).toBe(2);
    expect(result.fallback).toBeNull();
    expect(result.report.ok).toBe(true);
    expect(result.report).toEqual(verifyChainReport(blocks, nodeEd25519));
  });

  it('tampered chains: identical reports, every problem in the same order', async () => {
    for (let seed = 1; seed <= 4; seed++) {
      const blocks = tamper(generated(300 + seed * 37, seed), new Prng(100 + seed));
      const single = verifyChainReport(blocks, nodeEd25519, { minWitnesses: 1, sinceHead: { index: 10, hashHex: '00'.repeat(32) } });
      const parallel = await verifyChainParallel(blocks, { pool, minWitnesses: 1, sinceHead: { index: 10, hashHex: '00'.repeat(32) } });
      expect(single.ok).toBe(false);
      expect(parallel.report).toEqual(single);
    }
  });

  it('this thread can verify a share too (one worker + this thread): the same report', async () => {
    const one = ChainVerifierPool.open({ workerUrl, threads: 1 })!;
    try {
      for (let seed = 11; seed <= 12; seed++) {
        const blocks = tamper(generated(700, seed), new Prng(200 + seed));
        const options = { minWitnesses: 1, sinceHead: { index: 20, hashHex: '00'.repeat(32) } };
        const shared = await verifyChainParallel(blocks, { pool: one, inThread: true, ...options });
        expect(shared.threads).toBe(1);
        expect(shared.fallback).toBeNull();
        expect(shared.report).toEqual(verifyChainReport(blocks, nodeEd25519, options));
      }
      const valid = generated(500, 13);
      expect((await verifyChainParallel(valid, { pool: one, inThread: true })).report).toEqual(verifyChainReport(valid, nodeEd25519));
    } finally {
      await one.close();
    }
  });

  it('opens and closes its own pool when none is given; three threads work too', async () => {
    const blocks = generated(400, 9);
    const own = await verifyChainParallel(blocks, { workerUrl, threads: 3 });
    expect(own.threads).toBe(3);
    expect(own.report).toEqual(verifyChainReport(blocks, nodeEd25519));
  });

  it('falls back to this thread, with the same answer, when the worker bundle is missing or broken', async () => {
    const blocks = generated(300, 5);
    const missing = await verifyChainParallel(blocks, { workerUrl: null });
    expect(missing.threads).toBe(0);
    expect(missing.fallback).toMatch(/not found/);
    const broken = await verifyChainParallel(blocks, { workerUrl: pathToFileURL(path.join(tmp, 'does-not-exist.mjs')) });
    expect(broken.threads).toBe(0);
    expect(broken.fallback).not.toBeNull();
    const single = verifyChainReport(blocks, nodeEd25519);
    expect(missing.report).toEqual(single);
    expect(broken.report).toEqual(single);
    const small = await verifyChainParallel(blocks.slice(0, 10), {});
    expect(small.fallback).toMatch(/fewer than/);
  });
});
