// `AttestationChain` (revoada-reference §3.3): an append-only list of signed, hash-linked blocks.
// `append` signs a new block over the current head (leader = the signer's key), as the crate does
// on every applied Raft entry; `witness`/`addWitness` add co-signatures; `appendExternal` pushes a
// block received from elsewhere without checking it (the crate's `append_external`).
//
// The chain keeps the hash of every block, so `head`, `hashAt` and appends never re-canonicalise.

import type { Ed25519Signer, Ed25519Verifier } from '../crypto/ed25519';
import type { U64 } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import type { RoleAssignment } from '../types/roles';
import { blockHashHex, canonicalBytes, makeBlock, sealBlock, witnessSign, ZERO_HASH_HEX, type RoleAttestationBlock, type WitnessSignature } from './block';
import { checkSignature, keyBytes, verifyChain, verifyChainReport, type AttestationError, type ChainReport, type VerifyOptions } from './verify';

export interface ChainHead {
  readonly index: number;
  readonly hashHex: string;
}

export class AttestationChain {
  private readonly list: RoleAttestationBlock[] = [];
  private readonly hashes: string[] = [];

  /** A chain holding `blocks` as they are (like repeated `append_external`). */
  static fromBlocks(blocks: readonly RoleAttestationBlock[]): AttestationChain {
    const chain = new AttestationChain();
    for (const block of blocks) chain.appendExternal(block);
    return chain;
  }

  /** Signs a new block over the current head with `signer` as leader, appends it and returns it. */
  append(signer: Ed25519Signer, assignment: RoleAssignment, committedAtMs: U64, raftTerm: U64, raftLogIndex: U64): RoleAttestationBlock {
    const prev = this.hashes.length === 0 ? ZERO_HASH_HEX : this.hashes[this.hashes.length - 1]!;
    const sealed = sealBlock(signer, prev, assignment, committedAtMs, raftTerm, raftLogIndex);
    this.list.push(sealed.block);
    this.hashes.push(sealed.hashHex);
    return sealed.block;
  }

  /** Pushes a block received from elsewhere without any check, as the crate does. */
  appendExternal(block: RoleAttestationBlock): void {
    this.list.push(block);
    this.hashes.push(blockHashHex(block));
  }

  /** `signer` co-signs block `index` as a witness. Returns the updated block. */
  witness(index: number, signer: Ed25519Signer): RoleAttestationBlock {
    const block = this.at(index);
    return this.replaceWitnesses(index, block, [...block.witnessSignatures, witnessSign(signer, block)]);
  }

  /**
   * Adds a witness signature received from a peer, after checking it: it must verify over block
   * `index`'s canonical bytes, and a witness already present is not added twice.
   */
  addWitness(index: number, signature: WitnessSignature, verifier: Ed25519Verifier): Result<RoleAttestationBlock, string> {
    if (!Number.isInteger(index) || index < 0 || index >= this.list.length) return err(`no block at index ${index} (chain has ${this.list.length})`);
    const block = this.list[index]!;
    if (block.witnessSignatures.some((w) => w.witness === signature.witness)) return err(`block ${index} already has a signature from witness ${signature.witness.slice(0, 12)}`);
    const check = checkSignature(verifier, keyBytes(signature.witness), canonicalBytes(block), signature.signature);
    if (check !== 'valid') return err(`witness signature on block ${index} failed verification (${check.replace('_', ' ')})`);
    return ok(this.replaceWitnesses(index, block, [...block.witnessSignatures, signature]));
  }

  private replaceWitnesses(index: number, block: RoleAttestationBlock, witnessSignatures: WitnessSignature[]): RoleAttestationBlock {
    const updated = makeBlock(block, block.leaderSignature, witnessSignatures);
    this.list[index] = updated; // signatures are outside the hash: hashes[index] is unchanged
    return updated;
  }

  private at(index: number): RoleAttestationBlock {
    const block = this.list[index];
    if (block === undefined) throw new RangeError(`no block at index ${index} (chain has ${this.list.length})`);
    return block;
  }

  get length(): number {
    return this.list.length;
  }

  isEmpty(): boolean {
    return this.list.length === 0;
  }

  /** Index and hash of the last block, or null when empty. */
  head(): ChainHead | null {
    const n = this.hashes.length;
    return n === 0 ? null : { index: n - 1, hashHex: this.hashes[n - 1]! };
  }

  /** Hex BLAKE3 of the last block's canonical bytes, or null when empty (`head_hash`). */
  headHash(): string | null {
    return this.head()?.hashHex ?? null;
  }

  hashAt(index: number): string | null {
    return this.hashes[index] ?? null;
  }

  blockAt(index: number): RoleAttestationBlock | null {
    return this.list[index] ?? null;
  }

  /** A snapshot: later appends do not show up in it. */
  blocks(): RoleAttestationBlock[] {
    return this.list.slice();
  }

  /** `verify()` = `verify_chain(snapshot())`. */
  verify(verifier: Ed25519Verifier): Result<void, AttestationError> {
    return verifyChain(this.list, verifier);
  }

  report(verifier: Ed25519Verifier, options: VerifyOptions = {}): ChainReport {
    return verifyChainReport(this.list, verifier, options);
  }
}
