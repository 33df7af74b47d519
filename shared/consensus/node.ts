// ConsensusNode: the host-facing door of layer B. Wraps RaftMachine (pure Raft) and
// ReplicatedState (MeshShape + target + strategy + attestation chain) and seals attestation
// blocks into RoleAssignment entries on the leader.
//
// HOST API (issue 7's node host drives exactly this; the simulator does the same):
//   const node = new ConsensusNode({ signer, verifier, clock, prng, tuning? }, restored?)
//     restored = { hardState, snapshot, entries } read back from the WAL (see electron/raft/wal.ts).
//   node.bootstrap()                    — brand-new one-voter cluster (empty data dir, --bootstrap)
//   node.tick()                         — every tick interval (e.g. 10 ms; electionTicks × tick ≈ election timeout)
//   node.step(msg)                      — every authenticated inbound Raft message
//   node.proposeRole(a) / proposeTarget(t) / proposeStrategy(s) / addLearner(id) / removeMember(id)
//                                       → Result<ProposeOk, ProposeError> (index on the leader, forwardedTo
//                                         on a follower, or an error naming the leader to redirect to)
//   while (node.hasReady()) { const rd = node.ready();
//     send(rd.messages); await wal.save(rd) /* snapshot, entries, hard state, fsync */;
//     send(rd.messagesAfterPersist); node.advance(rd); }       — advance() applies rd.snapshot and
//                                         rd.committed to node.state; nothing else needs applying.
//   node.compact() when node.shouldCompact(): returns the snapshot to persist atomically, after which
//                                         the WAL may drop entries ≤ snapshot.index.
//   node.state (read-only view), node.status(), node.leader().
//
// Voters are the holders of the `etcd` role. A RoleAssignment that grants etcd carries the
// `add-voter` change and one that relinquishes it carries `add-learner`, in the SAME entry, so the
// role change and the membership change commit atomically. Other members are learners.
// Witnesses: a voter that applies a block signed by someone else (after verifying the leader's
// signature: a block whose signature fails is a fault, neither chained nor co-signed) co-signs it and
// proposes the signature as a `witness` entry (forwarded to the leader); signatures therefore reach
// every node's chain through the log, in the same order everywhere, and survive restarts and
// snapshots. The leader verifies each co-signature before admitting it into the log (a bad or
// unplaceable one is dropped; the witness re-proposes what does not show up); nodes applying the
// log trust what it admitted, so every witness signature is verified once, not on every node.

import { blockHashHex, sealBlock, signBlock, ZERO_HASH_HEX } from '../attestation/block';
import { utf8Encode } from '../kit/bytes';
import type { Ed25519Signer, Ed25519Verifier } from '../crypto/ed25519';
import type { Prng } from '../kit/prng';
import { err, type Result } from '../kit/result';
import type { FabricStrategy } from '../types/fabric';
import { nodeIdFromBytes, nodeIdToBytes, type NodeId } from '../types/node-id';
import { encodeRoleAssignment, promote, type RoleAssignment } from '../types/roles';
import type { TargetTopology } from '../types/target';
import { decodeCommand, encodeCommand, isRoleCommandBytes, type Command, type WitnessEntry } from './commands';
import { DEFAULT_RAFT_TUNING, RaftMachine, type ProposeError, type ProposeOk, type RaftStatus, type Ready, type RestoredState } from './raft';
import { canonicalOf, ReplicatedState, sealedBlockBytes, type KnownCommand } from './replicated-state';
import type { ConfChange, Entry, Message, Snapshot } from './types';

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (attestation timestamps only; never for timeouts). */
  nowMs(): number;
}

export interface ConsensusTuning {
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly maxInflightMsgs: number;
  readonly maxEntriesPerMsg: number;
  readonly forwardProposals: boolean;
  readonly eagerCommit: boolean;
  /** Compact once this many entries are applied beyond the last snapshot. */
  readonly snapshotIntervalEntries: number;
  /** Ticks between re-proposals of witness signatures not yet in the log. */
  readonly witnessRetryTicks: number;
  /** New witness signatures are batched for this many ticks into one entry (fewer extra fsyncs). */
  readonly witnessBatchTicks: number;
}

export const DEFAULT_CONSENSUS_TUNING: ConsensusTuning = {
  ...DEFAULT_RAFT_TUNING,
  snapshotIntervalEntries: 1000,
  witnessRetryTicks: 50,
  witnessBatchTicks: 10,
};

export interface ConsensusNodeOptions {
  readonly signer: Ed25519Signer;
  readonly verifier: Ed25519Verifier;
  readonly clock: Clock;
  readonly prng: Prng;
  readonly tuning?: Partial<ConsensusTuning>;
  /**
   * Leader: instead of verifying forwarded co-signatures inline, queue them for the host
   * (takeWitnessChecks → verify, e.g. on a thread pool → witnessesChecked). Keeps signature checks
   * off the event loop that carries commits.
   */
  readonly deferWitnessChecks?: boolean;
  /**
   * Follower: committed entries handed over by advance() are applied (and co-signed) on the next
   * tick or advance, not at once. advance() runs right after the acknowledgement of the next
   * append left; applying then (a signature check and a co-signature per block) competes for the
   * CPU with the leader that is about to handle that acknowledgement. The state lags by at most a
   * tick; compact() applies what is pending first. Under load (long batches) advance() applies
   * DEFERRED_APPLY_SLICE entries at a time, and ticks the rest.
   */
  readonly deferFollowerApply?: boolean;
}

/** A forwarded co-signature waiting for the host to verify `signature` by `publicKey` over `message`. */
export interface WitnessCheck extends WitnessEntry {
  readonly publicKey: Uint8Array;
  readonly message: Uint8Array;
}

/**
 * encodeCommand({kind: 'role', assignment, block}) for a freshly sealed block (no witnesses), put
 * together from the canonical bytes already computed for the signature.
 */
function sealedRoleBytes(assignment: RoleAssignment, canonical: Uint8Array, signature: Uint8Array): Uint8Array {
  const head = utf8Encode(`{"kind":"role","assignment":${encodeRoleAssignment(assignment)},"block":`);
  const block = sealedBlockBytes(canonical, signature);
  const out = new Uint8Array(head.length + block.length + 1);
  out.set(head, 0);
  out.set(block, head.length);
  out[out.length - 1] = 0x7d; // }
  return out;
}

/** deferFollowerApply: entries applied per advance() once more than this many wait… */
const DEFERRED_APPLY_SLICE = 32;
/** …and all of them past this many (memory and staleness stay bounded under overload). */
const DEFERRED_APPLY_MAX = 4096;

export class ConsensusNode {
  readonly id: NodeId;
  readonly raft: RaftMachine;
  state: ReplicatedState;
  readonly tuning: ConsensusTuning;
  private readonly signer: Ed25519Signer;
  private readonly verifier: Ed25519Verifier;
  private readonly clock: Clock;
  private readonly pendingWitness = new Map<number, WitnessEntry>();
  private readonly deferWitnessChecks: boolean;
  private readonly deferFollowerApply: boolean;
  private readonly pendingApply: Entry[] = [];
  private witnessChecks: WitnessCheck[] = [];
  /** `index:witness` of co-signatures queued or out for checking (never queued twice). */
  private readonly checking = new Set<string>();
  private witnessTicks = 0;
  private ticks = 0;
  /** Tick at which each pending co-signature was last proposed. */
  private readonly proposedAt = new Map<number, number>();
  private signedNew = false;
  private readonly toWitness: number[] = [];
  private readonly sealedHashes = new Map<number, { term: number; hash: string }>();
  /** Commands this leader sealed, by the exact bytes it stored: applied without parsing them back. */
  private readonly sealedCommands = new WeakMap<Uint8Array, KnownCommand>();
  /** Role commands proposed here, by their bytes: sealed without parsing them back. */
  private readonly proposedRoles = new WeakMap<Uint8Array, RoleAssignment>();

  constructor(options: ConsensusNodeOptions, restored?: RestoredState) {
    this.signer = options.signer;
    this.verifier = options.verifier;
    this.clock = options.clock;
    this.deferWitnessChecks = options.deferWitnessChecks ?? false;
    this.deferFollowerApply = options.deferFollowerApply ?? false;
    this.id = nodeIdFromBytes(options.signer.publicKey);
    this.tuning = { ...DEFAULT_CONSENSUS_TUNING, ...options.tuning };
    this.raft = new RaftMachine({
      id: this.id, ...this.tuning, prng: options.prng,
      seal: (draft, term, index) => this.seal(draft.data, term, index),
    }, restored);
    this.state = new ReplicatedState(this.verifier, this.id);
    const snap = restored?.snapshot;
    if (snap && snap.data.length > 0) {
      const decoded = ReplicatedState.decode(snap.data, this.verifier, this.id);
      if (!decoded.ok) throw new Error(`snapshot at index ${snap.index} is unreadable: ${decoded.error.path}: ${decoded.error.message}`);
      this.state = decoded.value;
    }
  }

  /** New cluster: this node is the only voter, holding `etcd`; the genesis block is index 1. */
  bootstrap(): void {
    const assignment = promote(this.id, ['etcd'], 'operator');
    const genesis = signBlock(this.signer, ZERO_HASH_HEX, assignment, Math.floor(this.clock.nowMs()), 1, 1);
    this.raft.bootstrap([this.id], () => encodeCommand({ kind: 'role', assignment, block: genesis }));
  }

  tick(): void {
    this.applyPending(2 * DEFERRED_APPLY_SLICE);
    this.raft.tick();
    this.ticks++;
    // New signatures go out on the next tick (batched: one witness entry per tick under load);
    // unacknowledged ones are re-proposed every witnessRetryTicks.
    if (this.pendingWitness.size > 0) this.witnessTicks++;
    const due = this.signedNew ? this.tuning.witnessBatchTicks : this.tuning.witnessRetryTicks;
    if (this.pendingWitness.size > 0 && this.witnessTicks >= due) {
      this.signedNew = false;
      this.flushWitnesses();
    }
  }

  /** Ticks until one can act (Raft timers, witness batch or retry); Infinity when none can. */
  ticksUntilDue(): number {
    // Committed entries handed over for deferred apply are applied on the very next tick.
    if (this.pendingApply.length > 0) return 1;
    const raft = this.raft.ticksUntilDue();
    if (this.pendingWitness.size === 0) return raft;
    const due = this.signedNew ? this.tuning.witnessBatchTicks : this.tuning.witnessRetryTicks;
    return Math.min(raft, Math.max(1, due - this.witnessTicks));
  }

  step(m: Message): void {
    if (m.type === 'prop' && this.raft.role === 'leader' && m.to === this.id) {
      const admitted = this.admitProposal(m);
      if (admitted) this.raft.step(admitted);
      return;
    }
    this.raft.step(m);
  }

  /**
   * Leader, for proposals forwarded by other members: keeps only co-signatures that verify against
   * a block in our chain (see the header). Every forwarded entry is decoded — whatever its spelling,
   * no witness command reaches the log unchecked.
   */
  private admitProposal(m: Message): Message | null {
    const entries: Entry[] = [];
    for (const e of m.entries) {
      const d = e.data.length > 0 ? decodeCommand(e.data) : null;
      if (!d || !d.ok || d.value.kind !== 'witness') {
        entries.push(e);
        continue;
      }
      const seen = new Set<string>();
      const kept = d.value.signatures.filter((w) => {
        const key = `${w.index}:${w.witness}`;
        if (seen.has(key) || this.checking.has(key)) return false;
        seen.add(key);
        if (!this.deferWitnessChecks) return this.state.admissibleWitness(w.index, w);
        const message = this.state.witnessMessage(w.index, w);
        if (message) {
          this.checking.add(key);
          this.witnessChecks.push({ ...w, publicKey: nodeIdToBytes(w.witness), message });
        }
        return false;
      });
      if (kept.length === 0) continue;
      entries.push(kept.length === d.value.signatures.length ? e : { ...e, data: encodeCommand({ kind: 'witness', signatures: kept }) });
    }
    return entries.length === 0 ? null : { ...m, entries };
  }

  /** deferWitnessChecks: the co-signatures the host has to verify (each handed out once). */
  takeWitnessChecks(): WitnessCheck[] {
    const out = this.witnessChecks;
    this.witnessChecks = [];
    return out;
  }

  /** deferWitnessChecks: the host's verdicts; the valid ones enter the log as one witness entry. */
  witnessesChecked(results: readonly { readonly check: WitnessCheck; readonly valid: boolean }[]): void {
    const admitted: WitnessEntry[] = [];
    for (const { check, valid } of results) {
      // `checking` holds each key once, so no co-signature is admitted twice from one batch.
      if (!this.checking.delete(`${check.index}:${check.witness}`) || !valid || !this.isLeader()) continue;
      // Still admissible (not co-signed meanwhile, block still in our chain)?
      if (this.state.witnessMessage(check.index, check) === null) continue;
      admitted.push({ index: check.index, witness: check.witness, signature: check.signature });
    }
    if (admitted.length > 0) this.raft.propose(encodeCommand({ kind: 'witness', signatures: admitted }));
  }

  leader(): NodeId | null {
    return this.raft.leader as NodeId | null;
  }

  isLeader(): boolean {
    return this.raft.role === 'leader';
  }

  status(): RaftStatus {
    return this.raft.status();
  }

  /** The membership change that keeps voters = etcd holders, carried by the same entry. */
  confFor(a: RoleAssignment): ConfChange | undefined {
    if (a.kind === 'promote' && a.roles.includes('etcd')) return { op: 'add-voter', peer: a.nodeId };
    if (a.kind === 'demote' && a.rolesRelinquished.includes('etcd')) {
      return this.raft.conf().voters.includes(a.nodeId) || this.raft.conf().learners.includes(a.nodeId)
        ? { op: 'add-learner', peer: a.nodeId } : undefined;
    }
    return undefined;
  }

  proposeRole(a: RoleAssignment): Result<ProposeOk, ProposeError> {
    if (a.kind === 'demote' && a.rolesRelinquished.includes('etcd') && this.raft.conf().voters.length === 1 && this.raft.conf().voters[0] === a.nodeId) {
      return err({ code: 'invalid-conf-change', message: 'cannot relinquish etcd from the last voter' });
    }
    const bytes = encodeCommand({ kind: 'role', assignment: a, block: null });
    this.proposedRoles.set(bytes, a);
    return this.raft.propose(bytes, this.confFor(a));
  }

  proposeTarget(target: TargetTopology): Result<ProposeOk, ProposeError> {
    return this.raft.propose(encodeCommand({ kind: 'target', target }));
  }

  proposeStrategy(strategy: FabricStrategy): Result<ProposeOk, ProposeError> {
    return this.raft.propose(encodeCommand({ kind: 'strategy', strategy }));
  }

  /** Gossip discovered a member: it replicates the log as a learner. */
  addLearner(nodeId: NodeId): Result<ProposeOk, ProposeError> {
    if (this.raft.conf().voters.includes(nodeId) || this.raft.conf().learners.includes(nodeId)) {
      return err({ code: 'invalid-conf-change', message: `${nodeId.slice(0, 12)} is already a member` });
    }
    return this.raft.propose(encodeCommand({ kind: 'member', op: 'add-learner', nodeId }), { op: 'add-learner', peer: nodeId });
  }

  removeMember(nodeId: NodeId): Result<ProposeOk, ProposeError> {
    return this.raft.propose(encodeCommand({ kind: 'member', op: 'remove', nodeId }), { op: 'remove', peer: nodeId });
  }

  hasReady(): boolean {
    return this.raft.hasReady();
  }

  ready(): Ready {
    return this.raft.ready();
  }

  /** After persisting and sending: installs the snapshot and applies committed entries. */
  advance(rd: Ready): void {
    if (this.deferFollowerApply && !this.isLeader() && !rd.snapshot) {
      this.pendingApply.push(...rd.committed);
      // A short backlog waits for the next tick; a long one (load) is worked off here a slice at a
      // time, so that one advance never holds back this follower's next acknowledgement for long.
      if (this.pendingApply.length > DEFERRED_APPLY_SLICE) this.applyPending(this.pendingApply.length > DEFERRED_APPLY_MAX ? Infinity : DEFERRED_APPLY_SLICE);
    } else {
      this.applyPending();
      if (rd.snapshot) this.installSnapshot(rd.snapshot);
      for (const e of rd.committed) this.applyEntry(e);
    }
    this.cosign();
    this.raft.advance(rd);
  }

  /** deferFollowerApply: applies (and co-signs) the committed entries put aside by advance(). */
  private applyPending(max = Infinity): void {
    if (this.pendingApply.length === 0) return;
    for (const e of this.pendingApply.splice(0, Math.min(max, this.pendingApply.length))) this.applyEntry(e);
    this.cosign();
  }

  private cosign(): void {
    // Co-sign after the whole batch: on a restart the batch is the replayed log, whose later
    // witness entries already carry our signatures for most blocks — those are not signed again.
    for (const index of this.toWitness) {
      const c = this.state.blockAt(index);
      if (!c || c.witnesses.some((w) => w.witness === this.id)) continue;
      // Co-sign the canonical bytes kept with the chain block (the same bytes witnessSign would rebuild).
      this.pendingWitness.set(index, { index, witness: this.id, signature: this.signer.sign(canonicalOf(c)) });
      this.signedNew = true;
    }
    this.toWitness.length = 0;
  }

  /**
   * Idle work for the host: pre-encodes up to `maxBlocks` chain blocks for the next snapshot (see
   * ReplicatedState.warmSnapshot), so compact() does not serialize thousands of blocks in one turn.
   */
  warmSnapshot(maxBlocks: number): number {
    return this.state.warmSnapshot(maxBlocks);
  }

  shouldCompact(): boolean {
    return this.raft.log.applied - this.raft.log.snapshot.index >= this.tuning.snapshotIntervalEntries;
  }

  /** Snapshot of the state at the applied index; the host persists it, then trims the WAL. */
  compact(): Snapshot {
    this.applyPending();
    return this.raft.compact(this.raft.log.applied, this.state.encode());
  }

  private installSnapshot(snap: Snapshot): void {
    if (snap.index <= this.state.appliedIndex) return;
    const decoded = ReplicatedState.decode(snap.data, this.verifier, this.id);
    if (!decoded.ok) throw new Error(`snapshot from leader at ${snap.index} is unreadable: ${decoded.error.message}`);
    this.state = decoded.value;
    this.sealedHashes.clear();
  }

  private applyEntry(e: Entry): void {
    if (e.index <= this.state.appliedIndex) return;
    const outcome = this.state.apply(e, this.sealedCommands.get(e.data));
    if (outcome.kind !== 'applied') return;
    const cmd = outcome.command;
    if (cmd.kind === 'role' && cmd.block && cmd.block.leader !== this.id && this.raft.isVoter()) {
      this.toWitness.push(e.index);
    } else if (cmd.kind === 'witness') {
      for (const w of cmd.signatures) if (w.witness === this.id) this.pendingWitness.delete(w.index);
    }
  }

  private flushWitnesses(): void {
    this.witnessTicks = 0;
    // Drop signatures for blocks no longer in our state (e.g. after a snapshot replaced it).
    for (const [index] of this.pendingWitness) {
      const c = this.state.blockAt(index);
      if (!c || c.witnesses.some((w) => w.witness === this.id)) this.pendingWitness.delete(index);
    }
    for (const index of this.proposedAt.keys()) if (!this.pendingWitness.has(index)) this.proposedAt.delete(index);
    // Signatures proposed less than witnessRetryTicks ago are probably on their way through the
    // log: not proposed (and verified by the leader) again yet.
    const signatures = [...this.pendingWitness.values()].filter((w) => {
      const at = this.proposedAt.get(w.index);
      return at === undefined || this.ticks - at >= this.tuning.witnessRetryTicks;
    }).slice(0, 256);
    if (signatures.length === 0) return;
    for (const w of signatures) this.proposedAt.set(w.index, this.ticks);
    this.raft.propose(encodeCommand({ kind: 'witness', signatures }));
  }

  /** Leader-side: builds and signs the block for a RoleAssignment entry at (term, index). */
  private seal(data: Uint8Array, term: number, index: number): Uint8Array {
    let assignment = this.proposedRoles.get(data);
    if (!assignment) {
      if (!isRoleCommandBytes(data)) return data;
      const decoded = decodeCommand(data);
      if (!decoded.ok || decoded.value.kind !== 'role') return data;
      assignment = decoded.value.assignment;
    }
    // Canonical bytes once: signed, hashed, and handed to apply (no second canonicalisation).
    const { block, hashHex: hash, canonical } = sealBlock(this.signer, this.prevBlockHash(index), assignment, Math.floor(this.clock.nowMs()), term, index);
    this.sealedHashes.set(index, { term, hash });
    if (this.sealedHashes.size > 4096) this.sealedHashes.delete(this.sealedHashes.keys().next().value!);
    const command: Command = { kind: 'role', assignment, block };
    const bytes = sealedRoleBytes(assignment, canonical, block.leaderSignature);
    this.sealedCommands.set(bytes, { command, canonical, hash });
    return bytes;
  }

  /** Hash of the block in the closest RoleAssignment entry before `index` in this leader's log. */
  private prevBlockHash(index: number): string {
    const log = this.raft.log;
    for (let i = index - 1; i >= log.firstIndex(); i--) {
      const e = log.entry(i)!;
      if (!isRoleCommandBytes(e.data)) continue;
      const cached = this.sealedHashes.get(i);
      if (cached && cached.term === e.term) return cached.hash;
      const d = decodeCommand(e.data);
      if (d.ok && d.value.kind === 'role' && d.value.block) {
        const hash = blockHashHex(d.value.block);
        this.sealedHashes.set(i, { term: e.term, hash });
        return hash;
      }
    }
    return this.state.hashAtOrBefore(log.snapshot.index);
  }
}
