// Multi-core attestation verification for the Node host and the CLI.
//
// The per-block work (BLAKE3 of the canonical bytes, leader and witness signatures on node:crypto)
// is split into batches for a pool of worker threads (dist/workers/chain-verify.worker.mjs). This
// thread writes each batch's canonical bytes, keys and signatures into one buffer
// (shared/attestation/facts-wire.ts) and transfers it; the thread hashes and verifies, writes the
// facts over the same buffer and transfers it back, and the buffer is reused for a later batch. No
// objects are cloned between threads. Results are placed by block index, so scheduling never
// changes the outcome. The report is then assembled in this thread by the same pure code the
// single-threaded verifier uses (shared/attestation/verify.ts `assembleReport`), so both give
// identical results by construction, and the tests check it.
//
// Where the time goes (10,000 blocks, no witnesses): ≈ 38 µs per signature with libsodium (90 µs
// with OpenSSL) on the threads, ≈ 1 µs per block for BLAKE3, ≈ 2–3 µs per block in this thread
// (packing, unpacking, the report): most of the CPU is still the signature checks.
//
// If the worker bundle is missing or a worker dies, the facts are computed in this thread instead:
// slower, same answer.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RoleAttestationBlock } from '../../../shared/attestation/block';
import { decodeFactsInto, encodeFactsJob } from '../../../shared/attestation/facts-wire';
import { assembleReport, blockFacts, computeFacts, orderWarnings, type BlockFacts, type ChainReport, type ChainWarning, type VerifyOptions } from '../../../shared/attestation/verify';
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

/** Blocks per batch: what is left split in (threads × BATCH_SPLIT) parts, within these bounds. */
const BATCH_MIN = 16;
const BATCH_MAX = 512;
const BATCH_SPLIT = 4;
/** Blocks in each thread's first job. */
const FIRST_BATCH = 32;
/** Jobs queued per thread, so that a thread never waits for this one to hand it its next batch. */
const IN_FLIGHT = 2;

export interface FactsOptions {
  /**
   * This thread verifies batches too, between handing out jobs (it stays responsive: it yields
   * to the event loop after each small batch). Worth it when it would otherwise sit idle, i.e.
   * when the pool has fewer threads than there are cores.
   */
  readonly inThread?: boolean;
}

/** Job buffers kept for reuse. */
const SPARE_MAX = 8;

/** Batches of blocks verified in this thread between two turns of the event loop. */
const IN_THREAD_BATCH = 16;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A pool of verification threads. Reuse it for many chains; `close()` when done. */
export class ChainVerifierPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | null = null;
  private closed = false;
  /** Job buffers that came back from the threads (with the facts in them), to pack the next jobs into. */
  private readonly spare: Uint8Array[] = [];

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
  }

  /**
   * Facts for every block, computed on the pool's threads. Throws if a thread failed.
   *
   * Batches are handed out in chain order as threads ask for work, largest first and smaller
   * towards the end (so that the threads finish together); each thread has IN_FLIGHT jobs queued.
   * Results are placed by block index, so scheduling never changes the outcome.
   */
  async facts(blocks: readonly RoleAttestationBlock[], options: FactsOptions = {}): Promise<BlockFacts[]> {
    if (this.closed) throw new Error('verifier pool is closed');
    if (this.broken) throw this.broken;
    const n = blocks.length;
    const out: BlockFacts[] = new Array<BlockFacts>(n);
    const inThread = options.inThread === true;
    const parts = (this.workers.length + (inThread ? 1 : 0)) * BATCH_SPLIT;
    let next = 0;
    const take = (most: number): [number, number] | null => {
      if (next >= n) return null;
      const size = Math.min(most, Math.max(BATCH_MIN, Math.ceil((n - next) / parts)));
      const from = next;
      next = Math.min(n, next + size);
      return [from, next];
    };
    let queued = 0;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const settle = (): void => {
      wake?.();
      wake = null;
    };
    const send = (worker: Worker, most = BATCH_MAX): void => {
      const range = failure === null ? take(most) : null;
      if (range === null) return;
      const [from, to] = range;
      const job = encodeFactsJob(blocks, from, to, this.spare.pop());
      const id = this.nextId++;
      queued++;
      this.pending.set(id, {
        resolve: (result) => {
          queued--;
          try {
            decodeFactsInto(out, from, result, blocks, from, to);
            if (this.spare.length < SPARE_MAX) this.spare.push(new Uint8Array(result.buffer));
            send(worker);
          } catch (error) {
            failure ??= error instanceof Error ? error : new Error(String(error));
          }
          if (queued === 0 || failure !== null) settle();
        },
        reject: (error) => {
          queued--;
          failure ??= error;
          settle();
        },
      });
      const request: FactsRequest = { id, job };
      worker.postMessage(request, [job.buffer as ArrayBuffer]);
    };
    // A small first job each, so that every thread starts at once; then the queues fill up.
    for (const worker of this.workers) send(worker, FIRST_BATCH);
    for (let k = 1; k < IN_FLIGHT; k++) for (const worker of this.workers) send(worker);
    if (inThread) {
      for (;;) {
        const range = failure === null ? take(IN_THREAD_BATCH) : null;
        if (range === null) break;
        try {
          for (let i = range[0]; i < range[1]; i++) out[i] = blockFacts(blocks[i]!, nodeEd25519);
        } catch (error) {
          failure ??= error instanceof Error ? error : new Error(String(error)); // stops the threads' queue too
          break;
        }
        await nextTurn();
      }
    }
    while (failure === null && queued > 0) await new Promise<void>((resolve) => (wake = resolve));
    if (failure !== null) throw failure;
    return out;
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
  /** This thread verifies batches too (see `FactsOptions.inThread`). */
  readonly inThread?: boolean;
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
  let warnings: readonly ChainWarning[] | undefined;
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
        const pending = pool.facts(blocks, { inThread: options.inThread }); // the first jobs are sent now
        warnings = orderWarnings(blocks); // while the threads work
        facts = await pending;
        threads = pool.threads;
      } catch (error) {
        fallback = error instanceof Error ? error.message : String(error);
      } finally {
        if (!options.pool) await pool.close();
      }
    }
  }
  if (facts === null) facts = computeFacts(blocks, nodeEd25519);
  return { report: assembleReport(blocks, facts, nodeEd25519, options, warnings), threads, fallback };
}
