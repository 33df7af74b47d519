// The engenho-revoada attestation tests (revoada-reference §3.7), one for one, plus the append API.
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { blockHashHex, canonicalBytes, decodeBlock, encodeBlock, ZERO_HASH_HEX, type RoleAttestationBlock } from '../../../shared/attestation/block';
import { AttestationChain } from '../../../shared/attestation/chain';
import { encodeChainBare, parseChainFile } from '../../../shared/attestation/chain-file';
import { verifyChain, type AttestationError } from '../../../shared/attestation/verify';
import { pureEd25519 } from '../../../shared/crypto/ed25519';
import { toHex, utf8Encode } from '../../../shared/kit/bytes';
import { parseJson } from '../../../shared/kit/json';
import { nodeIdFromBytes, type NodeId } from '../../../shared/types/node-id';
import { promote, type RoleAssignment } from '../../../shared/types/roles';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';

const vectors = JSON.parse(readFileSync(new URL('../../fixtures/reference/revoada-vectors.json', import.meta.url), 'utf8'));
const seed = (b: number) => new Uint8Array(32).fill(b);
const idOf = (b: number): NodeId => nodeIdFromBytes(seed(b));
const promoteCmd = (b: number): RoleAssignment => promote(idOf(b), ['api_server'], 'operator');
const identity = (b: number) => nodeEd25519.signerFromSeed(seed(b));
const hex32 = (b: number) => toHex(seed(b));

function expectError(result: ReturnType<typeof verifyChain>, kind: AttestationError['kind'], index: number | null): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.error.kind).toBe(kind);
  expect(result.error.index).toBe(index);
}

function withBlock(chain: AttestationChain, index: number, change: (b: RoleAttestationBlock) => RoleAttestationBlock): RoleAttestationBlock[] {
  const blocks = chain.blocks();
  blocks[index] = change(blocks[index]!);
  return blocks;
}

describe('attestation unit tests (src/attestation/mod.rs)', () => {
  it('empty_chain_verifies', () => {
    const chain = new AttestationChain();
    expect(chain.verify(nodeEd25519).ok).toBe(true);
    expect(chain.length).toBe(0);
    expect(chain.isEmpty()).toBe(true);
    expect(chain.headHash()).toBeNull();
    expect(chain.head()).toBeNull();
  });

  it('single_block_chain_verifies (vector A.3)', () => {
    const chain = new AttestationChain();
    const me = identity(1);
    const block = chain.append(me, promoteCmd(0xa1), 1, 1, 1);
    expect(block.prevHash).toBe(ZERO_HASH_HEX);
    expect(block.leader).toBe(toHex(me.publicKey));
    expect(block.leaderSignature.length).toBe(64);
    expect(chain.verify(nodeEd25519).ok).toBe(true);
    expect(blockHashHex(block)).toBe(vectors.single_block.blake3_hex);
    expect(toHex(block.leaderSignature)).toBe(vectors.single_block.leader_signature_hex);
    expect(new TextDecoder().decode(canonicalBytes(block))).toBe(vectors.single_block.signing_payload_utf8);
  });

  it('three_block_chain_verifies (vector A.2)', () => {
    const chain = new AttestationChain();
    const me = identity(2);
    const b0 = chain.append(me, promoteCmd(1), 100, 1, 1);
    const b1 = chain.append(me, promoteCmd(2), 200, 1, 2);
    const b2 = chain.append(me, promoteCmd(3), 300, 1, 3);
    expect(b1.prevHash).toBe(blockHashHex(b0));
    expect(b2.prevHash).toBe(blockHashHex(b1));
    expect(chain.verify(nodeEd25519).ok).toBe(true);
    expect(chain.verify(pureEd25519).ok).toBe(true);
    expect(encodeChainBare(chain.blocks())).toBe(`[${vectors.chain.map((c: { block_json: string }) => c.block_json).join(',')}]`);
    expect(chain.blocks().map(blockHashHex)).toEqual(vectors.chain.map((c: { blake3_hex: string }) => c.blake3_hex));
  });

  it('head_hash_advances_after_each_append', () => {
    const chain = new AttestationChain();
    const me = identity(3);
    expect(chain.headHash()).toBeNull();
    chain.append(me, promoteCmd(1), 100, 1, 1);
    const h1 = chain.headHash();
    chain.append(me, promoteCmd(2), 200, 1, 2);
    const h2 = chain.headHash();
    expect(h1).not.toBeNull();
    expect(h2).not.toBeNull();
    expect(h1).not.toBe(h2);
    expect(chain.head()).toEqual({ index: 1, hashHex: h2 });
    expect(h1).toBe(chain.hashAt(0));
  });

  it('external_block_appends_without_re_signing', () => {
    const a = new AttestationChain();
    const block = a.append(identity(4), promoteCmd(7), 100, 1, 1);
    const b = new AttestationChain();
    b.appendExternal(block);
    expect(b.verify(nodeEd25519).ok).toBe(true);
    expect(b.blocks()[0]).toBe(block);
    expect(b.headHash()).toBe(a.headHash());
  });

  it('tampered_block_field_breaks_signature', () => {
    const chain = new AttestationChain();
    chain.append(identity(5), promoteCmd(1), 100, 1, 1);
    expectError(verifyChain(withBlock(chain, 0, (b) => ({ ...b, committedAtMs: 999 })), nodeEd25519), 'invalid_leader_signature', 0);
  });

  it('broken_prev_hash_is_detected', () => {
    const chain = new AttestationChain();
    chain.append(identity(6), promoteCmd(1), 100, 1, 1);
    chain.append(identity(6), promoteCmd(2), 200, 1, 2);
    expectError(verifyChain(withBlock(chain, 1, (b) => ({ ...b, prevHash: 'ff'.repeat(32) })), nodeEd25519), 'broken_link', 1);
  });

  it('nonzero_genesis_prev_hash_is_rejected', () => {
    const chain = new AttestationChain();
    chain.append(identity(7), promoteCmd(1), 100, 1, 1);
    const result = verifyChain(withBlock(chain, 0, (b) => ({ ...b, prevHash: hex32(0x42) })), nodeEd25519);
    expectError(result, 'invalid_genesis', null);
    if (!result.ok) expect(result.error.message).toBe('genesis block must have prev_hash = [0; 32]');
  });

  it('forged_signature_with_wrong_length_is_rejected', () => {
    const chain = new AttestationChain();
    chain.append(identity(8), promoteCmd(1), 100, 1, 1);
    const result = verifyChain(withBlock(chain, 0, (b) => ({ ...b, leaderSignature: b.leaderSignature.slice(0, 32) })), nodeEd25519);
    expectError(result, 'invalid_leader_signature', 0);
    if (!result.ok) expect(result.error.message).toBe('block at index 0: leader signature failed verification');
  });

  it('leader_swap_invalidates_signature', () => {
    const chain = new AttestationChain();
    chain.append(identity(0x0a), promoteCmd(1), 100, 1, 1);
    const other = nodeIdFromBytes(identity(0x0b).publicKey);
    expect(other).toBe(vectors.identities.seed_0x0b);
    expectError(verifyChain(withBlock(chain, 0, (b) => ({ ...b, leader: other })), nodeEd25519), 'invalid_leader_signature', 0);
  });

  it('forged_witness_signature_is_rejected', () => {
    const chain = new AttestationChain();
    chain.append(identity(0x10), promoteCmd(1), 100, 1, 1);
    const forged = withBlock(chain, 0, (b) => ({ ...b, witnessSignatures: [{ witness: nodeIdFromBytes(identity(0x11).publicKey), signature: new Uint8Array(64).fill(0xab) }] }));
    const result = verifyChain(forged, nodeEd25519);
    expectError(result, 'invalid_witness_signature', 0);
    if (!result.ok) expect(result.error.message).toBe('block at index 0: witness signature failed verification');
  });

  it('legitimate_witness_signature_verifies (vector A.4)', () => {
    const chain = new AttestationChain();
    chain.append(identity(0x20), promoteCmd(1), 100, 1, 1);
    const block = chain.witness(0, identity(0x21));
    expect(chain.verify(nodeEd25519).ok).toBe(true);
    expect(chain.verify(pureEd25519).ok).toBe(true);
    expect(toHex(block.leaderSignature)).toBe(vectors.witness_block.leader_sig_hex);
    expect(toHex(block.witnessSignatures[0]!.signature)).toBe(vectors.witness_block.witness_sig_hex);
    expect(encodeBlock(block)).toBe(vectors.witness_block.block_json);
  });

  it('standalone_verify_chain_works_without_attestation_chain', () => {
    const chain = new AttestationChain();
    chain.append(identity(0x30), promoteCmd(1), 100, 1, 1);
    chain.append(identity(0x30), promoteCmd(2), 200, 1, 2);
    expect(verifyChain(chain.blocks(), nodeEd25519).ok).toBe(true);
  });

  it('block_serde_round_trips', () => {
    const chain = new AttestationChain();
    const block = chain.append(identity(0x40), promoteCmd(7), 999, 5, 42);
    const parsed = parseJson(encodeBlock(block));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const decoded = decodeBlock(parsed.value, '$');
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.value).toEqual(block);
    expect(verifyChain([decoded.value], nodeEd25519).ok).toBe(true);
  });

  it('blake3_hash_is_deterministic_across_appends', () => {
    const a = new AttestationChain();
    const b = new AttestationChain();
    const x = a.append(identity(0x50), promoteCmd(1), 100, 1, 1);
    const y = b.append(identity(0x50), promoteCmd(1), 100, 1, 1);
    expect(a.headHash()).toBe(b.headHash());
    expect(toHex(x.leaderSignature)).toBe(toHex(y.leaderSignature));
    // And the pure-JS signer produces the same bytes (Ed25519 is deterministic).
    const z = new AttestationChain().append(pureEd25519.signerFromSeed(seed(0x50)), promoteCmd(1), 100, 1, 1);
    expect(toHex(z.leaderSignature)).toBe(toHex(x.leaderSignature));
  });
  // arb_chain_verifies and arb_tampered_chain_always_rejected are property tests: chain-properties.test.ts.
});

describe('identity tests (src/attestation/identity.rs)', () => {
  it('two generated keys differ; from_seed is deterministic', () => {
    const a = nodeEd25519.signerFromSeed(crypto.getRandomValues(new Uint8Array(32)));
    const b = nodeEd25519.signerFromSeed(crypto.getRandomValues(new Uint8Array(32)));
    expect(toHex(a.publicKey)).not.toBe(toHex(b.publicKey));
    expect(toHex(identity(9).publicKey)).toBe(toHex(identity(9).publicKey));
    expect(toHex(identity(9).publicKey)).toBe(vectors.identities.seed_0x09);
  });
  it('sign_and_verify_round_trip (vector A.5); a different message or key is a bad signature', () => {
    const v = vectors.identity_message_signature;
    const me = identity(1);
    const message = utf8Encode(v.message_utf8);
    const signature = me.sign(message);
    expect(toHex(signature)).toBe(v.signature_hex);
    for (const provider of [nodeEd25519, pureEd25519]) {
      expect(provider.verify(me.publicKey, message, signature)).toBe(true);
      expect(provider.verify(me.publicKey, utf8Encode('a different message'), signature)).toBe(false);
      expect(provider.verify(identity(3).publicKey, message, identity(4).sign(message))).toBe(false);
    }
  });
  it('a signer never shows its secret when printed', () => {
    const signer = identity(5);
    expect(inspect(signer, { depth: 5, showHidden: true })).not.toMatch(/(\b5, ){8}/);
    expect(JSON.stringify(signer)).not.toContain('0505');
  });
});

describe('integration tests that need no Raft (tests/r4_attestation_chain.rs)', () => {
  it('a singleton leader appends signed blocks: leader, length, genesis, links, verify', () => {
    const me = identity(0xa1);
    const chain = new AttestationChain();
    for (let i = 1; i <= 3; i++) chain.append(me, promoteCmd(i), 1_700_000_000_000, 1, i);
    const blocks = chain.blocks();
    expect(blocks.length).toBe(3);
    expect(blocks.every((b) => b.leader === vectors.identities.seed_0xa1 && b.leaderSignature.length === 64)).toBe(true);
    expect(blocks[0]!.prevHash).toBe(ZERO_HASH_HEX);
    expect(blocks[1]!.prevHash).toBe(blockHashHex(blocks[0]!));
    expect(blocks[2]!.prevHash).toBe(blockHashHex(blocks[1]!));
    expect(verifyChain(blocks, nodeEd25519).ok).toBe(true);
  });
  it('tampering_with_committed_chain_breaks_verification', () => {
    const chain = new AttestationChain();
    chain.append(identity(0xb2), promoteCmd(1), 100, 1, 1);
    chain.append(identity(0xb2), promoteCmd(2), 100, 1, 2);
    expectError(verifyChain(withBlock(chain, 1, (b) => ({ ...b, prevHash: 'ff'.repeat(32) })), nodeEd25519), 'broken_link', 1);
  });
  it('external_auditor_verifies_serialized_chain', () => {
    const chain = new AttestationChain();
    for (let i = 1; i <= 5; i++) chain.append(identity(0xc3), promoteCmd(i), 100 + i, 1, i);
    const parsed = parseChainFile(encodeChainBare(chain.blocks()));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value.blocks.length).toBe(5);
    expect(verifyChain(parsed.value.blocks, nodeEd25519).ok).toBe(true);
  });
});

describe('AttestationChain witnesses', () => {
  it('addWitness checks the signature and refuses duplicates', () => {
    const chain = new AttestationChain();
    chain.append(identity(1), promoteCmd(1), 1, 1, 1);
    const block = chain.blockAt(0)!;
    const w = identity(2);
    const good = { witness: nodeIdFromBytes(w.publicKey), signature: w.sign(canonicalBytes(block)) };
    const bad = { witness: nodeIdFromBytes(w.publicKey), signature: w.sign(utf8Encode('other bytes')) };
    const rejected = chain.addWitness(0, bad, nodeEd25519);
    expect(rejected.ok).toBe(false);
    expect(chain.addWitness(0, good, nodeEd25519).ok).toBe(true);
    expect(chain.addWitness(0, good, nodeEd25519).ok).toBe(false);
    expect(chain.addWitness(5, good, nodeEd25519).ok).toBe(false);
    expect(chain.blockAt(0)!.witnessSignatures.length).toBe(1);
    const hashBefore = chain.hashAt(0);
    expect(blockHashHex(chain.blockAt(0)!)).toBe(hashBefore); // witnesses are outside the hash
    expect(chain.verify(nodeEd25519).ok).toBe(true);
    expect(() => chain.witness(3, w)).toThrow(RangeError);
  });
  it('snapshots do not change when the chain grows', () => {
    const chain = new AttestationChain();
    chain.append(identity(1), promoteCmd(1), 1, 1, 1);
    const snapshot = chain.blocks();
    chain.append(identity(1), promoteCmd(2), 2, 1, 2);
    expect(snapshot.length).toBe(1);
    expect(AttestationChain.fromBlocks(chain.blocks()).headHash()).toBe(chain.headHash());
  });
});
