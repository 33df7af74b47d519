// Transport authentication: a peer with the secret gets through; a wrong secret, a tampered frame,
// a replayed frame, an impersonated sender and an oversized frame are all cut off.

import { createHmac, randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RaftTransport } from '../../../electron/raft/transport';
import { encodeMessage } from '../../../shared/consensus/codec';
import { message, type Message } from '../../../shared/consensus/types';

const secret = new Uint8Array(randomBytes(32));
const open: RaftTransport[] = [];
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});

async function server(received: Message[]): Promise<RaftTransport> {
  const t = await RaftTransport.listen({ id: 'server', secret, onMessage: (m) => received.push(m) });
  open.push(t);
  return t;
}

const mac = (key: Uint8Array, ...parts: (Uint8Array | string)[]): Buffer => {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
};
const frame = (kind: number, ...parts: Uint8Array[]): Buffer => {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.writeUInt32LE(body.length + 1, 0);
  head[4] = kind;
  return Buffer.concat([head, body]);
};

/** A hand-rolled client that completes the handshake with `key` and returns a data-frame sender. */
async function rawClient(port: number, key: Uint8Array, id: string): Promise<{ sendData: (seq: bigint, payload: Uint8Array, tamper?: boolean) => void; closed: Promise<void> }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  const closed = new Promise<void>((r) => sock.on('close', () => r()));
  sock.on('error', () => undefined);
  const hello = await new Promise<Buffer>((r) => sock.once('data', (d: Buffer) => r(d)));
  const serverNonce = hello.subarray(5, 37);
  const serverId = hello.subarray(37).toString('utf8');
  const clientNonce = randomBytes(32);
  sock.write(frame(2, clientNonce, mac(key, 'auth', serverNonce, clientNonce, id, serverId), Buffer.from(id)));
  const session = mac(key, 'session', serverNonce, clientNonce);
  await new Promise((r) => setTimeout(r, 50));
  return {
    closed,
    sendData(seq, payload, tamper = false) {
      const s = Buffer.alloc(8);
      s.writeBigUInt64LE(seq);
      const tag = mac(session, s, payload);
      if (tamper) tag[0] = tag[0]! ^ 1;
      sock.write(frame(4, s, payload, tag));
    },
  };
}

const hb = (from: string): Uint8Array => encodeMessage(message({ type: 'heartbeat', from, to: 'server', term: 1 }));

describe('Raft transport authentication', () => {
  it('delivers from a peer holding the secret', async () => {
    const got: Message[] = [];
    const s = await server(got);
    const c = await RaftTransport.listen({ id: 'client', secret, onMessage: () => undefined });
    open.push(c);
    c.setPeer('server', s.address());
    c.send([message({ type: 'heartbeat', from: 'client', to: 'server', term: 3 })]);
    for (let i = 0; i < 200 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(got.map((m) => `${m.type}/${m.term}`)).toEqual(['heartbeat/3']);
  });

  it('cuts off a wrong secret, a tampered frame, a replayed frame, an impersonator and an oversized frame', async () => {
    const got: Message[] = [];
    const s = await server(got);
    const port = s.address().port;
    // Wrong secret: the handshake itself fails.
    const wrong = await rawClient(port, new Uint8Array(32).fill(9), 'mallory');
    wrong.sendData(1n, hb('mallory'));
    await wrong.closed;
    // Tampered MAC.
    const t = await rawClient(port, secret, 'peer');
    t.sendData(1n, hb('peer'), true);
    await t.closed;
    // Replay: the same sequence number twice.
    const r = await rawClient(port, secret, 'peer');
    r.sendData(1n, hb('peer'));
    r.sendData(1n, hb('peer'));
    await r.closed;
    // Impersonation: authenticated as "peer" but claims to be "other".
    const i = await rawClient(port, secret, 'peer');
    i.sendData(1n, hb('other'));
    await i.closed;
    expect(got.map((m) => m.from)).toEqual(['peer']); // only the first frame of the replay test
    expect(s.stats.rejected).toBe(4);
    // Oversized frame before authentication.
    const big = net.connect({ host: '127.0.0.1', port });
    big.on('error', () => undefined);
    const closed = new Promise<void>((res) => big.on('close', () => res()));
    big.once('data', () => {
      const head = Buffer.alloc(5);
      head.writeUInt32LE(1 << 30, 0);
      big.write(head);
    });
    await closed;
    expect(s.stats.rejected).toBe(5);
  });

  it('a dead peer never blocks sends to others (bounded queue, drops counted)', async () => {
    const got: Message[] = [];
    const s = await server(got);
    const c = await RaftTransport.listen({ id: 'client', secret, onMessage: () => undefined, queueMax: 10 });
    open.push(c);
    c.setPeer('dead', { host: '127.0.0.1', port: 1 });
    c.setPeer('server', s.address());
    for (let k = 0; k < 100; k++) c.send([message({ type: 'heartbeat', from: 'client', to: 'dead', term: 1 })]);
    c.send([message({ type: 'heartbeat', from: 'client', to: 'server', term: 2 })]);
    for (let k = 0; k < 200 && got.length === 0; k++) await new Promise((res) => setTimeout(res, 5));
    expect(got.length).toBe(1);
    expect(c.stats.dropped).toBeGreaterThanOrEqual(90);
  });

  it('messages handed over together leave in one socket write, in order and all authenticated', async () => {
    const got: Message[] = [];
    const s = await server(got);
    const c = await RaftTransport.listen({ id: 'client', secret, onMessage: () => undefined });
    open.push(c);
    c.setPeer('server', s.address());
    c.send([message({ type: 'heartbeat', from: 'client', to: 'server', term: 1 })]);
    for (let k = 0; k < 200 && got.length === 0; k++) await new Promise((res) => setTimeout(res, 5));
    expect(got.length).toBe(1);
    const writesBefore = c.stats.writes;
    c.send(Array.from({ length: 50 }, (_, k) => message({ type: 'heartbeat', from: 'client', to: 'server', term: 2 + k })));
    for (let k = 0; k < 200 && got.length < 51; k++) await new Promise((res) => setTimeout(res, 5));
    expect(got.map((m) => m.term)).toEqual(Array.from({ length: 51 }, (_, k) => 1 + k));
    expect(c.stats.writes - writesBefore).toBe(1);
    expect(s.stats.rejected).toBe(0);
  });
});
