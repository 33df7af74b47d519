// RaftMachine: a pure Raft state machine in the shape of etcd-raft's RawNode.
//
// HOST CONTRACT (how electron/node drives it; the simulator in test/ does the same):
//   const raft = new RaftMachine(config, restored);   // restored = what the WAL held (or empty)
//   every tick interval:      raft.tick();
//   for each inbound message: raft.step(msg);           // authenticated by the transport first
//   to propose:               raft.propose(data, conf?) → Result (index on the leader,
//                              forwardedTo on a follower, or a ProposeError naming the leader)
//   loop while raft.hasReady():
//     const rd = raft.ready();
//     1. send rd.messages            — may leave at once (leader appends/heartbeats: they depend only
//                                       on state that is already durable)
//     2. persist rd.snapshot (atomic file), rd.entries (append; an entry whose index is ≤ the WAL's
//        last index overwrites that suffix), rd.hardState — and fsync.
//     3. send rd.messagesAfterPersist — votes and acknowledgements; never before step 2 completed.
//     4. install rd.snapshot into the state machine, then apply rd.committed in order.
//     5. raft.advance(rd).
//   At most one Ready is outstanding; step/tick/propose may be called between ready() and advance().
//
// Inside: randomized election timeouts from the injected Prng (Raft §5.2), PreVote and CheckQuorum
// (dissertation §9.6, §6.2: a partitioned node cannot disrupt a healthy leader; a leader that loses
// its quorum steps down), log replication with fast backtracking (etcd's findConflictByTerm hint),
// the §5.4.2 commit rule, proposal forwarding, learners, and one-server-at-a-time configuration
// changes that take effect when appended (dissertation §4.1), with Ongaro's fix: a leader makes no
// configuration change before it has committed an entry of its own term.

import { assert } from '../kit/assert';
import type { Prng } from '../kit/prng';
import { err, ok, type Result } from '../kit/result';
import { RaftLog } from './log';
import { Progress } from './progress';
import { committedIndex, majority, voteResult } from './quorum';
import {
  applyConfChange, message,
  type ConfChange, type ConfState, type Entry, type HardState, type Message, type PeerId, type Snapshot,
} from './types';

export type RaftRole = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export interface RaftConfig {
  readonly id: PeerId;
  /** Minimum election timeout in ticks; the actual timeout is uniform in [electionTicks, 2·electionTicks). */
  readonly electionTicks: number;
  /** Leader heartbeat interval in ticks; must be < electionTicks. */
  readonly heartbeatTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** Pipelined appends per follower before waiting for acknowledgements. */
  readonly maxInflightMsgs: number;
  readonly maxEntriesPerMsg: number;
  /** Followers forward proposals to the leader (true) or return a redirect error (false). */
  readonly forwardProposals: boolean;
  /**
   * When the leader's commit index advances: true = tell every follower at once with an (often
   * empty) append, as etcd-raft does; false = let the commit index ride on the next append or
   * heartbeat (both carry it). Lazy saves one message, one wake-up and one WAL write per follower
   * per commit; followers apply at most one heartbeat interval later. Safety is unaffected: the
   * commit index is only ever learned from the leader, whichever message carries it.
   */
  readonly eagerCommit: boolean;
  readonly prng: Prng;
  /**
   * Called on the leader as it appends a proposed entry, with the entry's term and index; returns
   * the bytes actually stored. Used to seal attestation blocks into the log.
   */
  readonly seal?: (draft: { readonly data: Uint8Array; readonly conf?: ConfChange }, term: number, index: number) => Uint8Array;
}

export const DEFAULT_RAFT_TUNING = {
  electionTicks: 10,
  heartbeatTicks: 1,
  preVote: true,
  checkQuorum: true,
  maxInflightMsgs: 256,
  maxEntriesPerMsg: 512,
  forwardProposals: true,
  eagerCommit: false,
} as const;

export function validateRaftConfig(c: RaftConfig): string | null {
  if (c.id.length === 0) return 'id must not be empty';
  if (!(c.heartbeatTicks >= 1)) return 'heartbeatTicks must be ≥ 1';
  if (!(c.electionTicks > c.heartbeatTicks)) return 'electionTicks must exceed heartbeatTicks';
  if (!(c.maxInflightMsgs >= 1)) return 'maxInflightMsgs must be ≥ 1';
  if (!(c.maxEntriesPerMsg >= 1)) return 'maxEntriesPerMsg must be ≥ 1';
  return null;
}

/** What the WAL held at start-up (all empty for a new node). */
export interface RestoredState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | null;
  readonly entries: readonly Entry[];
}

export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: null, commit: 0 });

export interface Ready {
  /** Non-null when term, vote or commit changed: persist (fsync) before messagesAfterPersist. */
  readonly hardState: HardState | null;
  /** Append (overwriting from entries[0].index) and fsync before messagesAfterPersist. */
  readonly entries: readonly Entry[];
  /** A snapshot from the leader: persist atomically, then install into the state machine. */
  readonly snapshot: Snapshot | null;
  /** Safe to send immediately (leader replication traffic). */
  readonly messages: readonly Message[];
  /** Send only after everything above is durable (votes, acknowledgements). */
  readonly messagesAfterPersist: readonly Message[];
  /** Committed entries to apply, in order, after persisting. */
  readonly committed: readonly Entry[];
}

export type ProposeError =
  | { readonly code: 'no-leader'; readonly message: string }
  | { readonly code: 'not-leader'; readonly leader: PeerId; readonly message: string }
  | { readonly code: 'conf-change-pending'; readonly message: string }
  | { readonly code: 'invalid-conf-change'; readonly message: string };

export type ProposeOk = { readonly index: number; readonly term: number } | { readonly forwardedTo: PeerId };

export interface RaftStatus {
  readonly id: PeerId;
  readonly role: RaftRole;
  readonly term: number;
  readonly vote: PeerId | null;
  readonly leader: PeerId | null;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly snapshotIndex: number;
  readonly conf: ConfState;
  readonly progress: Readonly<Record<PeerId, { match: number; next: number; state: string }>>;
}

export class RaftMachine {
  readonly id: PeerId;
  readonly log: RaftLog;
  role: RaftRole = 'follower';
  term: number;
  vote: PeerId | null;
  leader: PeerId | null = null;

  private readonly cfg: RaftConfig;
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private readonly votes = new Map<PeerId, boolean>();
  private progress = new Map<PeerId, Progress>();
  private pendingConfIndex = 0;
  /** Leader: entries were appended that have not been offered to followers yet (see flushAppends). */
  private appendPending = false;
  private msgs: Message[] = [];
  private msgsAfterPersist: Message[] = [];
  private prevHardState: HardState;
  private outstanding: Ready | null = null;
  /** Last committed index handed to the host in a Ready. */
  private appliedHandedOut: number;

  constructor(config: RaftConfig, restored?: RestoredState) {
    const problem = validateRaftConfig(config);
    assert(problem === null, `invalid Raft config: ${problem}`);
    this.cfg = config;
    this.id = config.id;
    const hs = restored?.hardState ?? EMPTY_HARD_STATE;
    const snap = restored?.snapshot ?? { index: 0, term: 0, conf: { voters: [], learners: [] }, data: new Uint8Array(0) };
    this.log = new RaftLog(snap, restored?.entries ?? [], hs.commit);
    this.term = hs.term;
    this.vote = hs.vote;
    this.prevHardState = { term: hs.term, vote: hs.vote, commit: this.log.committed };
    this.appliedHandedOut = snap.index;
    this.resetRandomizedElectionTimeout();
  }

  /**
   * Starts a brand-new cluster whose initial voters are `voters`: writes one configuration entry per
   * voter at term 1 (etcd's bootstrap). Only valid on an empty log.
   */
  bootstrap(voters: readonly PeerId[], dataFor?: (peer: PeerId, index: number) => Uint8Array): void {
    assert(this.log.lastIndex() === 0 && this.term === 0, 'bootstrap needs an empty log');
    assert(voters.length > 0, 'bootstrap needs at least one voter');
    const entries = [...voters].sort().map((peer, i): Entry => ({
      term: 1, index: i + 1, data: dataFor ? dataFor(peer, i + 1) : new Uint8Array(0), conf: { op: 'add-voter', peer },
    }));
    this.log.append(entries);
    this.log.commitTo(entries.length);
    this.term = 1;
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    if (this.role === 'leader') this.tickHeartbeat();
    else this.tickElection();
  }

  /**
   * How many more tick() calls until one can act (campaign, heartbeat, CheckQuorum): the ticks
   * before it only count, so a host may sleep until then and run them late — as long as it catches
   * them up before the next step(). Infinity when no tick can act: a follower that is not a voter,
   * or a leader alone in its configuration.
   */
  ticksUntilDue(): number {
    const conf = this.log.conf;
    if (this.role === 'leader') {
      const alone = this.progress.size === 1 && this.progress.has(this.id) && conf.voters.length === 1 && conf.voters[0] === this.id;
      if (alone) return Infinity;
      const quorumCheck = this.cfg.checkQuorum ? this.cfg.electionTicks - this.electionElapsed : Infinity;
      return Math.max(1, Math.min(this.cfg.heartbeatTicks - this.heartbeatElapsed, quorumCheck));
    }
    if (!this.promotable()) return Infinity;
    return Math.max(1, this.randomizedElectionTimeout - this.electionElapsed);
  }

  /** Starts an election now (tests, leadership hand-over). */
  campaign(): void {
    this.hup();
  }

  propose(data: Uint8Array, conf?: ConfChange): Result<ProposeOk, ProposeError> {
    if (this.role === 'leader') {
      const problem = this.checkConfProposal(conf);
      if (problem) return err(problem);
      const index = this.appendProposals([{ data, conf }]);
      return ok({ index, term: this.term });
    }
    if (this.leader === null) return err({ code: 'no-leader', message: 'no leader is known yet; retry after an election' });
    if (!this.cfg.forwardProposals) {
      return err({ code: 'not-leader', leader: this.leader, message: `not the leader; send the proposal to ${this.leader}` });
    }
    this.send(message({ type: 'prop', from: this.id, to: this.leader, term: 0, entries: [{ term: 0, index: 0, data, conf }] }), true);
    return ok({ forwardedTo: this.leader });
  }

  step(m: Message): void {
    if (m.to !== this.id) return;
    if (m.type === 'prop') {
      this.stepProposal(m);
      return;
    }
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'prevote') {
        // Dissertation §4.2.3 / §9.6: with CheckQuorum, a node that heard from a live leader within
        // the minimum election timeout ignores (pre)vote requests — a partitioned node rejoining
        // with a higher term cannot depose a healthy leader.
        const inLease = this.cfg.checkQuorum && this.leader !== null && this.electionElapsed < this.cfg.electionTicks;
        if (inLease) return;
      }
      if (m.type === 'prevote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'prevote-resp' && !m.reject) {
        // Granted pre-votes carry the future term; counted below, term unchanged.
      } else {
        const fromLeader = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap';
        this.becomeFollower(m.term, fromLeader ? m.from : null);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'app' || m.type === 'heartbeat')) {
        // A stale leader (e.g. just healed from a partition) learns the newer term and steps down;
        // without this, PreVote could leave it unable to ever rejoin.
        this.send(message({ type: 'app-resp', from: this.id, to: m.from, term: this.term }), true);
      } else if (m.type === 'prevote') {
        this.send(message({ type: 'prevote-resp', from: this.id, to: m.from, term: this.term, reject: true }), true);
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'prevote') {
      this.stepVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'leader': this.stepLeader(m); break;
      case 'candidate':
      case 'pre-candidate': this.stepCandidate(m); break;
      case 'follower': this.stepFollower(m); break;
    }
  }

  // ---------------------------------------------------------------- ready / advance

  hasReady(): boolean {
    if (this.outstanding) return false;
    return this.msgs.length > 0 || this.msgsAfterPersist.length > 0 || this.appendPending ||
      this.log.stableIndex < this.log.lastIndex() || this.log.pendingSnapshot !== null ||
      this.hardStateChanged() || this.committedEnd() > this.appliedHandedOut;
  }

  ready(): Ready {
    assert(this.outstanding === null, 'ready() called again before advance()');
    this.flushAppends();
    const hs = this.currentHardState();
    const snapshot = this.log.pendingSnapshot;
    const from = Math.max(this.appliedHandedOut, snapshot ? snapshot.index : 0) + 1;
    const end = this.committedEnd();
    const rd: Ready = {
      hardState: this.hardStateChanged() ? hs : null,
      entries: this.log.unstableEntries(),
      snapshot,
      messages: this.msgs,
      messagesAfterPersist: this.msgsAfterPersist,
      committed: end >= from ? this.log.slice(from, end + 1) : [],
    };
    this.msgs = [];
    this.msgsAfterPersist = [];
    if (rd.committed.length > 0) this.appliedHandedOut = rd.committed[rd.committed.length - 1]!.index;
    if (snapshot) this.appliedHandedOut = Math.max(this.appliedHandedOut, snapshot.index);
    this.outstanding = rd;
    return rd;
  }

  advance(rd: Ready): void {
    assert(this.outstanding === rd, 'advance() with a Ready that is not the outstanding one');
    this.outstanding = null;
    if (rd.hardState) this.prevHardState = rd.hardState;
    if (rd.snapshot && this.log.pendingSnapshot === rd.snapshot) this.log.pendingSnapshot = null;
    if (rd.snapshot) this.log.applied = Math.max(this.log.applied, rd.snapshot.index);
    const lastPersisted = rd.entries[rd.entries.length - 1];
    if (lastPersisted && this.log.term(lastPersisted.index) === lastPersisted.term) {
      this.log.stableIndex = Math.max(this.log.stableIndex, lastPersisted.index);
    }
    if (rd.committed.length > 0) this.log.applied = Math.max(this.log.applied, rd.committed[rd.committed.length - 1]!.index);
    if (this.role === 'leader') {
      const self = this.progress.get(this.id);
      if (self && self.maybeUpdate(this.log.stableIndex) && this.maybeCommit()) this.commitAdvanced();
    }
  }

  /** Compacts the log up to `index` (≤ applied) with the state machine's snapshot at that index. */
  compact(index: number, data: Uint8Array): Snapshot {
    return this.log.compact(index, data);
  }

  status(): RaftStatus {
    const progress: Record<PeerId, { match: number; next: number; state: string }> = {};
    for (const [peer, pr] of this.progress) progress[peer] = { match: pr.match, next: pr.next, state: pr.state };
    return {
      id: this.id, role: this.role, term: this.term, vote: this.vote, leader: this.leader,
      commit: this.log.committed, applied: this.log.applied, lastIndex: this.log.lastIndex(),
      snapshotIndex: this.log.snapshot.index, conf: this.log.conf, progress,
    };
  }

  conf(): ConfState {
    return this.log.conf;
  }

  isVoter(peer: PeerId = this.id): boolean {
    return this.log.conf.voters.includes(peer);
  }

  // ---------------------------------------------------------------- internals

  private currentHardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private hardStateChanged(): boolean {
    const p = this.prevHardState;
    return p.term !== this.term || p.vote !== this.vote || p.commit !== this.log.committed;
  }

  /** Committed entries may be handed out only once they exist locally (always true) — bounded by lastIndex. */
  private committedEnd(): number {
    return Math.min(this.log.committed, this.log.lastIndex());
  }

  private send(m: Message, afterPersist: boolean): void {
    if (afterPersist) {
      // Acknowledgements are cumulative: a follower that handled several appends in one Ready sends
      // the leader one app-resp (the highest index) instead of one per append.
      const last = this.msgsAfterPersist[this.msgsAfterPersist.length - 1];
      if (m.type === 'app-resp' && !m.reject && last && last.type === 'app-resp' && !last.reject && last.to === m.to && last.term === m.term) {
        this.msgsAfterPersist[this.msgsAfterPersist.length - 1] = m.index >= last.index ? m : last;
        return;
      }
      this.msgsAfterPersist.push(m);
    } else {
      this.msgs.push(m);
    }
  }

  private resetRandomizedElectionTimeout(): void {
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.prng.nextInt(this.cfg.electionTicks);
  }

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = null;
    }
    this.leader = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.votes.clear();
    this.pendingConfIndex = 0;
    this.appendPending = false;
  }

  private becomeFollower(term: number, leader: PeerId | null): void {
    this.reset(term);
    this.role = 'follower';
    this.leader = leader;
    this.progress.clear();
  }

  private becomePreCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become pre-candidate');
    // PreVote (dissertation §9.6): ask first, without touching term or vote.
    this.role = 'pre-candidate';
    this.leader = null;
    this.votes.clear();
    this.resetRandomizedElectionTimeout();
  }

  private becomeCandidate(): void {
    assert(this.role !== 'leader', 'leader cannot become candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'only a candidate becomes leader');
    this.reset(this.term);
    this.role = 'leader';
    this.leader = this.id;
    this.progress.clear();
    this.syncProgress();
    const self = this.progress.get(this.id);
    if (self) {
      self.match = this.log.stableIndex;
      self.next = this.log.lastIndex() + 1;
    }
    for (const pr of this.progress.values()) pr.recentActive = true;
    // The no-op of the new term (Raft §8): commits everything before it, and marks the point after
    // which configuration changes are allowed (Ongaro's single-server-change fix).
    const noop = this.appendProposals([{ data: new Uint8Array(0) }]);
    this.pendingConfIndex = noop;
  }

  private promotable(): boolean {
    return this.log.conf.voters.includes(this.id);
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup();
    }
  }

  private tickHeartbeat(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.quorumActive()) {
          // CheckQuorum: a leader cut off from a majority stops acting as leader.
          this.becomeFollower(this.term, null);
          return;
        }
        for (const [peer, pr] of this.progress) pr.recentActive = peer === this.id;
      }
    }
    if (this.role === 'leader' && this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.bcastHeartbeat();
    }
  }

  private quorumActive(): boolean {
    const voters = this.log.conf.voters;
    let active = 0;
    for (const v of voters) if (v === this.id || this.progress.get(v)?.recentActive) active++;
    return active >= majority(voters.length);
  }

  private hup(): void {
    if (this.role === 'leader' || !this.promotable()) return;
    if (this.cfg.preVote) this.campaignRound(true);
    else this.campaignRound(false);
  }

  private campaignRound(pre: boolean): void {
    if (pre) this.becomePreCandidate();
    else this.becomeCandidate();
    const voteTerm = pre ? this.term + 1 : this.term;
    const type = pre ? 'prevote' : 'vote';
    for (const peer of this.log.conf.voters) {
      if (peer === this.id) continue;
      this.send(message({ type, from: this.id, to: peer, term: voteTerm, index: this.log.lastIndex(), logTerm: this.log.lastTerm() }), true);
    }
    this.recordVote(this.id, true, pre);
  }

  private recordVote(from: PeerId, granted: boolean, pre: boolean): void {
    this.votes.set(from, granted);
    const result = voteResult(this.log.conf.voters, this.votes);
    if (result === 'won') {
      if (pre) this.campaignRound(false);
      else this.becomeLeader();
    } else if (result === 'lost') {
      this.becomeFollower(this.term, null);
    }
  }

  private stepVoteRequest(m: Message): void {
    const pre = m.type === 'prevote';
    const canVote = this.vote === m.from || (this.vote === null && this.leader === null) || (pre && m.term > this.term);
    const respType = pre ? 'prevote-resp' : 'vote-resp';
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      // Raft §5.2/§5.4.1: grant. The response carries the request's term so a pre-candidate counts it.
      this.send(message({ type: respType, from: this.id, to: m.from, term: m.term }), true);
      if (!pre) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send(message({ type: respType, from: this.id, to: m.from, term: this.term, reject: true }), true);
    }
  }

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'app':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleHeartbeat(m);
        break;
      case 'snap':
        this.electionElapsed = 0;
        this.leader = m.from;
        this.handleSnapshot(m);
        break;
      default:
        break;
    }
  }

  private stepCandidate(m: Message): void {
    const pre = this.role === 'pre-candidate';
    switch (m.type) {
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.handleAppend(m);
        break;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.handleHeartbeat(m);
        break;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.handleSnapshot(m);
        break;
      case 'prevote-resp':
        if (pre) this.recordVote(m.from, !m.reject, true);
        break;
      case 'vote-resp':
        if (!pre) this.recordVote(m.from, !m.reject, false);
        break;
      default:
        break;
    }
  }

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (!pr) return;
    switch (m.type) {
      case 'app-resp':
        pr.recentActive = true;
        this.handleAppendResponse(m, pr);
        break;
      case 'heartbeat-resp':
        pr.recentActive = true;
        pr.probeSent = false;
        if (pr.state === 'snapshot') pr.becomeProbe(); // a lost snapshot is re-sent via probing
        if (pr.state === 'replicate' && pr.match < this.log.lastIndex()) {
          // An append may have been lost: an empty append at next−1 is accepted when nothing is
          // missing, or rejected, which drops the follower back to probing and retransmits.
          this.sendEmptyAppend(m.from, pr);
        } else if (pr.match < this.log.lastIndex() || pr.state === 'probe') {
          this.sendAppend(m.from, pr);
        }
        break;
      default:
        break;
    }
  }

  private handleAppendResponse(m: Message, pr: Progress): void {
    if (m.reject) {
      // Fast backtracking: jump to the follower's hint, skipping whole terms at once.
      const probe = m.logTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
      if (pr.maybeDecrTo(m.index, probe)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(m.from, pr);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (!pr.maybeUpdate(m.index)) {
      if (wasPaused && !pr.isPaused()) this.sendAppend(m.from, pr);
      return;
    }
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) pr.becomeProbe();
    if (this.maybeCommit()) this.commitAdvanced();
    else this.sendAppend(m.from, pr);
    // Keep the pipeline full.
    while (pr.state === 'replicate' && !pr.isPaused() && pr.next <= this.log.lastIndex()) {
      if (!this.sendAppend(m.from, pr)) break;
    }
  }

  private handleAppend(m: Message): void {
    if (m.index < this.log.committed) {
      this.send(message({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: this.log.committed }), true);
      return;
    }
    const before = this.log.confIndex;
    const lastNew = this.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
    if (this.log.confIndex !== before) this.syncProgress();
    if (lastNew !== null) {
      this.send(message({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: lastNew }), true);
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(m.index, this.log.lastIndex()), m.logTerm);
    this.send(message({
      type: 'app-resp', from: this.id, to: m.from, term: this.term,
      index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term,
    }), true);
  }

  private handleHeartbeat(m: Message): void {
    this.log.commitTo(Math.min(m.commit, this.log.lastIndex()));
    this.send(message({ type: 'heartbeat-resp', from: this.id, to: m.from, term: this.term }), true);
  }

  private handleSnapshot(m: Message): void {
    const snap = m.snapshot;
    if (!snap || snap.index <= this.log.committed) {
      this.send(message({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: this.log.committed }), true);
      return;
    }
    this.log.restore(snap);
    this.send(message({ type: 'app-resp', from: this.id, to: m.from, term: this.term, index: this.log.lastIndex() }), true);
  }

  private stepProposal(m: Message): void {
    if (this.role === 'leader') {
      for (const e of m.entries) {
        // Forwarded proposals that are not acceptable now are dropped; the proposer retries.
        if (this.checkConfProposal(e.conf) === null) this.appendProposals([{ data: e.data, conf: e.conf }]);
      }
      return;
    }
    if (this.leader !== null && this.cfg.forwardProposals && m.from !== this.leader) {
      this.send(message({ ...m, from: this.id, to: this.leader }), true);
    }
  }

  private checkConfProposal(conf: ConfChange | undefined): ProposeError | null {
    if (!conf) return null;
    if (this.pendingConfIndex > this.log.committed) {
      return { code: 'conf-change-pending', message: `a configuration change (index ${this.pendingConfIndex}) is not committed yet; one server at a time` };
    }
    const next = applyConfChange(this.log.conf, conf);
    if (next.voters.length === 0) return { code: 'invalid-conf-change', message: `${conf.op} ${conf.peer} would leave no voters` };
    return null;
  }

  /** Leader: appends proposals at the current term; returns the last index. */
  private appendProposals(drafts: readonly { readonly data: Uint8Array; readonly conf?: ConfChange }[]): number {
    const before = this.log.confIndex;
    for (const d of drafts) {
      const index = this.log.lastIndex() + 1;
      const data = this.cfg.seal && d.data.length > 0 ? this.cfg.seal(d, this.term, index) : d.data;
      this.log.append([d.conf ? { term: this.term, index, data, conf: d.conf } : { term: this.term, index, data }]);
      if (d.conf) this.pendingConfIndex = index;
    }
    if (this.log.confIndex !== before) this.syncProgress();
    // Sent when the host next takes a Ready: every proposal of one event-loop turn (and entries
    // forwarded by followers) leaves in one append per follower, not one append per proposal.
    this.appendPending = true;
    return this.log.lastIndex();
  }

  /** Sends the entries appended since the last Ready to every follower that is not paused. */
  private flushAppends(): void {
    if (!this.appendPending) return;
    this.appendPending = false;
    if (this.role !== 'leader') return;
    for (const [peer, pr] of this.progress) if (peer !== this.id) this.sendAppend(peer, pr);
  }

  /** Makes the progress map match the configuration in effect (leader), and handles removal. */
  private syncProgress(): void {
    if (this.role !== 'leader') return;
    const members = new Set([...this.log.conf.voters, ...this.log.conf.learners]);
    for (const peer of members) {
      if (!this.progress.has(peer)) {
        const pr = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightMsgs);
        pr.recentActive = true;
        this.progress.set(peer, pr);
      }
    }
    for (const peer of [...this.progress.keys()]) if (!members.has(peer) && peer !== this.id) this.progress.delete(peer);
    if (!this.progress.has(this.id)) {
      const self = new Progress(this.log.lastIndex() + 1, this.cfg.maxInflightMsgs);
      self.match = this.log.stableIndex;
      this.progress.set(this.id, self);
    }
  }

  /** Raft §5.4.2: only an entry of the current term is committed by counting replicas. */
  private maybeCommit(): boolean {
    const index = committedIndex(this.log.conf.voters, (p) => this.progress.get(p)?.match ?? 0);
    if (index > this.log.committed && this.log.term(index) === this.term) {
      this.log.commitTo(index);
      if (!this.isVoter() && this.log.committed >= this.log.confIndex) {
        // Removed (or demoted) leader: it managed the cluster until its removal committed (§4.2.2).
        this.bcastAppend();
        this.becomeFollower(this.term, null);
        return false;
      }
      return true;
    }
    return false;
  }

  /** The commit index moved: broadcast it (eager) or send only pending entries (lazy; see eagerCommit). */
  private commitAdvanced(): void {
    if (this.cfg.eagerCommit) {
      this.bcastAppend();
      return;
    }
    for (const [peer, pr] of this.progress) if (peer !== this.id) this.sendAppend(peer, pr);
  }

  /** Sends new entries to every follower, or an empty append carrying the commit index. */
  private bcastAppend(): void {
    for (const [peer, pr] of this.progress) if (peer !== this.id) this.sendAppend(peer, pr, true);
  }

  private sendEmptyAppend(to: PeerId, pr: Progress): void {
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === null) {
      // Compacted away: fall back to probing, which sends the snapshot.
      pr.becomeProbe();
      this.sendAppend(to, pr);
      return;
    }
    this.send(message({ type: 'app', from: this.id, to, term: this.term, index: prevIndex, logTerm: prevTerm, commit: Math.min(this.log.committed, prevIndex) }), false);
  }

  private bcastHeartbeat(): void {
    for (const [peer, pr] of this.progress) {
      if (peer === this.id) continue;
      this.send(message({ type: 'heartbeat', from: this.id, to: peer, term: this.term, commit: Math.min(pr.match, this.log.committed) }), false);
    }
  }

  /** Sends one append (or the snapshot) if the follower is not paused; true when something was sent. */
  private sendAppend(to: PeerId, pr: Progress, sendIfEmpty = false): boolean {
    if (pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    if (prevTerm === null || pr.next < this.log.firstIndex()) {
      const snap = this.log.snapshot;
      pr.becomeSnapshot(snap.index);
      this.send(message({ type: 'snap', from: this.id, to, term: this.term, snapshot: snap }), false);
      return true;
    }
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxEntriesPerMsg);
    if (entries.length === 0 && !sendIfEmpty && pr.state === 'replicate') return false;
    this.send(message({ type: 'app', from: this.id, to, term: this.term, index: prevIndex, logTerm: prevTerm, entries, commit: this.log.committed }), false);
    if (entries.length > 0) pr.sentEntries(entries[entries.length - 1]!.index);
    else if (pr.state === 'probe') pr.probeSent = true;
    return true;
  }
}
