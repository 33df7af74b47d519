// The replicated state machine every node builds from the committed log: MeshShape (crate apply
// rules, revoada-reference §4.1), the target topology and the running FabricStrategy as replicated
// settings, and the attestation chain whose blocks travel inside RoleAssignment entries.
// Deterministic: the same committed entries give byte-identical state (and snapshots) everywhere.

import { blake3 } from '../crypto/blake3';
import { blockHashHex, canonicalBytes, decodeBlock, ZERO_HASH_HEX, type RoleAttestationBlock, type WitnessSignature } from '../attestation/block';
import type { Ed25519Verifier } from '../crypto/ed25519';
import { toHex, utf8DecodeStrict, utf8Encode } from '../kit/bytes';
import { describeJsonError, isJsonObject, parseJson } from '../kit/json';
import { err, ok, type Result } from '../kit/result';
import { PRESCRIBED_HOMELAB, type FabricStrategy } from '../types/fabric';
import { MeshShape } from '../types/mesh-shape';
import { nodeIdToBytes, type DecodeError, type NodeId } from '../types/node-id';
import { isNodeRole, type NodeRole } from '../types/roles';
import { HOMELAB_TARGET, type TargetTopology } from '../types/target';
import { decodeCommand, decodeStrategy, decodeTarget, encodeCommandText, type Command } from './commands';
import type { Entry } from './types';

export interface ChainBlock {
  readonly block: RoleAttestationBlock;
  readonly hash: string;
  /** Witness signatures in log order (verified, de-duplicated); outside the hashed bytes. */
  readonly witnesses: WitnessSignature[];
}

/** Canonical (signed) bytes of each chain block, computed once and reused for every witness check. */
const canonicalCache = new WeakMap<ChainBlock, Uint8Array>();
export function canonicalOf(c: ChainBlock): Uint8Array {
  let bytes = canonicalCache.get(c);
  if (!bytes) {
    bytes = canonicalBytes(c.block);
    canonicalCache.set(c, bytes);
  }
  return bytes;
}

/**
 * Each chain block as the snapshot stores it (utf8Encode(encodeBlock(block with its witnesses))),
 * cached with the number of witnesses it includes. A co-signature arriving later extends the
 * cached bytes (… `]}` becomes … `,{fragment}]}`) instead of serializing the block again, and a
 * snapshot copies these bytes instead of serializing the chain.
 */
const encodedCache = new WeakMap<ChainBlock, { witnesses: number; bytes: Uint8Array }>();
/** Blocks queued for warmSnapshot after a co-signature; beyond this many, they are encoded when needed. */
const MAX_COSIGNED_QUEUE = 100_000;

const ASCII = (s: string): Uint8Array => utf8Encode(s);
const DECIMAL_BYTES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, i) => ASCII(String(i)));
const LEADER_SIGNATURE = ASCII(',"leader_signature":');
const WITNESS_SIGNATURES = ASCII(',"witness_signatures":[');
const WITNESS = ASCII('{"witness":');
const SIGNATURE = ASCII(',"signature":');
const CLOSE_BLOCK = ASCII('}');
const CLOSE_WITNESSES = ASCII(']}');
const COMMA = ASCII(',');

/** Concatenates byte strings and serde byte arrays (`{ array }`: a JSON array of decimal integers). */
function assemble(parts: readonly (Uint8Array | { readonly array: Uint8Array })[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p instanceof Uint8Array ? p.length : 2 + 4 * p.array.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    if (p instanceof Uint8Array) {
      out.set(p, at);
      at += p.length;
      continue;
    }
    out[at++] = 0x5b; // [
    for (let i = 0; i < p.array.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ,
      const d = DECIMAL_BYTES[p.array[i]!]!;
      for (let k = 0; k < d.length; k++) out[at++] = d[k]!;
    }
    out[at++] = 0x5d; // ]
  }
  return at === size ? out : out.slice(0, at);
}

function witnessFragment(w: WitnessSignature): readonly (Uint8Array | { readonly array: Uint8Array })[] {
  return [WITNESS, { array: nodeIdToBytes(w.witness) }, SIGNATURE, { array: w.signature }, CLOSE_BLOCK];
}

/**
 * utf8Encode(encodeBlock(block)) of a block without witnesses, from its canonical bytes (the
 * canonical JSON without its closing brace, then the leader signature): the one place that knows
 * this layout — the leader's sealed entries and the snapshot cache both start from it.
 */
export function sealedBlockBytes(canonical: Uint8Array, leaderSignature: Uint8Array): Uint8Array {
  return assemble([canonical.subarray(0, canonical.length - 1), LEADER_SIGNATURE, { array: leaderSignature }, CLOSE_BLOCK]);
}

/** The block's snapshot bytes with all its current witnesses (cached; extended, never rebuilt). */
function encodedOf(c: ChainBlock): Uint8Array {
  let e = encodedCache.get(c);
  // Witness lists only grow (addWitnessTo appends); should one ever shrink, start over.
  if (e && e.witnesses > c.witnesses.length) e = undefined;
  if (!e) {
    e = { witnesses: 0, bytes: sealedBlockBytes(canonicalOf(c), c.block.leaderSignature) };
    encodedCache.set(c, e);
  }
  if (e.witnesses < c.witnesses.length) {
    // Drop the closing `}` (no witnesses yet) or `]}`, append the new fragments, close again.
    const open = e.witnesses === 0 ? e.bytes.subarray(0, e.bytes.length - 1) : e.bytes.subarray(0, e.bytes.length - 2);
    const parts: (Uint8Array | { readonly array: Uint8Array })[] = [open, e.witnesses === 0 ? WITNESS_SIGNATURES : COMMA];
    for (let i = e.witnesses; i < c.witnesses.length; i++) {
      if (i > e.witnesses) parts.push(COMMA);
      parts.push(...witnessFragment(c.witnesses[i]!));
    }
    parts.push(CLOSE_WITNESSES);
    e.bytes = assemble(parts);
    e.witnesses = c.witnesses.length;
  }
  return e.bytes;
}

/**
 * A command the applying node built itself (the leader's sealed entries), with its block's
 * canonical bytes and hash when it has one: applied without parsing or hashing anything again.
 */
export interface KnownCommand {
  readonly command: Command;
  readonly canonical?: Uint8Array;
  readonly hash?: string;
}

export type ApplyOutcome =
  | { readonly kind: 'noop' }
  | { readonly kind: 'applied'; readonly command: Command }
  | { readonly kind: 'fault'; readonly message: string };

export class ReplicatedState {
  shape = new MeshShape();
  target: TargetTopology = HOMELAB_TARGET;
  strategy: FabricStrategy = PRESCRIBED_HOMELAB;
  readonly chain: ChainBlock[] = [];
  private readonly chainByIndex = new Map<number, ChainBlock>();
  appliedIndex = 0;
  appliedTerm = 0;
  /** Entries that could not be applied (a bug or a forged log), kept for the event log. */
  readonly faults: string[] = [];

  /**
   * `self`: signatures made by this node's own key were produced here and are not re-verified
   * (they are valid by construction). Leader signatures of blocks are verified at apply time.
   * Witness signatures in `witness` entries are verified once, by the leader that admits them into
   * the log (see admissibleWitness); applying the log trusts them, as restoring a snapshot does.
   */
  constructor(private readonly verifier: Ed25519Verifier, private readonly self: NodeId | null = null) {}

  headHash(): string {
    return this.chain.length === 0 ? ZERO_HASH_HEX : this.chain[this.chain.length - 1]!.hash;
  }

  /** Hash of the last block whose Raft index is ≤ index (ZERO_HASH when none). */
  hashAtOrBefore(index: number): string {
    for (let i = this.chain.length - 1; i >= 0; i--) {
      const c = this.chain[i]!;
      if (Number(c.block.raftLogIndex) <= index) return c.hash;
    }
    return ZERO_HASH_HEX;
  }

  blockAt(index: number): ChainBlock | undefined {
    return this.chainByIndex.get(index);
  }

  /** Blocks with witnesses attached, as the crate's block type. */
  blocks(): RoleAttestationBlock[] {
    return this.chain.map((c) => ({ ...c.block, witnessSignatures: c.witnesses.slice() }));
  }

  /**
   * `known`: the command these exact bytes encode, when the caller built them itself (the leader's
   * sealed entries) — saves parsing them back. Anything received is always decoded.
   */
  apply(entry: Entry, known?: KnownCommand): ApplyOutcome {
    this.appliedIndex = entry.index;
    this.appliedTerm = entry.term;
    if (entry.data.length === 0) return { kind: 'noop' };
    const decoded = known ? { ok: true as const, value: known.command } : decodeCommand(entry.data);
    if (!decoded.ok) return this.fault(`entry ${entry.index}: ${decoded.error.path}: ${decoded.error.message}`);
    const cmd = decoded.value;
    switch (cmd.kind) {
      case 'role':
        this.shape.apply(cmd.assignment, entry.term, entry.index);
        if (cmd.block) {
          const problem = this.appendBlock(cmd.block, entry, known);
          if (problem) return this.fault(`entry ${entry.index}: ${problem}`);
        }
        break;
      case 'target':
        this.target = cmd.target;
        break;
      case 'strategy':
        this.strategy = cmd.strategy;
        break;
      case 'member':
        break; // membership lives in the Raft configuration
      case 'witness':
        for (const w of cmd.signatures) {
          const c = this.chainByIndex.get(w.index);
          if (c) this.addWitnessTo(c, { witness: w.witness, signature: w.signature }, false);
        }
        break;
    }
    return { kind: 'applied', command: cmd };
  }

  private fault(message: string): ApplyOutcome {
    this.faults.push(message);
    if (this.faults.length > 100) this.faults.shift();
    return { kind: 'fault', message };
  }

  private appendBlock(block: RoleAttestationBlock, entry: Entry, known?: KnownCommand): string | null {
    if (Number(block.raftLogIndex) !== entry.index || Number(block.raftTerm) !== entry.term) {
      return `block claims term ${block.raftTerm} index ${block.raftLogIndex} but sits at ${entry.term}/${entry.index}`;
    }
    if (block.prevHash !== this.headHash()) return `block prev_hash ${block.prevHash.slice(0, 12)} does not link to head ${this.headHash().slice(0, 12)}`;
    const canonical = known?.canonical ?? canonicalBytes(block);
    if (block.leader !== this.self && !this.verifier.verify(nodeIdToBytes(block.leader), canonical, block.leaderSignature)) {
      return `block leader signature does not verify`;
    }
    const c: ChainBlock = { block: { ...block, witnessSignatures: [] }, hash: known?.hash ?? toHex(blake3(canonical)), witnesses: [] };
    canonicalCache.set(c, canonical);
    for (const w of block.witnessSignatures) this.addWitnessTo(c, w, true);
    this.chain.push(c);
    this.chainByIndex.set(entry.index, c);
    return null;
  }

  /**
   * Leader-side admission of a co-signature into the log: the block at `index` is in this state,
   * the witness is not its leader and has not co-signed it yet, and the signature verifies.
   */
  admissibleWitness(index: number, w: WitnessSignature): boolean {
    const message = this.witnessMessage(index, w);
    return message !== null && this.verifier.verify(nodeIdToBytes(w.witness), message, w.signature);
  }

  /**
   * The bytes a co-signature for the block at `index` must verify over, or null when it cannot be
   * admitted whatever its signature (no such block, the block's own leader, already co-signed).
   */
  witnessMessage(index: number, w: WitnessSignature): Uint8Array | null {
    const c = this.chainByIndex.get(index);
    return c !== undefined && this.acceptsWitness(c, w, false) ? canonicalOf(c) : null;
  }

  private acceptsWitness(c: ChainBlock, w: WitnessSignature, verify: boolean): boolean {
    if (w.witness === c.block.leader || c.witnesses.some((x) => x.witness === w.witness)) return false;
    return !verify || w.witness === this.self || this.verifier.verify(nodeIdToBytes(w.witness), canonicalOf(c), w.signature);
  }

  private addWitnessTo(c: ChainBlock, w: WitnessSignature, verify: boolean): void {
    if (this.acceptsWitness(c, w, verify)) {
      c.witnesses.push(w);
      if (this.cosigned.length < MAX_COSIGNED_QUEUE) this.cosigned.push(c);
    }
  }

  // ------------------------------------------------------------- snapshots

  /** Deterministic serialization (the Raft snapshot's data). */
  /** Next chain position warmSnapshot() looks at, and blocks co-signed since it last ran. */
  private warmCursor = 0;
  private readonly cosigned: ChainBlock[] = [];

  /**
   * Encodes up to `maxBlocks` chain blocks for the next snapshot ahead of time (new blocks, then
   * blocks that gained co-signatures; hosts call this when idle or between batches), so that a
   * snapshot copies cached bytes: serializing 10,000 blocks at once took 80–190 ms in one turn
   * here, long enough for followers to start an election. Returns how many blocks were encoded.
   */
  warmSnapshot(maxBlocks: number): number {
    let done = 0;
    while (done < maxBlocks && this.warmCursor < this.chain.length) {
      encodedOf(this.chain[this.warmCursor++]!);
      done++;
    }
    while (done < maxBlocks && this.cosigned.length > 0) {
      encodedOf(this.cosigned.pop()!);
      done++;
    }
    return done;
  }

  encode(): Uint8Array {
    const record = this.shape.toRecord();
    const shape = Object.keys(record).map((id) => `"${id}":[${record[id]!.map((r) => `"${r}"`).join(',')}]`).join(',');
    const target = encodeCommandText({ kind: 'target', target: this.target });
    const strategy = encodeCommandText({ kind: 'strategy', strategy: this.strategy });
    const head = utf8Encode(
      `{"v":1,"applied_index":${this.appliedIndex},"applied_term":${this.appliedTerm},` +
      `"shape":{"assignments":{${shape}},"last_applied_term":${this.shape.lastAppliedTerm},"last_applied_index":${this.shape.lastAppliedIndex}},` +
      `"target":${target},"strategy":${strategy},"chain":[`,
    );
    const blocks = this.chain.map(encodedOf);
    let size = head.length + Math.max(0, blocks.length - 1) + 2;
    for (const b of blocks) size += b.length;
    const out = new Uint8Array(size);
    out.set(head, 0);
    let at = head.length;
    for (let i = 0; i < blocks.length; i++) {
      if (i > 0) out[at++] = 0x2c; // ,
      out.set(blocks[i]!, at);
      at += blocks[i]!.length;
    }
    out[at++] = 0x5d; // ]
    out[at] = 0x7d; // }
    return out;
  }

  static decode(bytes: Uint8Array, verifier: Ed25519Verifier, self: NodeId | null = null): Result<ReplicatedState, DecodeError> {
    const text = utf8DecodeStrict(bytes);
    if (text === null) return err({ path: '$', message: 'snapshot is not valid UTF-8' });
    const parsed = parseJson(text);
    if (!parsed.ok) return err({ path: '$', message: describeJsonError(parsed.error, 'snapshot') });
    const v = parsed.value;
    if (!isJsonObject(v) || v['v'] !== 1) return err({ path: '$.v', message: 'unsupported snapshot version' });
    const state = new ReplicatedState(verifier, self);
    const num = (x: unknown): number => (typeof x === 'number' ? x : 0);
    state.appliedIndex = num(v['applied_index']);
    state.appliedTerm = num(v['applied_term']);
    const shape = v['shape'];
    if (!isJsonObject(shape) || !isJsonObject(shape['assignments'])) return err({ path: '$.shape', message: 'expected a shape object' });
    const record: Record<string, NodeRole[]> = {};
    for (const [id, roles] of Object.entries(shape['assignments'])) {
      if (!Array.isArray(roles) || !roles.every(isNodeRole)) return err({ path: `$.shape.assignments.${id}`, message: 'expected role names' });
      record[id] = roles as NodeRole[];
    }
    state.shape = MeshShape.fromRecord(record, num(shape['last_applied_term']), num(shape['last_applied_index']));
    const target = isJsonObject(v['target']) ? decodeTarget(v['target']['target'], '$.target.target') : err({ path: '$.target', message: 'missing' });
    if (!target.ok) return target;
    state.target = target.value;
    const strategy = isJsonObject(v['strategy']) ? decodeStrategy(v['strategy']['strategy'], '$.strategy.strategy') : err({ path: '$.strategy', message: 'missing' });
    if (!strategy.ok) return strategy;
    state.strategy = strategy.value;
    const chain = v['chain'];
    if (!Array.isArray(chain)) return err({ path: '$.chain', message: 'expected an array of blocks' });
    for (let i = 0; i < chain.length; i++) {
      const b = decodeBlock(chain[i], `$.chain[${i}]`);
      if (!b.ok) return b;
      const c: ChainBlock = { block: { ...b.value, witnessSignatures: [] }, hash: blockHashHex(b.value), witnesses: b.value.witnessSignatures.slice() };
      if (b.value.prevHash !== state.headHash()) return err({ path: `$.chain[${i}].prev_hash`, message: 'does not link to the previous block' });
      state.chain.push(c);
      state.chainByIndex.set(Number(b.value.raftLogIndex), c);
    }
    return ok(state);
  }
}
