import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { blockHashHex, canonicalText, encodeBlock, signBlock } from '../../../shared/attestation/block';
import { pureEd25519 } from '../../../shared/crypto/ed25519';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';
import { toHex } from '../../../shared/kit/bytes';
import { promote, type RoleAssignment } from '../../../shared/types/roles';
import { nodeIdFromBytes, type NodeId } from '../../../shared/types/node-id';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/reference/revoada-vectors.json', import.meta.url), 'utf8'));
const seed = (b: number) => new Uint8Array(32).fill(b);
const idOf = (b: number): NodeId => nodeIdFromBytes(seed(b));
const promoteCmd = (b: number): RoleAssignment => promote(idOf(b), ['api_server'], 'operator');

describe('attestation block vectors (revoada-reference Appendix A.2)', () => {
  for (const provider of [pureEd25519, nodeEd25519]) {
    it(`reproduces the three-block chain with ${provider.name}`, () => {
      const signer = provider.signerFromSeed(seed(2));
      let prev = '0'.repeat(64);
      for (let i = 0; i < 3; i++) {
        const block = signBlock(signer, prev, promoteCmd(i + 1), 100 * (i + 1), 1, i + 1);
        const expected = vectors.chain[i];
        expect(canonicalText(block)).toBe(expected.signing_payload_utf8);
        expect(blockHashHex(block)).toBe(expected.blake3_hex);
        expect(toHex(block.leaderSignature)).toBe(expected.leader_signature_hex);
        expect(encodeBlock(block)).toBe(expected.block_json);
        expect(provider.verify(signer.publicKey, new TextEncoder().encode(canonicalText(block)), block.leaderSignature)).toBe(true);
        prev = blockHashHex(block);
      }
    });
  }
});
