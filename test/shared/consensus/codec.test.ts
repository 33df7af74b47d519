// Binary codec: round trips, and total decoding of arbitrary bytes (errors, never exceptions).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage } from '../../../shared/consensus/codec';
import { message, type Message } from '../../../shared/consensus/types';

describe('consensus codec', () => {
  it('round-trips messages with entries, configuration changes and snapshots', () => {
    const m: Message = message({
      type: 'app', from: 'a'.repeat(64), to: 'b'.repeat(64), term: 7, index: 41, logTerm: 6, commit: 40,
      entries: [
        { term: 7, index: 42, data: new Uint8Array([1, 2, 3]) },
        { term: 7, index: 43, data: new Uint8Array(0), conf: { op: 'add-learner', peer: 'c'.repeat(64) } },
      ],
    });
    const back = decodeMessage(encodeMessage(m));
    expect(back).toEqual({ ok: true, value: m });
    const s = message({ type: 'snap', from: 'x', to: 'y', term: 2, snapshot: { index: 9, term: 2, conf: { voters: ['x'], learners: ['y'] }, data: new Uint8Array([9]) } });
    expect(decodeMessage(encodeMessage(s))).toEqual({ ok: true, value: s });
    const r = message({ type: 'app-resp', from: 'x', to: 'y', term: 2, index: 5, reject: true, rejectHint: 3, logTerm: 1 });
    expect(decodeMessage(encodeMessage(r))).toEqual({ ok: true, value: r });
  });

  it('never throws on arbitrary or truncated bytes', () => {
    const good = encodeMessage(message({ type: 'app', from: 'a', to: 'b', term: 1, entries: [{ term: 1, index: 1, data: new Uint8Array([5]) }] }));
    for (let cut = 0; cut < good.length; cut++) {
      const r = decodeMessage(good.subarray(0, cut));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.message).toMatch(/truncated|type/);
    }
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = decodeMessage(bytes);
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 2000 });
  });

  it('encodings share a scratch buffer without leaking between them: non-ASCII text, a huge snapshot, then small messages', () => {
    const samples: Message[] = [
      message({ type: 'app', from: 'nó-ü', to: '节点', term: 1, entries: [{ term: 1, index: 1, data: new Uint8Array(0), conf: { op: 'add-voter', peer: 'pé€r' } }] }),
      message({ type: 'snap', from: 'x', to: 'y', term: 2, snapshot: { index: 9, term: 2, conf: { voters: ['x'], learners: [] }, data: new Uint8Array(3 << 20).fill(7) } }),
      message({ type: 'heartbeat', from: 'a'.repeat(64), to: 'b'.repeat(64), term: 3, commit: 2 }),
      message({ type: 'app', from: 'a', to: 'b', term: 3, entries: Array.from({ length: 50 }, (_, i) => ({ term: 3, index: i + 1, data: new Uint8Array(700).fill(i) })) }),
    ];
    const encoded = samples.map(encodeMessage);
    // Each result is its own copy: decoding after all encodings still gives every message back.
    encoded.forEach((bytes, i) => expect(decodeMessage(bytes)).toEqual({ ok: true, value: samples[i] }));
  });
});
