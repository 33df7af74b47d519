// The strict rule must give the same verdict in every backend — libsodium (sodium-native), OpenSSL
// (node:crypto) and pure JS — for honest, tampered and adversarial inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verify as rawOpensslVerify, createPublicKey } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { ed25519Backend, nodeEd25519, opensslEd25519, sodiumEd25519, verifyInBackground } from '../../../electron/node/ed25519-node';
import { isCanonicalScalar, precheck, pureEd25519 } from '../../../shared/crypto/ed25519';
import { concatBytes, fromHex, toHex, utf8Encode } from '../../../shared/kit/bytes';

const vectors = await import('../../fixtures/reference/revoada-vectors.json', { with: { type: 'json' } });
const seed = (b: number) => new Uint8Array(32).fill(b);
const L = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')!;

function addLE(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const s = a[i]! + b[i]! + carry;
    out[i] = s & 0xff;
    carry = s >> 8;
  }
  return out;
}

describe('ed25519 revoada-strict rule', () => {
  it('reproduces the reference identities and the identity-message signature', () => {
    const ids = vectors.default.identities as Record<string, string>;
    for (const [name, hex] of Object.entries(ids)) {
      const byte = parseInt(name.replace('seed_0x', ''), 16);
      expect(toHex(pureEd25519.signerFromSeed(seed(byte)).publicKey)).toBe(hex);
      expect(toHex(nodeEd25519.signerFromSeed(seed(byte)).publicKey)).toBe(hex);
    }
    const message = utf8Encode('engenho-revoada attestation payload');
    const expected = '82f45a4ebe91776cd297944645e56d514091b9f234211ff9342e504cc965aa62de7c0d69eb72416e0269627beeaae70479525875e734fcdb325bb03eafa6420a';
    expect(toHex(nodeEd25519.signerFromSeed(seed(1)).sign(message))).toBe(expected);
    expect(toHex(pureEd25519.signerFromSeed(seed(1)).sign(message))).toBe(expected);
  });

  it('both backends agree on honest and tampered signatures', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), fc.nat(63), (key, msg, flip) => {
      const signer = nodeEd25519.signerFromSeed(key);
      const sig = signer.sign(msg);
      expect(nodeEd25519.verify(signer.publicKey, msg, sig)).toBe(true);
      expect(pureEd25519.verify(signer.publicKey, msg, sig)).toBe(true);
      const bad = sig.slice();
      bad[flip] = (bad[flip] ?? 0) ^ 1;
      expect(nodeEd25519.verify(signer.publicKey, msg, bad)).toBe(pureEd25519.verify(signer.publicKey, msg, bad));
      expect(nodeEd25519.verify(signer.publicKey, msg, bad)).toBe(false);
    }), { numRuns: 40 });
  });

  it('rejects a non-canonical S (S + L) that a lax verifier would accept', () => {
    const signer = nodeEd25519.signerFromSeed(seed(3));
    const msg = utf8Encode('malleable');
    const sig = signer.sign(msg);
    const malleated = concatBytes(sig.subarray(0, 32), addLE(sig.subarray(32), L));
    expect(isCanonicalScalar(malleated.subarray(32))).toBe(false);
    expect(precheck(signer.publicKey, malleated)).toBe('non_canonical_s');
    expect(nodeEd25519.verify(signer.publicKey, msg, malleated)).toBe(false);
    expect(pureEd25519.verify(signer.publicKey, msg, malleated)).toBe(false);
  });

  it('rejects small-order public keys and R, and wrong lengths, in both backends', () => {
    // With A = identity and R = identity, S = 0 satisfies the cofactorless equation for ANY
    // message: exactly the forgery the small-order rule exists to stop.
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000')!;
    const forged = concatBytes(identity, new Uint8Array(32));
    expect(precheck(identity, forged)).toBe('small_order_public_key');
    for (const backend of [nodeEd25519, pureEd25519]) {
      expect(backend.verify(identity, utf8Encode('anything'), forged)).toBe(false);
      expect(backend.verify(identity.subarray(0, 31), utf8Encode('x'), forged)).toBe(false);
      expect(backend.verify(nodeEd25519.signerFromSeed(seed(1)).publicKey, utf8Encode('x'), forged.subarray(0, 63))).toBe(false);
    }
    const signer = nodeEd25519.signerFromSeed(seed(4));
    const smallR = concatBytes(identity, new Uint8Array(32));
    expect(precheck(signer.publicKey, smallR)).toBe('small_order_r');
    const nonCanonicalKey = fromHex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f')!;
    expect(precheck(nonCanonicalKey, signer.sign(utf8Encode('x')))).toBe('non_canonical_public_key');
  });
  it('the thread-pool verifier applies the same rule as the inline one', async () => {
    const signer = nodeEd25519.signerFromSeed(seed(5));
    const msg = utf8Encode('background');
    const sig = signer.sign(msg);
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000')!;
    const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
      [signer.publicKey, msg, sig],
      [signer.publicKey, utf8Encode('other'), sig],
      [signer.publicKey, msg, concatBytes(sig.subarray(0, 32), addLE(sig.subarray(32), L))],
      [identity, utf8Encode('anything'), concatBytes(identity, new Uint8Array(32))],
      [signer.publicKey, msg, concatBytes(identity, sig.subarray(32))],
      [signer.publicKey.subarray(0, 31), msg, sig],
      [signer.publicKey, msg, sig.subarray(0, 63)],
    ];
    const background = await Promise.all(cases.map(([k, m, s]) => verifyInBackground(k, m, s)));
    expect(background).toEqual(cases.map(([k, m, s]) => nodeEd25519.verify(k, m, s)));
    expect(background).toEqual([true, false, false, false, false, false, false]);
  });
});

describe('one rule, three backends (libsodium, OpenSSL, pure JS)', () => {
  it('libsodium loads here (linux-x64 prebuild) and is the default native backend', () => {
    expect(sodiumEd25519, `sodium-native did not load: ${ed25519Backend.fallbackReason}`).not.toBeNull();
    expect(ed25519Backend.name).toBe('libsodium');
    expect(nodeEd25519).toBe(sodiumEd25519);
  });

  const backends = [sodiumEd25519!, opensslEd25519, pureEd25519];
  const verdicts = (k: Uint8Array, m: Uint8Array, sg: Uint8Array): boolean[] => backends.map((b) => b.verify(k, m, sg));

  it('sign identically and agree on honest signatures and on any one flipped bit of key, message or signature', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 120 }), fc.nat(), fc.nat(2), (key, msg, bit, where) => {
      const sigs = backends.map((b) => toHex(b.signerFromSeed(key).sign(msg)));
      expect(new Set(sigs).size).toBe(1);
      const signer = opensslEd25519.signerFromSeed(key);
      const sig = signer.sign(msg);
      expect(verdicts(signer.publicKey, msg, sig)).toEqual([true, true, true]);
      const parts = [signer.publicKey.slice(), msg.slice(), sig.slice()];
      const target = parts[where]!;
      const i = bit % (target.length * 8);
      target[i >> 3] = target[i >> 3]! ^ (1 << (i & 7));
      const v = verdicts(parts[0]!, parts[1]!, parts[2]!);
      expect(new Set(v).size).toBe(1);
    }), { numRuns: 150 });
  });

  it('a key passed in a Buffer that is later reused for another key is not mistaken for the first', () => {
    const a = opensslEd25519.signerFromSeed(seed(11));
    const b = opensslEd25519.signerFromSeed(seed(12));
    const msg = utf8Encode('reused buffer');
    const sig = a.sign(msg);
    const key = Buffer.from(a.publicKey);
    expect(verdicts(key, msg, sig)).toEqual([true, true, true]);
    key.set(b.publicKey); // same Buffer object, now holding B
    expect(verdicts(key, msg, sig)).toEqual([false, false, false]);
  });

  it('agree on random keys and signatures (mostly not points at all)', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.uint8Array({ maxLength: 40 }), (k, sg, m) => {
      expect(new Set(verdicts(k, m, sg)).size).toBe(1);
    }), { numRuns: 300 });
  });

  it('reject a small-order R that satisfies the cofactorless equation (raw OpenSSL accepts it)', () => {
    // A key holder can make R = identity verify: S = k·a mod L gives [S]B − [k]A = identity = R.
    const key = seed(9);
    const signer = opensslEd25519.signerFromSeed(key);
    const h = sha512(key);
    h[0]! &= 248;
    h[31]! &= 127;
    h[31]! |= 64;
    const le = (b: Uint8Array): bigint => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);
    const Lbig = le(L);
    const a = le(h.subarray(0, 32));
    const R = fromHex('0100000000000000000000000000000000000000000000000000000000000000')!;
    const msg = utf8Encode('small-order R');
    const k = le(sha512(concatBytes(R, signer.publicKey, msg))) % Lbig;
    const S = (k * a) % Lbig;
    const Sbytes = new Uint8Array(32);
    for (let i = 0, x = S; i < 32; i++, x >>= 8n) Sbytes[i] = Number(x & 0xffn);
    const sig = concatBytes(R, Sbytes);
    const spki = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), signer.publicKey]), format: 'der', type: 'spki' });
    expect(rawOpensslVerify(null, msg, spki, sig)).toBe(true);
    expect(precheck(signer.publicKey, sig)).toBe('small_order_r');
    expect(verdicts(signer.publicKey, msg, sig)).toEqual([false, false, false]);
  });

  it('agree on mixed-order keys and R (a torsion component added), which only the cofactored equation would accept', () => {
    // T: a point of order 8. A + T and R + T change nothing for [8]·equation, everything for ours.
    const T = ed25519.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a');
    const msg = utf8Encode('mixed order');
    for (let i = 1; i <= 6; i++) {
      const signer = opensslEd25519.signerFromSeed(seed(20 + i));
      const sig = signer.sign(msg);
      const A = ed25519.Point.fromBytes(signer.publicKey);
      const R = ed25519.Point.fromBytes(sig.subarray(0, 32));
      const mixedA = A.add(T.multiply(BigInt(i))).toBytes();
      const mixedR = concatBytes(R.add(T.multiply(BigInt(i))).toBytes(), sig.subarray(32));
      for (const [k, sg] of [[mixedA, sig], [signer.publicKey, mixedR], [mixedA, mixedR]] as const) {
        const v = verdicts(k, msg, sg);
        expect(new Set(v).size, `backends disagree: ${v.join(', ')}`).toBe(1);
        expect(v[0]).toBe(false);
      }
    }
  });

  it('agree on every small-order and non-canonical key encoding', () => {
    const smallOrder = [
      '0100000000000000000000000000000000000000000000000000000000000000', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
      '0000000000000000000000000000000000000000000000000000000000000080', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
      'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
      '0000000000000000000000000000000000000000000000000000000000000000', 'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
      'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ].map((x) => fromHex(x)!);
    const msg = utf8Encode('edge');
    for (const A of smallOrder) {
      // S = 0 with R = A: the cofactorless equation holds whenever [k]A is the identity.
      for (const sg of [concatBytes(A, new Uint8Array(32)), concatBytes(smallOrder[0]!, new Uint8Array(32))]) {
        expect(verdicts(A, msg, sg)).toEqual([false, false, false]);
      }
    }
  });
});

