// Raft transport: TCP on loopback/LAN, length-prefixed frames, authenticated with the cluster
// secret. One outbound connection per peer carries our messages to it; inbound connections only
// deliver. A slow or dead peer never blocks others: each peer has a bounded queue (oldest dropped —
// Raft tolerates loss), connects and handshakes time out, and reconnects back off.
//
// Handshake (per connection, fresh nonces both ways, so frames cannot be replayed across
// connections):
//   server → client  HELLO  serverNonce(32) serverId
//   client → server  AUTH   clientNonce(32) clientId  mac = HMAC(secret, "auth" ‖ sN ‖ cN ‖ clientId ‖ serverId)
//   server → client  OK     mac = HMAC(secret, "ok" ‖ cN ‖ sN ‖ serverId ‖ clientId)
//   session key k = HMAC(secret, "session" ‖ sN ‖ cN)
// Data frames: [u32 length][u64 seq][message bytes][HMAC-SHA256(k, seq ‖ message)] with seq strictly
// increasing. A bad MAC, a skipped/replayed seq, an oversized frame, a message whose `from` is not
// the authenticated peer, or an undecodable message closes the connection: a process without the
// secret can never get a vote, an append or a configuration change into our Raft machine.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import net from 'node:net';
import { decodeMessage, encodeMessage } from '../../shared/consensus/codec';
import type { Message, PeerId } from '../../shared/consensus/types';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface TransportOptions {
  readonly id: PeerId;
  readonly secret: Uint8Array;
  readonly host?: string;
  readonly port?: number;
  readonly onMessage: (m: Message) => void;
  readonly onNotice?: (text: string) => void;
  readonly queueMax?: number;
  readonly frameBytesMax?: number;
  readonly connectTimeoutMs?: number;
}

export interface TransportStats {
  sent: number;
  received: number;
  dropped: number;
  rejected: number;
  reconnects: number;
  /** Socket writes of data frames (several queued messages for one peer share one write). */
  writes: number;
}

const FRAME_HELLO = 1;
const FRAME_AUTH = 2;
const FRAME_OK = 3;
const FRAME_DATA = 4;
const MAC_BYTES = 32;

function mac(key: Uint8Array, ...parts: (Uint8Array | string)[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Splits a byte stream into [u32 length][u8 kind][body] frames, bounded in size. */
class FrameReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(private readonly max: number) {}

  push(chunk: Buffer): { kind: number; body: Buffer }[] | string {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: { kind: number; body: Buffer }[] = [];
    while (this.buf.length >= 5) {
      const len = this.buf.readUInt32LE(0);
      if (len < 1 || len > this.max) return `frame length ${len} outside 1..${this.max}`;
      if (this.buf.length < 4 + len) break;
      out.push({ kind: this.buf[4]!, body: this.buf.subarray(5, 4 + len) });
      this.buf = this.buf.subarray(4 + len);
    }
    return out;
  }
}

function frame(kind: number, ...parts: Uint8Array[]): Buffer {
  const len = 1 + parts.reduce((n, p) => n + p.length, 0);
  const head = Buffer.alloc(5);
  head.writeUInt32LE(len, 0);
  head[4] = kind;
  return Buffer.concat([head, ...parts]);
}

class Outbound {
  socket: net.Socket | null = null;
  ready = false;
  queue: Buffer[] = [];
  key: Buffer | null = null;
  seq = 0n;
  backoffMs = 20;
  timer: NodeJS.Timeout | null = null;
  connecting = false;
  constructor(public addr: PeerAddress) {}
}

export class RaftTransport {
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, rejected: 0, reconnects: 0, writes: 0 };
  private readonly server: net.Server;
  private readonly peers = new Map<PeerId, Outbound>();
  private readonly inbound = new Set<net.Socket>();
  private closed = false;
  private readonly queueMax: number;
  private readonly frameMax: number;
  private readonly connectTimeoutMs: number;

  private constructor(private readonly opts: TransportOptions) {
    this.queueMax = opts.queueMax ?? 4096;
    this.frameMax = opts.frameBytesMax ?? 64 << 20;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 1000;
    this.server = net.createServer((s) => this.accept(s));
  }

  static async listen(opts: TransportOptions): Promise<RaftTransport> {
    const t = new RaftTransport(opts);
    await new Promise<void>((resolve, reject) => {
      t.server.once('error', reject);
      t.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
    return t;
  }

  address(): PeerAddress {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  setPeer(id: PeerId, addr: PeerAddress): void {
    if (id === this.opts.id) return;
    const existing = this.peers.get(id);
    if (existing) {
      if (existing.addr.host !== addr.host || existing.addr.port !== addr.port) {
        existing.addr = addr;
        existing.socket?.destroy();
      }
      return;
    }
    this.peers.set(id, new Outbound(addr));
  }

  /**
   * Queues the messages and then flushes each peer they touch once, so a whole Ready's worth of
   * messages for one peer leaves in one socket write (one syscall, one TCP segment when small).
   */
  send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const touched = new Set<Outbound>();
    for (const m of messages) {
      const p = this.peers.get(m.to);
      if (!p || this.closed) {
        this.stats.dropped++;
        continue;
      }
      p.queue.push(Buffer.from(encodeMessage(m)));
      if (p.queue.length > this.queueMax) {
        p.queue.shift();
        this.stats.dropped++;
      }
      touched.add(p);
    }
    for (const p of touched) {
      if (p.ready) this.flush(p);
      else this.connect(p);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.peers.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.socket?.destroy();
    }
    for (const s of this.inbound) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notice(text: string): void {
    this.opts.onNotice?.(text);
  }

  // ------------------------------------------------------------ outbound

  private connect(p: Outbound): void {
    if (p.connecting || p.socket || p.timer || this.closed) return;
    p.connecting = true;
    const socket = net.connect({ host: p.addr.host, port: p.addr.port });
    socket.setNoDelay(true);
    p.socket = socket;
    const reader = new FrameReader(4096);
    const clientNonce = randomBytes(32);
    let serverNonce: Buffer | null = null;
    let serverId = '';
    const fail = (why: string): void => {
      if (!socket.destroyed) socket.destroy();
      void why;
    };
    const timeout = setTimeout(() => fail('handshake timeout'), this.connectTimeoutMs);
    socket.on('data', (chunk: Buffer) => {
      const frames = reader.push(chunk);
      if (typeof frames === 'string') return fail(frames);
      for (const f of frames) {
        if (f.kind === FRAME_HELLO && !serverNonce && f.body.length > 32) {
          serverNonce = Buffer.from(f.body.subarray(0, 32));
          serverId = f.body.subarray(32).toString('utf8');
          const m = mac(this.opts.secret, 'auth', serverNonce, clientNonce, this.opts.id, serverId);
          socket.write(frame(FRAME_AUTH, clientNonce, m, Buffer.from(this.opts.id, 'utf8')));
        } else if (f.kind === FRAME_OK && serverNonce && !p.ready) {
          const expect = mac(this.opts.secret, 'ok', clientNonce, serverNonce, serverId, this.opts.id);
          if (f.body.length !== MAC_BYTES || !timingSafeEqual(f.body, expect)) return fail('server failed authentication');
          clearTimeout(timeout);
          p.key = mac(this.opts.secret, 'session', serverNonce, clientNonce);
          p.seq = 0n;
          p.ready = true;
          p.connecting = false;
          p.backoffMs = 20;
          this.flush(p);
        } else {
          return fail('unexpected frame from server');
        }
      }
    });
    socket.on('drain', () => this.flush(p));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timeout);
      p.socket = null;
      p.ready = false;
      p.connecting = false;
      p.key = null;
      if (this.closed) return;
      this.stats.reconnects++;
      // Messages for a peer we cannot reach are stale by the time it is back (Raft retransmits
      // from its progress state): drop them rather than flood a restarted peer.
      this.stats.dropped += p.queue.length;
      p.queue = [];
      // Back off and reconnect only if there is something to send (heartbeats keep it busy).
      p.timer = setTimeout(() => {
        p.timer = null;
        if (p.queue.length > 0) this.connect(p);
      }, p.backoffMs);
      // Short cap: on loopback/LAN a connect attempt is cheap, and a long backoff would delay the
      // first vote after a peer restarts (inbound contact from the peer also resets it).
      p.backoffMs = Math.min(p.backoffMs * 2, 200);
    });
  }

  private flush(p: Outbound): void {
    const s = p.socket;
    if (!s || !p.ready || !p.key) return;
    // All frames that fit go out in ONE write: per-message writes cost a syscall (and a wake-up of
    // the receiver) each, which dominated the leader's CPU under load.
    const frames: Buffer[] = [];
    let bytes = s.writableLength;
    while (p.queue.length > 0 && bytes < 8 << 20) {
      const payload = p.queue.shift()!;
      p.seq++;
      const seq = Buffer.alloc(8);
      seq.writeBigUInt64LE(p.seq);
      const tag = mac(p.key, seq, payload);
      const f = frame(FRAME_DATA, seq, payload, tag);
      frames.push(f);
      bytes += f.length;
      this.stats.sent++;
    }
    if (frames.length === 0) return;
    s.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
    this.stats.writes++;
  }

  /** An authenticated inbound connection proves the peer is up: skip any pending reconnect backoff. */
  private peerIsAlive(id: PeerId): void {
    const p = this.peers.get(id);
    if (!p || !p.timer) return;
    clearTimeout(p.timer);
    p.timer = null;
    p.backoffMs = 20;
    if (p.queue.length > 0) this.connect(p);
  }

  // ------------------------------------------------------------ inbound

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.inbound.add(socket);
    socket.setNoDelay(true);
    const serverNonce = randomBytes(32);
    let reader = new FrameReader(4096);
    let key: Buffer | null = null;
    let peer = '';
    let lastSeq = 0n;
    const reject = (why: string): void => {
      this.stats.rejected++;
      this.notice(`raft transport: closing inbound connection from ${socket.remoteAddress}:${socket.remotePort}: ${why}`);
      socket.destroy();
    };
    const timeout = setTimeout(() => { if (!key) reject('handshake timeout'); }, this.connectTimeoutMs);
    socket.write(frame(FRAME_HELLO, serverNonce, Buffer.from(this.opts.id, 'utf8')));
    socket.on('data', (chunk: Buffer) => {
      const frames = reader.push(chunk);
      if (typeof frames === 'string') return reject(frames);
      for (const f of frames) {
        if (!key) {
          if (f.kind !== FRAME_AUTH || f.body.length <= 64) return reject('expected an AUTH frame');
          const clientNonce = f.body.subarray(0, 32);
          const got = f.body.subarray(32, 64);
          peer = f.body.subarray(64).toString('utf8');
          const expect = mac(this.opts.secret, 'auth', serverNonce, clientNonce, peer, this.opts.id);
          if (!timingSafeEqual(got, expect)) return reject('bad handshake MAC (wrong cluster secret?)');
          clearTimeout(timeout);
          key = mac(this.opts.secret, 'session', serverNonce, clientNonce);
          this.peerIsAlive(peer);
          socket.write(frame(FRAME_OK, mac(this.opts.secret, 'ok', clientNonce, serverNonce, this.opts.id, peer)));
          reader = new FrameReader(this.frameMax);
          continue;
        }
        if (f.kind !== FRAME_DATA || f.body.length < 8 + MAC_BYTES) return reject('malformed data frame');
        const seqBytes = f.body.subarray(0, 8);
        const payload = f.body.subarray(8, f.body.length - MAC_BYTES);
        const tag = f.body.subarray(f.body.length - MAC_BYTES);
        if (!timingSafeEqual(tag, mac(key, seqBytes, payload))) return reject('bad frame MAC');
        const seq = seqBytes.readBigUInt64LE(0);
        if (seq !== lastSeq + 1n) return reject(`frame sequence ${seq} after ${lastSeq} (replay or gap)`);
        lastSeq = seq;
        const m = decodeMessage(new Uint8Array(payload));
        if (!m.ok) return reject(`undecodable message at byte ${m.error.offset}: ${m.error.message}`);
        if (m.value.from !== peer || m.value.to !== this.opts.id) return reject(`message from ${m.value.from.slice(0, 12)} to ${m.value.to.slice(0, 12)} on ${peer.slice(0, 12)}'s connection`);
        this.stats.received++;
        this.opts.onMessage(m.value);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timeout);
      this.inbound.delete(socket);
    });
  }
}
