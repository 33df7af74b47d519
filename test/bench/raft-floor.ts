// The platform floor under bench:raft's commit latency: the same three OS processes, the same
// client pipe, loopback TCP and fdatasync'd appends, but no Raft, no codec, no MAC and no
// signatures. One "commit" = parent → leader (JSON line) → leader sends 256 B to both followers and
// appends + fdatasyncs its own copy → each follower appends + fdatasyncs and answers 1 byte → the
// leader answers the parent after its own fsync and the first follower's answer (a majority of 3).
// Whatever our Raft adds on top of this is ours to cut; this much is the machine's.

import { spawn, type ChildProcess } from 'node:child_process';
import { fdatasyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';

const RECORD = 256;

interface FloorConfig {
  readonly role: 'leader' | 'follower';
  readonly file: string;
  readonly followers?: readonly number[];
}

/** Appends records to a preallocated file (as our WAL does) with one fdatasync each. */
function appender(file: string): (rec: Buffer) => void {
  const fd = openSync(file, 'w');
  ftruncateSync(fd, 64 << 20);
  fdatasyncSync(fd);
  let pos = 0;
  return (rec) => {
    writeSync(fd, rec, 0, rec.length, pos);
    pos += rec.length;
    fdatasyncSync(fd);
  };
}

/** Child process entry (`--floor-node`); config in FLOOR_CONFIG. */
export async function runFloorNode(): Promise<void> {
  const cfg = JSON.parse(process.env['FLOOR_CONFIG'] ?? '{}') as FloorConfig;
  const append = appender(cfg.file);
  const out = (o: unknown): void => {
    process.stdout.write(`${JSON.stringify(o)}\n`);
  };
  if (cfg.role === 'follower') {
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      let buf: Buffer = Buffer.alloc(0);
      s.on('data', (chunk: Buffer) => {
        buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
        let n = 0;
        while (buf.length >= RECORD) {
          append(buf.subarray(0, RECORD));
          buf = buf.subarray(RECORD);
          n++;
        }
        if (n > 0) s.write(Buffer.alloc(n, 1));
      });
    });
    server.listen(0, '127.0.0.1', () => out({ type: 'listening', port: (server.address() as net.AddressInfo).port }));
    process.stdin.on('close', () => process.exit(0));
    process.stdin.resume();
    return;
  }
  const sockets = await Promise.all((cfg.followers ?? []).map((port) => new Promise<net.Socket>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.setNoDelay(true);
  })));
  // Records are acknowledged in order on each connection; record k is committed once the leader's
  // own fsync is done (it is synchronous, before any ack is read) and one follower acked it.
  const reqs: number[] = [];
  const acks = sockets.map(() => 0);
  let answered = 0;
  sockets.forEach((s, i) => {
    s.on('data', (chunk: Buffer) => {
      acks[i]! += chunk.length;
      const reach = Math.max(...acks);
      while (answered < reach && answered < reqs.length) out({ type: 'result', req: reqs[answered++], ok: true });
    });
  });
  const rec = Buffer.alloc(RECORD, 7);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const msg = JSON.parse(line) as { req: number };
    reqs.push(msg.req);
    for (const s of sockets) s.write(rec);
    append(rec);
  });
  rl.on('close', () => process.exit(0));
  out({ type: 'listening', port: 0 });
}

function startChild(script: string, cfg: FloorConfig): Promise<{ child: ChildProcess; port: number; lines: ReturnType<typeof createInterface> }> {
  const child = spawn(process.execPath, [script, '--floor-node'], { env: { ...process.env, FLOOR_CONFIG: JSON.stringify(cfg) }, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('floor node did not start')), 10_000);
    const onLine = (line: string): void => {
      const m = JSON.parse(line) as { type: string; port: number };
      if (m.type !== 'listening') return;
      clearTimeout(timer);
      lines.off('line', onLine);
      resolve({ child, port: m.port, lines });
    };
    lines.on('line', onLine);
  });
}

/** Sequential round trips through the floor cluster; returns every latency in ms. */
export async function measureFloor(script: string, dir: string, count: number): Promise<number[]> {
  const f1 = await startChild(script, { role: 'follower', file: path.join(dir, 'floor-f1.log') });
  const f2 = await startChild(script, { role: 'follower', file: path.join(dir, 'floor-f2.log') });
  const leader = await startChild(script, { role: 'leader', file: path.join(dir, 'floor-l.log'), followers: [f1.port, f2.port] });
  const waiters = new Map<number, () => void>();
  leader.lines.on('line', (line) => {
    const m = JSON.parse(line) as { req: number };
    waiters.get(m.req)?.();
    waiters.delete(m.req);
  });
  const lat: number[] = [];
  try {
    for (let req = 0; req < count + 200; req++) {
      const s = performance.now();
      await new Promise<void>((resolve) => {
        waiters.set(req, resolve);
        leader.child.stdin!.write(`${JSON.stringify({ cmd: 'propose', req })}\n`);
      });
      if (req >= 200) lat.push(performance.now() - s); // the first 200 warm up
    }
  } finally {
    for (const c of [leader, f1, f2]) c.child.stdin!.end();
  }
  return lat;
}
