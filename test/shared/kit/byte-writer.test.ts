import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../../../shared/kit/byte-writer';
import { toHex } from '../../../shared/kit/bytes';

describe('ByteWriter', () => {
  it('writes little-endian integers, floats and raw bytes in order', () => {
    const w = new ByteWriter();
    w.u8(0xab);
    w.u16(0x0102);
    w.u32(0x03040506);
    w.u64(0x0708090a0b0c0d0en);
    w.f64(1);
    w.raw(new Uint8Array([0xff, 0xee]));
    expect(toHex(w.finish())).toBe('ab' + '0201' + '06050403' + '0e0d0c0b0a090807' + '000000000000f03f' + 'ffee');
  });

  it('takes u64 modulo 2^64 and grows past its initial buffer without losing bytes', () => {
    const w = new ByteWriter();
    w.u64(-1n);
    const big = new Uint8Array(1000).map((_, i) => i & 0xff);
    w.raw(big);
    for (let i = 0; i < 300; i++) w.u16(i);
    const out = w.finish();
    expect(out.length).toBe(8 + 1000 + 600);
    expect(toHex(out.subarray(0, 8))).toBe('ffffffffffffffff');
    expect(out.subarray(8, 1008)).toEqual(big);
    expect(new DataView(out.buffer, out.byteOffset).getUint16(8 + 1000 + 2 * 299, true)).toBe(299);
  });

  it('finish returns a copy that later writes do not change', () => {
    const w = new ByteWriter();
    w.u8(1);
    const first = w.finish();
    w.u8(2);
    expect(Array.from(first)).toEqual([1]);
    expect(Array.from(w.finish())).toEqual([1, 2]);
  });
});
