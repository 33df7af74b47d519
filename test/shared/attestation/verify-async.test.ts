// The WebCrypto path (the renderer's fast verifier) gives exactly the synchronous report. Node's
// WebCrypto stands in for Chromium's here; the port is the same.
import { readFileSync } from 'node:fs';
import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseChainFile } from '../../../shared/attestation/chain-file';
import { verifyChainReport } from '../../../shared/attestation/verify';
import { verifyChainReportAsync, webCryptoEd25519, type SubtleEd25519Port } from '../../../shared/attestation/verify-async';
import { pureEd25519 } from '../../../shared/crypto/ed25519';
import { fromHex } from '../../../shared/kit/bytes';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const subtle = webcrypto.subtle as unknown as SubtleEd25519Port;
const expected = JSON.parse(readFileSync(new URL('../../fixtures/attestation/expected.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const load = (name: string) => {
  const parsed = parseChainFile(readFileSync(new URL(`../../fixtures/attestation/${name}.json`, import.meta.url), 'utf8'));
  if (!parsed.ok) throw new Error(name);
  return parsed.value.blocks;
};

describe('WebCrypto verification (renderer path)', () => {
  const verifier = webCryptoEd25519(subtle);
  for (const name of Object.keys(expected).filter((n) => n !== 'long_2000')) {
    it(`${name}: same report as the synchronous verifier`, async () => {
      const blocks = load(name);
      const options = { minWitnesses: 1, sinceHead: { index: 1, hashHex: '00'.repeat(32) } };
      expect(await verifyChainReportAsync(blocks, verifier, pureEd25519, options)).toEqual(verifyChainReport(blocks, nodeEd25519, options));
    });
  }
  it('applies the revoada-strict prechecks before WebCrypto (non-canonical S, small-order key)', async () => {
    const signer = nodeEd25519.signerFromSeed(new Uint8Array(32).fill(4));
    const message = new Uint8Array([1, 2, 3]);
    const signature = signer.sign(message);
    expect(await verifier.verify(signer.publicKey, message, signature)).toBe(true);
    // S + L: the same point equation holds, but S is not canonical.
    const s = signature.slice();
    let carry = 0;
    const L = fromHex('edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010')!;
    for (let i = 0; i < 32; i++) {
      const sum = s[32 + i]! + L[i]! + carry;
      s[32 + i] = sum & 0xff;
      carry = sum >> 8;
    }
    expect(carry).toBe(0);
    expect(await verifier.verify(signer.publicKey, message, s)).toBe(false);
    expect(nodeEd25519.verify(signer.publicKey, message, s)).toBe(false);
    const identity = fromHex('0100000000000000000000000000000000000000000000000000000000000000')!;
    expect(await verifier.verify(identity, message, signature)).toBe(false);
    expect(await verifier.verify(signer.publicKey, message, signature.slice(0, 63))).toBe(false);
  });
});
