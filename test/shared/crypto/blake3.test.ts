import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blake3, blake3Generic } from '../../../shared/crypto/blake3';
import { toHex, utf8Encode } from '../../../shared/kit/bytes';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/reference/revoada-vectors.json', import.meta.url), 'utf8'));

describe('blake3 (one-chunk fast path + generic)', () => {
  it('reproduces the reference hashes', () => {
    expect(toHex(blake3(new Uint8Array(0)))).toBe(vectors.blake3_reference.empty);
    expect(toHex(blake3(utf8Encode('payload')))).toBe(vectors.blake3_reference.payload);
    expect(toHex(blake3(utf8Encode('node')))).toBe(vectors.blake3_reference.node);
    for (const block of vectors.chain) expect(toHex(blake3(utf8Encode(block.signing_payload_utf8)))).toBe(block.blake3_hex);
  });
  it('agrees with the generic implementation at every length 0..1100 (block and chunk boundaries)', () => {
    const data = new Uint8Array(1100);
    for (let i = 0; i < data.length; i++) data[i] = (i * 251 + 17) & 0xff;
    for (let n = 0; n <= 1100; n++) expect(toHex(blake3(data.subarray(0, n)))).toBe(toHex(blake3Generic(data.subarray(0, n))));
  });
  it('agrees with the generic implementation on random inputs', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2100 }), (bytes) => toHex(blake3(bytes)) === toHex(blake3Generic(bytes))), { numRuns: 500 });
  });
});
