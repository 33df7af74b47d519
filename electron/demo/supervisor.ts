// The demo mesh: N real `revoada node` processes on loopback, bootstrapped into one cluster, with
// chaos controls (kill, restart, partition, heal). Used by `revoada demo`, `npm start` and tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import path from 'node:path';
import type { NodeStatusDto } from '../../shared/ipc/contract';
import { connectConsole, type ConsoleClient } from '../console/client';

export interface DemoNodeSpec {
  readonly index: number;
  readonly dataDir: string;
  readonly gossipPort: number;
  readonly raftPort: number;
}

export interface DemoNode extends DemoNodeSpec {
  child: ChildProcess | null;
  consoleUrl: string | null;
  client: ConsoleClient | null;
  log: string;
}

export interface DemoOptions {
  readonly nodes: number;
  readonly root: string;
  readonly cliPath: string;
  readonly clusterId?: string;
  /** Extra arguments for every node (e.g. --log-json). */
  readonly nodeArgs?: readonly string[];
  readonly onLog?: (index: number, line: string) => void;
}

/** A loopback port the kernel reports free for both TCP and UDP. */
export async function freeLoopbackPort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        const chosen = typeof address === 'object' && address ? address.port : 0;
        server.close(() => resolve(chosen));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('could not find a free loopback port');
}

/** True when every node agrees on one leader and sees every other node healthy. */
export function meshConverged(statuses: readonly (NodeStatusDto | null)[], expectedNodes: number): boolean {
  if (statuses.length !== expectedNodes || statuses.some((s) => s === null)) return false;
  const all = statuses as readonly NodeStatusDto[];
  const leaders = all.filter((s) => s.raft.state === 'leader');
  if (leaders.length !== 1) return false;
  const leaderId = leaders[0]!.nodeId;
  const ids = new Set(all.map((s) => s.nodeId));
  return all.every((s) => s.raft.leaderId === leaderId
    && [...ids].every((id) => id === s.nodeId || s.members.some((m) => m.nodeId === id && m.health === 'healthy')));
}

export class DemoMesh {
  readonly nodes: DemoNode[] = [];

  private constructor(private readonly options: DemoOptions, private readonly secretFile: string) {}

  static async start(options: DemoOptions): Promise<DemoMesh> {
    await fs.mkdir(options.root, { recursive: true, mode: 0o700 });
    const mesh = new DemoMesh(options, path.join(options.root, 'cluster.secret'));
    for (let index = 0; index < options.nodes; index++) {
      mesh.nodes.push({
        index,
        dataDir: path.join(options.root, `node-${index}`),
        gossipPort: await freeLoopbackPort(),
        raftPort: await freeLoopbackPort(),
        child: null, consoleUrl: null, client: null, log: '',
      });
    }
    try {
      // The bootstrap node first (it creates the secret), then the others in parallel.
      await mesh.startNode(0);
      await Promise.all(mesh.nodes.slice(1).map((n) => mesh.startNode(n.index)));
    } catch (error) {
      await mesh.stop();
      throw error;
    }
    return mesh;
  }

  private args(node: DemoNode): string[] {
    const seed = this.nodes[0]!;
    const args = ['node', '--data-dir', node.dataDir, '--cluster-id', this.options.clusterId ?? 'revoada-demo',
      '--gossip', `127.0.0.1:${node.gossipPort}`, '--raft', `127.0.0.1:${node.raftPort}`,
      '--secret-file', this.secretFile, '--console', '127.0.0.1:0', ...(this.options.nodeArgs ?? [])];
    if (node.index === 0) args.push('--bootstrap');
    else args.push('--seed', `127.0.0.1:${seed.gossipPort}`);
    return args;
  }

  /** Starts (or restarts) node `index` and waits until its console answers. */
  async startNode(index: number, timeoutMs = 20_000): Promise<void> {
    const node = this.nodes[index];
    if (!node) throw new Error(`no demo node ${index} (have 0-${this.nodes.length - 1})`);
    if (node.child) throw new Error(`demo node ${index} is already running`);
    const child = spawn(process.execPath, [this.options.cliPath, ...this.args(node)], { stdio: ['ignore', 'ignore', 'pipe'] });
    node.child = child;
    node.log = '';
    let pendingLine = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo node ${index} did not start in ${timeoutMs} ms:\n${node.log}`)), timeoutMs);
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        node.log = (node.log + text).slice(-64 * 1024);
        pendingLine += text;
        const lines = pendingLine.split('\n');
        pendingLine = lines.pop() ?? '';
        for (const line of lines) {
          this.options.onLog?.(index, line);
          const match = /console: (http:\/\/\S+)/.exec(line);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`demo node ${index} exited (${code ?? signal}) before it was ready:\n${node.log}`));
      });
    });
    child.once('exit', () => {
      if (node.child === child) {
        node.child = null;
        node.client?.close();
        node.client = null;
      }
    });
    node.consoleUrl = url;
    node.client = await connectConsole(url);
  }

  /** Kills node `index` without warning (SIGKILL: no graceful leave, no flush). */
  async kill(index: number): Promise<void> {
    const node = this.nodes[index];
    if (!node?.child) throw new Error(`demo node ${index} is not running`);
    const child = node.child;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async statuses(): Promise<(NodeStatusDto | null)[]> {
    return Promise.all(this.nodes.map(async (n) => {
      if (!n.client) return null;
      try {
        return await n.client.call('getStatus', null);
      } catch {
        return null;
      }
    }));
  }

  /** Polls until `meshConverged` holds for the running nodes; resolves with the time it took (ms). */
  async waitConverged(timeoutMs: number, pollMs = 50): Promise<number> {
    const start = performance.now();
    for (;;) {
      const running = this.nodes.filter((n) => n.child !== null);
      const statuses = (await this.statuses()).filter((_, i) => this.nodes[i]!.child !== null);
      if (meshConverged(statuses, running.length)) return performance.now() - start;
      if (performance.now() - start > timeoutMs) throw new Error(`the demo mesh did not converge in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Stops every node gracefully (SIGTERM), killing any that do not exit within 10 s. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map(async (node) => {
      node.client?.close();
      const child = node.child;
      if (!child || child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    }));
  }
}
