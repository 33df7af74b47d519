// Parent side of the multi-process cluster: spawns proc-node processes, wires peers, sends
// proposals and status requests, kills with SIGKILL.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import type { ProcOp } from './proc-node';

export interface ProcStatus {
  role: string; term: number; leader: string | null; commit: number; applied: number; last: number;
  voters: string[]; blocks: number; faults: number; stateHash?: string;
}

export class ProcNode {
  id = '';
  port = 0;
  private child: ChildProcess | null = null;
  private req = 0;
  private readonly pending = new Map<number, (v: Record<string, unknown>) => void>();

  constructor(readonly script: string, readonly execArgs: string[], readonly dir: string, readonly seedByte: number, readonly secretHex: string) {}

  get alive(): boolean {
    return this.child !== null;
  }

  start(bootstrap = false): Promise<void> {
    const config = { dir: this.dir, seedByte: this.seedByte, secretHex: this.secretHex, port: this.port || undefined, bootstrap };
    // RAFT_NODE_EXEC_ARGV (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the node processes.
    const nodeArgs = (process.env['RAFT_NODE_EXEC_ARGV'] ?? '').split(' ').filter((a) => a.length > 0);
    const child = spawn(process.execPath, [...nodeArgs, this.script, ...this.execArgs], { env: { ...process.env, RAFT_NODE_CONFIG: JSON.stringify(config) }, stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node ${this.seedByte} did not start`)), 10_000);
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let msg: Record<string, unknown>;
        try {
          msg = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (msg['type'] === 'listening') {
          this.id = String(msg['id']);
          this.port = Number(msg['port']);
          clearTimeout(timer);
          resolve();
        } else if (typeof msg['req'] === 'number') {
          this.pending.get(msg['req'])?.(msg);
          this.pending.delete(msg['req']);
        }
      });
      child.on('exit', () => {
        if (this.child === child) this.child = null;
        for (const f of this.pending.values()) f({ ok: false, error: 'process exited' });
        this.pending.clear();
      });
    });
  }

  private send(o: Record<string, unknown>): void {
    this.child?.stdin?.write(`${JSON.stringify(o)}\n`);
  }

  private call(o: Record<string, unknown>, timeoutMs = 5000): Promise<Record<string, unknown>> {
    if (!this.child) return Promise.resolve({ ok: false, error: 'not running' });
    const req = ++this.req;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(req);
        resolve({ ok: false, error: 'timeout' });
      }, timeoutMs);
      this.pending.set(req, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      this.send({ ...o, req });
    });
  }

  setPeers(peers: ProcNode[]): void {
    this.send({ cmd: 'peers', peers: peers.filter((p) => p !== this && p.id).map((p) => ({ id: p.id, host: '127.0.0.1', port: p.port })) });
  }

  async propose(op: ProcOp): Promise<{ ok: boolean; error?: string }> {
    const r = await this.call({ cmd: 'propose', op });
    return { ok: r['ok'] === true, error: r['error'] as string | undefined };
  }

  /** Role, term, indexes; with `hash`, also a SHA-256 of the encoded replicated state (costly on long chains). */
  async status(hash = false): Promise<ProcStatus | null> {
    const r = await this.call({ cmd: 'status', hash }, 2000);
    return r['type'] === 'status' ? (r as unknown as ProcStatus) : null;
  }

  /** One round trip over the control pipe with no Raft work: the bench's client-path cost. */
  async ping(): Promise<boolean> {
    return (await this.call({ cmd: 'ping' }, 2000))['type'] === 'pong';
  }

  /**
   * CPU time this node process has used so far (ms; user + system, and system alone) and its Raft messages sent,
   * socket writes and WAL fsyncs — read without other work.
   */
  async counters(): Promise<{ cpuMs: number; sysMs: number; sent: number; writes: number; syncs: number } | null> {
    const r = await this.call({ cmd: 'cpu' }, 2000);
    return r['type'] === 'cpu' ? { cpuMs: Number(r['ms']), sysMs: Number(r['sysMs']), sent: Number(r['sent']), writes: Number(r['writes']), syncs: Number(r['syncs']) } : null;
  }

  kill(): void {
    this.child?.kill('SIGKILL');
    this.child = null;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { c.kill('SIGKILL'); resolve(); }, 3000);
      c.once('exit', () => { clearTimeout(t); resolve(); });
      c.stdin?.end();
    });
    this.child = null;
  }
}

export class ProcCluster {
  readonly nodes: ProcNode[];

  constructor(script: string, execArgs: string[], root: string, count: number, secretHex: string) {
    this.nodes = Array.from({ length: count }, (_, i) => new ProcNode(script, execArgs, path.join(root, `p${i}`), i + 1, secretHex));
  }

  wire(): void {
    for (const n of this.nodes) if (n.alive) n.setPeers(this.nodes);
  }

  async leader(): Promise<ProcNode | null> {
    for (const n of this.nodes) {
      if (!n.alive) continue;
      const s = await n.status();
      if (s?.role === 'leader') return n;
    }
    return null;
  }

  async waitLeader(timeoutMs: number): Promise<ProcNode> {
    const start = Date.now();
    for (;;) {
      const l = await this.leader();
      if (l) return l;
      if (Date.now() - start > timeoutMs) {
        const seen = await Promise.all(this.nodes.map(async (n) => {
          if (!n.alive) return `${n.seedByte}: not running`;
          const s = await n.status();
          return s ? `${n.seedByte} ${n.id.slice(0, 8)}: ${s.role} term ${s.term} leader ${s.leader?.slice(0, 8) ?? '-'} commit ${s.commit} applied ${s.applied} last ${s.last}` : `${n.seedByte}: no status answer`;
        }));
        throw new Error(`no leader within ${timeoutMs} ms — ${seen.join('; ')}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Proposes on whoever leads, retrying across elections and pending configuration changes. */
  async propose(op: ProcOp, timeoutMs = 10_000): Promise<void> {
    const start = Date.now();
    for (;;) {
      const l = await this.leader();
      if (l && (await l.propose(op)).ok) return;
      if (Date.now() - start > timeoutMs) throw new Error(`proposal ${JSON.stringify(op)} did not commit in ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }
}
