import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../shared/kit/bytes';
import { Prng } from '../../../shared/kit/prng';
import {
  blockedSize,
  canonicalIp,
  chitchatIdSize,
  decodeDelta,
  decodeMessage,
  DROP_REASONS,
  encodeDelta,
  encodeMessage,
  encodeOpStream,
  KvStatus,
  MAX_DATAGRAM,
  MessageType,
  parseSocketAddr,
  type ChitchatId,
  type DropReason,
  type Message,
  type NodeDelta,
} from '../../../shared/membership/wire';

const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../fixtures/gossip/${name}`, import.meta.url)));
const hex = (s: string): Uint8Array => fromHex(s.replace(/\s+/g, ''))!;
const node10001: ChitchatId = { nodeId: 'node-10001', generation: 0n, addr: { ip: '127.0.0.1', port: 10001 } };

function expectDrop(bytes: Uint8Array, reason: DropReason): void {
  const r = decodeMessage(bytes);
  expect(r.ok).toBe(false);
  if (!r.ok) expect(r.error.reason).toBe(reason);
}

describe('chitchat wire: worked vectors (chitchat-wire.md §2.9)', () => {
  const cases: Array<[string, Message, string, number]> = [
    ['BadCluster', { type: MessageType.BadCluster }, '53b00003', 4],
    ['Syn, empty digest', { type: MessageType.Syn, digest: [], clusterId: 'cluster-a' }, '53b00000 0000 0900 636c75737465722d61', 17],
    ['Syn, one entry', {
      type: MessageType.Syn,
      digest: [{ id: node10001, heartbeat: 0n, lastGcVersion: 0n, maxVersion: 0n }],
      clusterId: 'cluster-a',
    }, '53b00000 0100 0a006e6f64652d3130303031 0000000000000000 047f000001 1127 0000000000000000 0000000000000000 0000000000000000 0900636c75737465722d61', 68],
    ['SynAck, empty', { type: MessageType.SynAck, digest: [], delta: [] }, '53b00001 0000 00', 7],
    ['Ack, empty', { type: MessageType.Ack, delta: [] }, '53b00002 00', 5],
    ['Ack, node + kv', {
      type: MessageType.Ack,
      delta: [{ id: node10001, lastGcVersion: 0n, fromVersionExcluded: 0n, setMaxVersion: null,
        kvs: [{ key: 'key', value: 'value', version: 1n, status: KvStatus.Set }] }],
    }, '53b00002 02 4200 00 0a006e6f64652d3130303031 0000000000000000 047f000001 1127 0000000000000000 0000000000000000 01 0300 6b6579 0500 76616c7565 0100000000000000 00 00', 74],
  ];
  for (const [name, msg, hexText, length] of cases) {
    it(`${name}: encodes to the documented ${length} bytes and decodes back`, () => {
      const bytes = encodeMessage(msg);
      expect(bytes.length).toBe(length);
      expect(toHex(bytes)).toBe(hexText.replace(/\s+/g, ''));
      const back = decodeMessage(hex(hexText));
      expect(back).toEqual({ ok: true, value: msg });
    });
  }

  it('delta only: Node(gc 80, from 50) + SetMaxVersion(100) is 57 bytes', () => {
    const delta: NodeDelta[] = [{ id: node10001, lastGcVersion: 80n, fromVersionExcluded: 50n, kvs: [], setMaxVersion: 100n }];
    const text = '02 3500 00 0a006e6f64652d3130303031 0000000000000000 047f000001 1127 5000000000000000 3200000000000000 02 6400000000000000 00';
    expect(toHex(encodeDelta(delta))).toBe(text.replace(/\s+/g, ''));
    expect(decodeDelta(hex(text))).toEqual({ ok: true, value: delta });
  });

  it('engenho-style ChitchatId is 81 bytes with the documented layout', () => {
    const id: ChitchatId = { nodeId: 'a'.repeat(64), generation: 1763840000n, addr: { ip: '10.0.0.7', port: 7800 } };
    expect(chitchatIdSize(id)).toBe(81);
    const ops = encodeOpStream([{ id, lastGcVersion: 0n, fromVersionExcluded: 0n, kvs: [], setMaxVersion: null }]);
    expect(toHex(ops.subarray(1, 82))).toBe(`4000${'61'.repeat(64)}0010226900000000040a000007781e`);
  });

  it('IPv6 SocketAddr [::1]:7280 is 19 bytes', () => {
    const id: ChitchatId = { nodeId: '', generation: 0n, addr: { ip: '::1', port: 7280 } };
    const ops = encodeOpStream([{ id, lastGcVersion: 0n, fromVersionExcluded: 0n, kvs: [], setMaxVersion: null }]);
    expect(toHex(ops.subarray(11, 30))).toBe('0600000000000000000000000000000001701c');
    expect(decodeDelta(encodeDelta([{ id, lastGcVersion: 0n, fromVersionExcluded: 0n, kvs: [], setMaxVersion: null }]))).toMatchObject({ ok: true });
  });

  it('trailing bytes after a well-formed message are ignored', () => {
    expect(decodeMessage(hex('53b00003 ffff'))).toEqual({ ok: true, value: { type: MessageType.BadCluster } });
  });
});

describe('addresses', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'], ['::1', '::1'], ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'], ['fe80:0:0:0:1::', 'fe80::1:0:0:0'],
    ['::', '::'], ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
  ])('canonical %s → %s', (input, want) => expect(canonicalIp(input)).toBe(want));
  it.each(['256.0.0.1', '01.2.3.4', '1::2::3', 'host', '1:2:3:4:5:6:7:8:9', ''])('rejects %s', (input) => expect(canonicalIp(input)).toBeNull());
  it('parses socket addresses', () => {
    expect(parseSocketAddr('[::1]:7280')).toEqual({ ip: '::1', port: 7280 });
    expect(parseSocketAddr('10.0.0.7:7800')).toEqual({ ip: '10.0.0.7', port: 7800 });
    expect(parseSocketAddr('10.0.0.7:70000')).toBeNull();
    expect(parseSocketAddr('10.0.0.7')).toBeNull();
  });
});

describe('block framing', () => {
  it('cuts the op stream every 16 KiB, ops may straddle blocks, and the size formula is exact', () => {
    const kvs = Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(100 + (i % 7)), version: BigInt(i + 1), status: KvStatus.Set }));
    const delta: NodeDelta[] = [{ id: node10001, lastGcVersion: 0n, fromVersionExcluded: 0n, kvs, setMaxVersion: null }];
    const plain = encodeOpStream(delta);
    const framed = encodeDelta(delta);
    expect(plain.length).toBeGreaterThan(2 * 16_384);
    expect(framed.length).toBe(blockedSize(plain.length));
    expect(framed[0]).toBe(2);
    expect(framed[1]! | (framed[2]! << 8)).toBe(16_384);
    expect(decodeDelta(framed)).toEqual({ ok: true, value: delta });
  });

  it('splitting the same op stream at arbitrary block edges decodes identically', () => {
    const plain = fixture('ops-small.bin');
    const expected = decodeDelta(concat([rawBlock(plain), new Uint8Array([0])]));
    expect(expected.ok).toBe(true);
    for (const cut of [1, 2, 7, 50, 200, plain.length - 1]) {
      const split = concat([rawBlock(plain.subarray(0, cut)), rawBlock(plain.subarray(cut)), new Uint8Array([0])]);
      expect(decodeDelta(split)).toEqual(expected);
    }
  });
});

function rawBlock(b: Uint8Array): Uint8Array {
  return concat([new Uint8Array([2, b.length & 0xff, b.length >> 8]), b]);
}
function zstdBlock(b: Uint8Array): Uint8Array {
  return concat([new Uint8Array([1, b.length & 0xff, b.length >> 8]), b]);
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

describe('zstd blocks (frames from Debian zstd 1.5.4, test/fixtures/gossip)', () => {
  it.each(['ops-small.zst', 'ops-small-checksum.zst'])('%s decodes to the same ops as the raw stream', (name) => {
    const plain = decodeDelta(concat([rawBlock(fixture('ops-small.bin')), new Uint8Array([0])]));
    const packed = decodeDelta(concat([zstdBlock(fixture(name)), new Uint8Array([0])]));
    expect(plain.ok).toBe(true);
    expect(packed).toEqual(plain);
    if (plain.ok) expect(plain.value[0]!.kvs.length).toBe(10);
  });

  it('a 25 KB op stream compressed to one frame decodes inside an Ack datagram', () => {
    const frame = fixture('ops-large.zst');
    expect(frame.length).toBeLessThan(4096);
    const datagram = concat([hex('53b00002'), zstdBlock(frame), new Uint8Array([0])]);
    const r = decodeMessage(datagram);
    const plain = decodeDelta(concat([rawBlock(fixture('ops-large.bin').subarray(0, 16_384)), rawBlock(fixture('ops-large.bin').subarray(16_384)), new Uint8Array([0])]));
    expect(r.ok && plain.ok).toBe(true);
    if (r.ok && r.value.type === MessageType.Ack && plain.ok) {
      expect(r.value.delta).toEqual(plain.value);
      expect(r.value.delta[0]!.kvs.length).toBe(300);
    }
  });

  it('mixes compressed and raw blocks; ops straddle the boundary', () => {
    const small = fixture('ops-small.bin');
    const tailKv = hex('01 0100 7a 0100 7a 0b00000000000000 00'); // KV z=z v11 appended to the same node
    const r = decodeDelta(concat([zstdBlock(fixture('ops-small.zst')), rawBlock(tailKv.subarray(0, 4)), rawBlock(tailKv.subarray(4)), new Uint8Array([0])]));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value[0]!.kvs.length).toBe(11);
      expect(r.value[0]!.kvs[10]).toEqual({ key: 'z', value: 'z', version: 11n, status: KvStatus.Set });
    }
    expect(small.length).toBe(565);
  });

  it('a decompression bomb (1 MiB of zeros in 54 bytes) is refused before decoding', () => {
    const bomb = fixture('bomb-1mib.zst');
    expect(bomb.length).toBeLessThan(100);
    expectDrop(concat([hex('53b00002'), zstdBlock(bomb), new Uint8Array([0])]), 'zstd-too-large');
  });

  it('a frame that does not declare its content size is refused', () => {
    expectDrop(concat([hex('53b00002'), zstdBlock(fixture('ops-small-nosize.zst')), new Uint8Array([0])]), 'zstd-invalid');
  });

  it('a frame that lies about its content size is refused', () => {
    const frame = fixture('ops-small.zst').slice();
    // Header: magic(4) FHD(1) [window] FCS. Shrink the declared size by one.
    const fhd = frame[4]!;
    const at = 5 + (((fhd >> 5) & 1) ? 0 : 1);
    frame[at] = frame[at]! - 1;
    expectDrop(concat([hex('53b00002'), zstdBlock(frame), new Uint8Array([0])]), 'zstd-invalid');
  });

  it('many small compressed blocks cannot add up past the delta cap', () => {
    const frame = fixture('ops-large.zst'); // 25 KB each
    const blocks = Array.from({ length: 8 }, () => zstdBlock(frame));
    expectDrop(concat([hex('53b00002'), ...blocks, new Uint8Array([0])]), 'delta-too-large');
  });
});

describe('bad datagrams are dropped with a reason', () => {
  const table: Array<[string, string, DropReason]> = [
    ['empty', '', 'truncated'],
    ['one byte', '53', 'truncated'],
    ['wrong magic', '53b10003', 'bad-magic'],
    ['wrong version', '53b00103', 'bad-version'],
    ['unknown type', '53b00009', 'bad-type'],
    ['test-only type 255', '53b000ff', 'bad-type'],
    ['digest count past the end', '53b00000 ffff', 'truncated'],
    ['string length past the end', '53b00000 0000 ff00 61', 'truncated'],
    ['invalid UTF-8 cluster id', '53b00000 0000 0200 c328', 'bad-utf8'],
    ['bad ip tag', `53b00000 0100 0000 0000000000000000 05 ${'00'.repeat(40)}`, 'bad-ip-tag'],
    ['missing delta end', '53b00002', 'truncated'],
    ['bad block type', '53b00002 07', 'bad-block-type'],
    ['block length past the end', '53b00002 02 ff00 00', 'truncated'],
    ['KV before Node', '53b00002 02 0f00 01 0100 6b 0100 76 0100000000000000 00 00', 'delta-grammar'],
    ['bad op tag', '53b00002 02 0100 09 00', 'bad-op-tag'],
    ['zstd garbage', '53b00002 01 0400 deadbeef 00', 'zstd-invalid'],
  ];
  for (const [name, text, reason] of table) it(`${name} → ${reason}`, () => expectDrop(hex(text), reason));

  const nodeOp = '00 0a006e6f64652d3130303031 0000000000000000 047f000001 1127 0000000000000000 0000000000000000';
  const kv = (v: string): string => `01 0100 6b 0100 76 ${v} 00`;
  const blockOf = (ops: string): string => {
    const b = hex(ops);
    return `02 ${toHex(new Uint8Array([b.length & 0xff, b.length >> 8]))} ${ops} 00`;
  };
  it('KV version 0 → delta-grammar', () => expectDrop(hex(`53b00002 ${blockOf(`${nodeOp} ${kv('0000000000000000')}`)}`), 'delta-grammar'));
  it('non-increasing KV versions → delta-grammar', () => expectDrop(hex(`53b00002 ${blockOf(`${nodeOp} ${kv('0200000000000000')} ${kv('0200000000000000')}`)}`), 'delta-grammar'));
  it('duplicate Node op → delta-grammar', () => expectDrop(hex(`53b00002 ${blockOf(`${nodeOp} ${nodeOp}`)}`), 'delta-grammar'));
  it('KV status 3 → bad-kv-status', () => expectDrop(hex(`53b00002 ${blockOf(`${nodeOp} 01 0100 6b 0100 76 0100000000000000 03`)}`), 'bad-kv-status'));
  it('every reason has a stable name', () => expect(new Set(DROP_REASONS).size).toBe(DROP_REASONS.length));
});

describe('fuzz: random and mutated datagrams never throw', () => {
  it('100,000 datagrams decode to ok or a reasoned failure, in bounded size', () => {
    const prng = new Prng(0x5eed);
    const seeds: Uint8Array[] = [
      encodeMessage({ type: MessageType.Syn, digest: [{ id: node10001, heartbeat: 5n, lastGcVersion: 1n, maxVersion: 9n }], clusterId: 'c' }),
      encodeMessage({ type: MessageType.SynAck, digest: [{ id: node10001, heartbeat: 5n, lastGcVersion: 1n, maxVersion: 9n }],
        delta: [{ id: node10001, lastGcVersion: 0n, fromVersionExcluded: 0n, setMaxVersion: null,
          kvs: [{ key: 'a', value: 'ü€𝄞', version: 1n, status: KvStatus.Set }, { key: 'b', value: '', version: 3n, status: KvStatus.Deleted }] }] }),
      encodeMessage({ type: MessageType.Ack, delta: [{ id: { nodeId: 'x', generation: 7n, addr: { ip: '::1', port: 1 } }, lastGcVersion: 2n, fromVersionExcluded: 1n, kvs: [], setMaxVersion: 4n }] }),
      hex('53b00003'),
    ];
    const zstdSeed = concat([hex('53b00002'), zstdBlock(fixture('ops-small.zst')), new Uint8Array([0])]);
    const counts = new Map<string, number>();
    let oks = 0;
    const N = 100_000;
    for (let i = 0; i < N; i++) {
      let d: Uint8Array;
      const mode = prng.nextInt(4);
      if (mode === 0) {
        d = new Uint8Array(prng.nextInt(64));
        for (let j = 0; j < d.length; j++) d[j] = prng.nextInt(256);
        if (prng.chance(0.5) && d.length >= 4) { d[0] = 0x53; d[1] = 0xb0; d[2] = 0; d[3] = prng.nextInt(4); }
      } else {
        // Corrupt zstd frames are the costly case (fzstd decodes a whole block before the size
        // check can stop it), so they get a small, fixed share of the run.
        const base = prng.chance(0.03) ? zstdSeed : seeds[prng.nextInt(seeds.length)]!;
        d = base.slice();
        const edits = 1 + prng.nextInt(4);
        for (let e = 0; e < edits; e++) {
          const kind = prng.nextInt(4);
          if (kind === 0 && d.length > 0) d[prng.nextInt(d.length)] = prng.nextInt(256);
          else if (kind === 1 && d.length > 0) d = d.slice(0, prng.nextInt(d.length));
          else if (kind === 2 && d.length > 0) { const at = prng.nextInt(d.length); d[at] = d[at]! ^ (1 << prng.nextInt(8)); }
          else if (d.length > 1) { const at = prng.nextInt(d.length - 1); d[at] = 0xff; d[at + 1] = 0xff; }
        }
      }
      if (d.length > MAX_DATAGRAM) throw new Error('fuzz datagram too large');
      const r = decodeMessage(d);
      if (r.ok) oks++;
      else counts.set(r.error.reason, (counts.get(r.error.reason) ?? 0) + 1);
    }
    const failures = [...counts.values()].reduce((a, b) => a + b, 0);
    expect(oks + failures).toBe(N);
    // The mutations must actually exercise the failure paths, not just the happy one.
    expect(counts.size).toBeGreaterThanOrEqual(8);
    expect(oks).toBeGreaterThan(1000);
  });
});
