// Harness for real multi-process gossip runs on loopback: spawns `revoada gossip-node` processes,
// parses their JSON lines and tracks what each one sees. Every child gets --exit-after-ms and
// --stdin-control, so it stops by itself and when this process goes away.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The repository root: the nearest folder above this file (source or bundle) with our package.json. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'revoada-console') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}
const root = findRoot();

/** Bundles the CLI (dependencies external, resolved from the repo's node_modules). */
export async function buildCli(): Promise<string> {
  const out = path.join(root, 'dist/test-bundles/gossip-cli.mjs');
  mkdirSync(path.dirname(out), { recursive: true });
  await build({ entryPoints: [path.join(root, 'electron/cli/main.ts')], outfile: out, bundle: true, platform: 'node', target: 'node20',
    format: 'esm', packages: 'external', logLevel: 'warning', absWorkingDir: root });
  // main.ts only runs when argv[1] ends in cli.mjs.
  return out;
}

export interface Line {
  /** performance.now() in THIS process when the line arrived (one clock for all children). */
  at: number;
  readonly event: string;
  readonly t: number;
  readonly node?: string;
  readonly generation?: string;
  readonly addr?: string;
  readonly from?: string;
  readonly to?: string;
  readonly uptime?: number;
  readonly stats?: { bytesOut: number; bytesIn: number; datagramsOut: number };
  readonly members?: Array<{ node: string; generation: string; health: string }>;
}

export class GossipProc {
  readonly child: ChildProcess;
  nodeId = '';
  generation = '';
  addr = '';
  readonly health = new Map<string, string>(); // `${node}|${generation}` → health
  readonly lines: Line[] = [];
  private waiters: Array<() => void> = [];
  exited = false;

  constructor(cli: string, args: readonly string[]) {
    this.child = spawn(process.execPath, [cli, 'gossip-node', ...args, '--stdin-control'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = createInterface({ input: this.child.stdout! });
    rl.on('line', (text) => {
      let line: Line;
      try { line = JSON.parse(text) as Line; } catch { return; }
      line.at = performance.now();
      this.lines.push(line);
      if (line.event === 'ready') { this.nodeId = line.node!; this.generation = line.generation!; this.addr = line.addr!; }
      if (line.event === 'health') this.health.set(`${line.node}|${line.generation}`, line.to!);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.child.on('exit', () => { this.exited = true; for (const f of this.waiters) f(); this.waiters = []; });
  }

  send(cmd: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(cmd)}\n`);
  }

  /** Resolves when predicate holds (re-checked on every line), rejects after timeoutMs. */
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    // Re-checked on every line of this process and every 20 ms (predicates may span processes).
    return new Promise((resolve, reject) => {
      const finish = (e?: Error): void => {
        clearTimeout(timer);
        clearInterval(poll);
        if (e) reject(e); else resolve();
      };
      const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      let done = false;
      const check = (): void => {
        if (done) return;
        if (predicate()) { done = true; finish(); return; }
        if (this.exited) { done = true; finish(new Error(`process exited while waiting for ${what}`)); return; }
        this.waiters.push(check);
      };
      const poll = setInterval(check, 20);
      check();
    });
  }

  healthOf(nodeId: string, generation: string): string | undefined {
    return this.health.get(`${nodeId}|${generation}`);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.exited) this.child.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.stdin!.end();
    const t = setTimeout(() => this.kill('SIGKILL'), 3000);
    await done;
    clearTimeout(t);
  }
}

export function identityHex(i: number): string {
  return (i + 1).toString(16).padStart(2, '0').repeat(32);
}

export interface ClusterOptions {
  readonly count: number;
  readonly exitAfterMs: number;
  readonly cluster: string;
  readonly extraArgs?: (i: number) => readonly string[];
}

/** Starts node 0, then the others with node 0 as their only seed. */
export async function startCluster(cli: string, o: ClusterOptions): Promise<GossipProc[]> {
  const procs: GossipProc[] = [];
  const first = new GossipProc(cli, ['--listen', '127.0.0.1:0', '--cluster', o.cluster, '--identity', identityHex(0), '--exit-after-ms', String(o.exitAfterMs), ...(o.extraArgs?.(0) ?? [])]);
  procs.push(first);
  await first.waitFor(() => first.addr !== '', 10_000, 'node 0 ready');
  for (let i = 1; i < o.count; i++) procs.push(startMember(cli, o, i, first.addr));
  await Promise.all(procs.map((p, i) => p.waitFor(() => p.addr !== '', 10_000, `node ${i} ready`)));
  return procs;
}

export function startMember(cli: string, o: ClusterOptions, i: number, seedAddr: string): GossipProc {
  return new GossipProc(cli, ['--listen', '127.0.0.1:0', '--seed', seedAddr, '--cluster', o.cluster, '--identity', identityHex(i),
    '--exit-after-ms', String(o.exitAfterMs), ...(o.extraArgs?.(i) ?? [])]);
}

/** True when every process sees every other one healthy. */
export function allHealthy(procs: readonly GossipProc[]): boolean {
  return procs.every((p) => procs.every((q) => q === p || p.healthOf(q.nodeId, q.generation) === 'healthy'));
}
