// Hex encoding takes two paths (short values by concatenation, longer ones through one decoded
// buffer); both must give the same lowercase hex as a plain per-byte rendering, and round-trip.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, hexOfRange, toHex } from '../../../shared/kit/bytes';

const plainHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

describe('toHex / fromHex', () => {
  it('renders every length on both sides of the switch, and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const hex = toHex(bytes);
        expect(hex).toBe(plainHex(bytes));
        expect(fromHex(hex)).toEqual(bytes);
        const start = Math.floor(bytes.length / 3);
        expect(hexOfRange(bytes, start, bytes.length)).toBe(plainHex(bytes.subarray(start)));
      }),
      { numRuns: 500 },
    );
  });

  it('gives independent strings when called again (the scratch buffer is reused)', () => {
    const a = toHex(new Uint8Array(32).fill(0xab));
    const b = toHex(new Uint8Array(32).fill(0x01));
    expect(a).toBe('ab'.repeat(32));
    expect(b).toBe('01'.repeat(32));
    expect(toHex(new Uint8Array(200).fill(0xff))).toBe('ff'.repeat(200));
  });
});
