// Multi-core attestation verification for the Node host and the CLI.
//
// The per-block work (canonical bytes → BLAKE3, leader and witness signatures on node:crypto) is
// split into batches that a pool of worker threads (dist/workers/chain-verify.worker.mjs) takes from a
// queue; results are placed by batch position, so scheduling never changes the outcome. The report
// is then assembled in this thread by the same pure code the single-threaded verifier uses
// (shared/attestation/verify.ts `assembleReport`), so both give identical results by construction,
// and the tests check it.
//
// If the worker bundle is missing or a worker dies, the facts are computed in this thread instead:
// slower, same answer.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RoleAttestationBlock } from '../../../shared/attestation/block';
import { decodeFactsResult, encodeFactsJob } from '../../../shared/attestation/facts-wire';
import { assembleReport, computeFacts, type BlockFacts, type ChainReport, type VerifyOptions } from '../../../shared/attestation/verify';
import { nodeEd25519 } from '../ed25519-node';
import type { FactsRequest, FactsResponse } from '../workers/chain-verify.worker';

/** Below this many blocks, thread start-up costs more than it saves. */
export const PARALLEL_THRESHOLD = 256;

/** build/build.mjs bundles electron/node/workers/chain-verify.worker.ts to dist/workers/ under this name. */
export const WORKER_FILE = 'chain-verify.worker.mjs';

/** Where the worker bundle is, from the CLI bundle (dist/cli.mjs), a bench (dist/bench/) or the sources. */
export function findWorkerUrl(): URL | null {
  // In a CommonJS bundle (the Electron main process) import.meta.url is empty: callers there pass
  // `workerUrl` themselves.
  const here: string | undefined = import.meta.url;
  if (!here) return null;
  for (const dir of ['./workers/', '../workers/', '../../../dist/workers/']) {
    try {
      const url = new URL(`${dir}${WORKER_FILE}`, here);
      if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return url;
    } catch {
      return null;
    }
  }
  return null;
}

export interface PoolOptions {
  /** Worker threads; default: the number of cores. */
  readonly threads?: number;
  /** The worker bundle; default: found next to this bundle (see `findWorkerUrl`). */
  readonly workerUrl?: URL | null;
}

interface Pending {
  resolve(result: Uint8Array): void;
  reject(error: Error): void;
}

/** A pool of verification threads. Reuse it for many chains; `close()` when done. */
export class ChainVerifierPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private nextId = 1;
  private broken: Error | null = null;
  private closed = false;

  private constructor(workerUrl: URL, threads: number) {
    this.workers = Array.from({ length: threads }, () => {
      const worker = new Worker(workerUrl);
      worker.on('message', (response: FactsResponse) => {
        const waiter = this.pending.get(response.id);
        if (!waiter) return;
        this.pending.delete(response.id);
        if ('error' in response) waiter.reject(new Error(`verification thread: ${response.error}`));
        else waiter.resolve(response.result);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`verification thread exited with code ${code}`));
      });
      return worker;
    });
    this.idle.push(...this.workers);
  }

  /** Starts `threads` workers, or returns null when the worker bundle cannot be found. */
  static open(options: PoolOptions = {}): ChainVerifierPool | null {
    const url = options.workerUrl === undefined ? findWorkerUrl() : options.workerUrl;
    if (url === null) return null;
    const threads = Math.max(1, options.threads ?? availableParallelism());
    return new ChainVerifierPool(url, threads);
  }

  get threads(): number {
    return this.workers.length;
  }

  private fail(error: Error): void {
    if (this.broken) return;
    this.broken = error;
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }

  private async acquire(): Promise<Worker> {
    for (;;) {
      if (this.broken) throw this.broken;
      const worker = this.idle.pop();
      if (worker) return worker;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private release(worker: Worker): void {
    this.idle.push(worker);
    this.waiting.shift()?.();
  }

  /** Packs the job only once a thread is free, so packing overlaps with the other threads' work. */
  private async run(pack: () => Uint8Array): Promise<Uint8Array> {
    const worker = await this.acquire();
    try {
      const job = pack();
      const id = this.nextId++;
      return await new Promise<Uint8Array>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        const request: FactsRequest = { id, job };
        worker.postMessage(request, [job.buffer as ArrayBuffer]);
      });
    } finally {
      this.release(worker);
    }
  }

  /** Facts for every block, computed on the pool's threads. Throws if a thread failed. */
  async facts(blocks: readonly RoleAttestationBlock[]): Promise<BlockFacts[]> {
    if (this.closed) throw new Error('verifier pool is closed');
    const n = blocks.length;
    const batch = Math.min(1024, Math.max(64, Math.ceil(n / (this.workers.length * 8))));
    const ranges: [number, number][] = [];
    for (let from = 0; from < n; from += batch) ranges.push([from, Math.min(n, from + batch)]);
    const results = await Promise.all(ranges.map(async ([from, to]) => decodeFactsResult(await this.run(() => encodeFactsJob(blocks, from, to)), blocks, from, to)));
    return results.flat();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

export interface ParallelVerifyOptions extends VerifyOptions {
  /** Reuse a pool (benchmarks, the node host); otherwise one is opened and closed for this call. */
  readonly pool?: ChainVerifierPool | null;
  readonly threads?: number;
  readonly workerUrl?: URL | null;
}

export interface ParallelVerifyResult {
  readonly report: ChainReport;
  /** Threads that computed the facts; 0 = computed in this thread. */
  readonly threads: number;
  /** Why the facts were computed in this thread, when they were. */
  readonly fallback: string | null;
}

/** Full verification report using all cores (node:crypto), identical to `verifyChainReport`. */
export async function verifyChainParallel(blocks: readonly RoleAttestationBlock[], options: ParallelVerifyOptions = {}): Promise<ParallelVerifyResult> {
  let facts: BlockFacts[] | null = null;
  let threads = 0;
  let fallback: string | null = null;
  if (options.threads === 0 && !options.pool) {
    fallback = 'one thread requested';
  } else if (blocks.length < PARALLEL_THRESHOLD && !options.pool) {
    fallback = `fewer than ${PARALLEL_THRESHOLD} blocks`;
  } else {
    const pool = options.pool ?? ChainVerifierPool.open({ threads: options.threads, workerUrl: options.workerUrl });
    if (pool === null) {
      fallback = 'worker bundle dist/workers/chain-verify.worker.mjs not found (run npm run build)';
    } else {
      try {
        facts = await pool.facts(blocks);
        threads = pool.threads;
      } catch (error) {
        fallback = error instanceof Error ? error.message : String(error);
      } finally {
        if (!options.pool) await pool.close();
      }
    }
  }
  if (facts === null) facts = computeFacts(blocks, nodeEd25519);
  return { report: assembleReport(blocks, facts, nodeEd25519, options), threads, fallback };
}
