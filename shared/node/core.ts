// NodeCore: the whole revoada node as one pure state machine. It owns the three layers — gossip
// membership (layer A), the consensus node (layer B) and the policy engine (layer C) — and the glue
// between them:
//   gossip → Raft peers: every member whose signed NodeState advertises a raft address and whose
//            membership proof (HMAC(secret, cluster id, node id) under RAFT_PROOF_KEY) checks out
//            becomes a transport peer (a `peer` effect);
//   gossip → Raft config: the leader adds such healthy members as learners, one change at a time;
//   gossip + Raft → policy: every node ticks the engine over the Raft members with their gossip
//            health (followers only observe, so a new leader inherits the damping history); the
//            leader proposes its role changes (voters = etcd holders, atomically);
//   Raft → gossip: our committed roles are re-advertised in our NodeState.
//
// No I/O, no clock, no randomness of its own: time comes in as monotonic milliseconds on every
// call, wall time / HMAC / signatures / the PRNG through ports, and everything the node wants done
// goes out as data. HOST LOOP (electron/node/host.ts and the simulator both do this):
//   core.tick(nowMs)                      — every raftTickMs (the simulator), or only at
//                                           core.nextDeadlineMs() and after inputs (the host: one
//                                           timer, re-armed after every wake; same behaviour)
//   core.receiveGossip(bytes, from, nowMs) — each UDP datagram
//   core.receiveRaft(msg, nowMs?)         — each authenticated Raft message (with nowMs, the Raft
//                                           ticks a sleeping host skipped are caught up first)
//   while (core.hasReady()) { const rd = core.ready();
//     send(rd.messages); persist(rd) /* snapshot, entries, hard state, fsync */;
//     send(rd.messagesAfterPersist); const snap = core.advance(rd, nowMs); if (snap) persistSnapshot(snap); }
//   const fx = core.takeEffects()         — datagrams to send, transport peers, log records,
//                                           settled proposals
import { encodeChainBare, encodeChainEnvelope } from '../attestation/chain-file';
import { ConsensusNode, type ConsensusTuning } from '../consensus/node';
import type { ProposeError, ProposeOk, Ready, RestoredState } from '../consensus/raft';
import type { Message, Snapshot } from '../consensus/types';
import type { Ed25519Signer, Ed25519Verifier } from '../crypto/ed25519';
import type { CommandResult, MemberDto, NodeStatusDto, RaftRoleState } from '../ipc/contract';
import { toHex, utf8Encode } from '../kit/bytes';
import { describeJsonError, parseJson } from '../kit/json';
import type { Prng } from '../kit/prng';
import type { Result } from '../kit/result';
import { Membership, type LocalStateInput, type MemberView as GossipMember, type MembershipEvent, type Outgoing } from '../membership/machine';
import type { NodeCapacity } from '../membership/node-state';
import { formatSocketAddr, type SocketAddr } from '../membership/wire';
import { PolicyEngine, type DampingConfig, type PolicyDecision } from '../policy/engine';
import { checkFabricStrategyText, encodeFabricStrategyJson, formatDiagnostic } from '../policy/fabric';
import { encodeSnapshot } from '../policy/snapshot';
import type { MembershipView, MemberView } from '../policy/view';
import { PRESCRIBED_HOMELAB, type FabricStrategy } from '../types/fabric';
import type { NodeId } from '../types/node-id';
import { decodeRoleAssignment, describeRoleAssignment, type RoleAssignment } from '../types/roles';
import { HOMELAB_TARGET, type TargetTopology } from '../types/target';

/** Gossip key holding HMAC(secret, cluster id, node id): proof that a member holds the secret. */
export const RAFT_PROOF_KEY = 'revoada.raft.proof';

export type LogLevel = 'info' | 'warn' | 'error';

/** One event-log record (the host formats and writes it). */
export interface CoreLogRecord {
  readonly level: LogLevel;
  readonly layer: string;
  readonly event: string;
  readonly message: string;
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface NodeCorePorts {
  readonly signer: Ed25519Signer;
  readonly verifier: Ed25519Verifier;
  /** HMAC-SHA256 (the membership proof). */
  readonly hmacSha256: (key: Uint8Array, data: Uint8Array) => Uint8Array;
  /** Wall-clock ms since the epoch: attestation timestamps and the chain export only. */
  readonly wallClock: { nowMs(): number };
  /** Seeds the Raft and gossip PRNGs (the host seeds it from the OS, the simulator from its seed). */
  readonly prng: Prng;
}

export interface NodeCoreOptions {
  readonly clusterId: string;
  /** The gossip address we listen on and advertise. */
  readonly gossipAddr: SocketAddr;
  /** "host:port" of our Raft transport, or null when there is no cluster secret. */
  readonly raftAddr: string | null;
  readonly seeds: readonly SocketAddr[];
  /** Human form of the seeds for the "no seed answered" warning. */
  readonly seedsText?: string;
  /** Must change on every restart (the host passes the wall time in ms). */
  readonly generation: bigint;
  /** The cluster secret key, or null: gossip only, no Raft. */
  readonly secret: { readonly key: Uint8Array; readonly fingerprint: string } | null;
  /** 'if-empty': start a one-voter cluster when `restored` holds nothing; true: must be empty. */
  readonly bootstrap: boolean | 'if-empty';
  /** What the WAL read back (absent = empty). */
  readonly restored?: RestoredState;
  readonly capacity: NodeCapacity;
  readonly timing?: FabricStrategy['membership'];
  /** A FabricStrategy (already validated) this node proposes once it leads, if it differs. */
  readonly strategy?: FabricStrategy;
  /** Milliseconds per Raft tick (default 5). */
  readonly raftTickMs?: number;
  readonly consensusTuning?: Partial<ConsensusTuning>;
  /** Glue period: peers, learners, advertised roles, log lines (default 50 ms). */
  readonly glueEveryMs?: number;
  /** Policy period (default 250 ms). */
  readonly policyEveryMs?: number;
  readonly damping?: DampingConfig;
  /** How long a Raft member missing from gossip counts as "not yet heard" rather than dead. */
  readonly gossipGraceMs?: number;
  readonly deadNodeGraceMs?: number;
  /** How long a proposal may take to apply here before it is reported as not committed. */
  readonly proposalTimeoutMs?: number;
}

/** A transport peer learned from gossip. */
export interface PeerEffect {
  readonly id: NodeId;
  readonly host: string;
  readonly port: number;
}

export interface SettledProposal {
  readonly ticket: number;
  readonly result: CommandResult;
}

export interface CoreEffects {
  readonly datagrams: readonly Outgoing[];
  readonly peers: readonly PeerEffect[];
  readonly log: readonly CoreLogRecord[];
  readonly settled: readonly SettledProposal[];
  /** Membership events (health and state changes) since the last call. */
  readonly gossipEvents: readonly MembershipEvent[];
  /** Policy decisions of the ticks since the last call (proposed and withheld). */
  readonly decisions: readonly PolicyDecision[];
}

/** A console command: settled at once, or a ticket settled later in takeEffects().settled. */
export type Submitted = { readonly done: CommandResult } | { readonly ticket: number };

type Proposer = (n: ConsensusNode) => Result<ProposeOk, ProposeError>;

interface Pending {
  readonly ticket: number;
  readonly what: string;
  readonly index: number;
  readonly term: number;
  readonly deadlineMs: number;
  readonly onSettle?: (r: CommandResult) => void;
}

const RAFT_ADDR = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/;

/** The next run of a periodic task that is due now: one period on (its phase kept), or a period from now if it fell behind. */
function nextPeriod(dueMs: number, periodMs: number, nowMs: number): number {
  const next = dueMs + periodMs;
  return next > nowMs ? next : nowMs + periodMs;
}

function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class NodeCore {
  readonly nodeId: NodeId;
  readonly membership: Membership;
  readonly consensus: ConsensusNode | null;
  private readonly policy: PolicyEngine;
  private readonly o: NodeCoreOptions;
  private readonly raftTickMs: number;
  private readonly glueEveryMs: number;
  private readonly policyEveryMs: number;
  private readonly startMs: number;
  private raftTicksDone = 0;
  /** The Raft tick the host planned to wake for (nextDeadlineMs): ticks before it were skipped on purpose. */
  private raftPlannedTick = 0;
  private nextGlueMs: number;
  private nextPolicyMs: number;
  /**
   * Something the glue reads may have changed since it last ran (an input, a membership event, a
   * Raft tick that acted, a Ready). A clean glue run is a no-op, so it waits for the policy period.
   */
  private glueDirty = true;
  private lastMembershipTickMs: number;
  /** membershipDeadlineMs() as of the last membership tick or datagram (null: to compute). */
  private membershipDueMs: number | null = null;
  /** Every peer was healthy at the last look and no membership event came since (see tickAfterGossip). */
  private membershipSettled = false;
  private nowMs: number;
  private readonly myProof: string | null;

  private outDatagrams: Outgoing[] = [];
  private outPeers: PeerEffect[] = [];
  private outLog: CoreLogRecord[] = [];
  private outSettled: SettledProposal[] = [];
  private outEvents: MembershipEvent[] = [];
  private outDecisions: PolicyDecision[] = [];

  private readonly pending = new Map<number, Pending[]>();
  private nextTicket = 1;
  private readonly withheld = new Set<string>();
  private loggedChain = 0;
  private lastRaftRole = '';
  private advertisedRoles = '';
  private readonly peersSet = new Map<string, string>();
  private strategyProposed = false;
  private readonly foreignSecret = new Set<string>();
  private seedWarned = false;
  private policyShapeIndex = 0;
  /** The leader's role proposals not yet applied (the engine only observes meanwhile). */
  private inflight: Array<{ readonly index: number; readonly term: number }> = [];
  /** Expected membership proofs by node id (one HMAC per member, not one per member per tick). */
  private readonly proofs = new Map<string, string>();

  constructor(options: NodeCoreOptions, private readonly ports: NodeCorePorts, nowMs: number) {
    this.o = options;
    this.nowMs = nowMs;
    this.startMs = nowMs;
    this.raftTickMs = options.raftTickMs ?? 5;
    this.glueEveryMs = options.glueEveryMs ?? 50;
    this.policyEveryMs = options.policyEveryMs ?? 250;
    this.nextGlueMs = nowMs + this.glueEveryMs;
    this.nextPolicyMs = nowMs + this.policyEveryMs;
    this.lastMembershipTickMs = nowMs;
    this.policy = new PolicyEngine({ target: HOMELAB_TARGET, ...(options.damping ? { damping: options.damping } : {}) });
    if (options.secret !== null) {
      const node = new ConsensusNode({
        signer: ports.signer, verifier: ports.verifier, prng: ports.prng.fork(), clock: ports.wallClock,
        tuning: { electionTicks: 20, heartbeatTicks: 4, witnessBatchTicks: 20, witnessRetryTicks: 100, ...options.consensusTuning },
      }, options.restored);
      if (options.bootstrap) {
        const r = options.restored;
        const empty = !r || (r.entries.length === 0 && r.snapshot === null);
        if (empty) node.bootstrap();
        else if (options.bootstrap !== 'if-empty') throw new Error('--bootstrap needs an empty data dir');
      }
      this.consensus = node;
    } else {
      this.consensus = null;
    }
    this.membership = new Membership({
      clusterId: options.clusterId,
      generation: options.generation,
      advertiseAddr: options.gossipAddr,
      seeds: options.seeds,
      timing: options.timing ?? PRESCRIBED_HOMELAB.membership,
      rngSeed: ports.prng.nextU32(),
      ...(options.deadNodeGraceMs !== undefined ? { deadNodeGraceMs: options.deadNodeGraceMs } : {}),
    }, { signer: ports.signer, verifier: ports.verifier }, nowMs);
    this.nodeId = this.membership.nodeId;
    this.membership.setLocalState(this.localState());
    this.myProof = options.secret ? this.proofFor(this.nodeId) : null;
    if (this.myProof !== null) this.membership.setKey(RAFT_PROOF_KEY, this.myProof);
    this.flushGossip();
  }

  // ---- inputs -------------------------------------------------------------------------------

  /** Advances every layer to `nowMs` (monotonic ms): Raft ticks, a gossip round, glue, policy. */
  tick(nowMs: number): void {
    this.nowMs = Math.max(this.nowMs, nowMs);
    this.catchUpRaft();
    this.membership.tick(this.nowMs);
    this.lastMembershipTickMs = this.nowMs;
    this.membershipDueMs = null;
    this.membershipSettled = false;
    this.flushGossip();
    if (this.nowMs >= this.nextGlueMs) {
      this.nextGlueMs = nextPeriod(this.nextGlueMs, this.glueEveryMs, this.nowMs);
      if (this.glueDirty || this.seedWarningPending() || this.nowMs >= this.nextPolicyMs) this.glue();
    }
    this.expireProposals();
  }

  /** Peers and learners from gossip, our roles into gossip, the policy when due, log lines. */
  private glue(): void {
    const node = this.consensus;
    this.glueDirty = false;
    const gossip = this.gossipMembers();
    this.connectLayers(gossip);
    // The policy runs every policyEveryMs, and at once on the leader when the applied shape
    // moved: a dead voter's replacement needs two voter changes in turn (Raft takes one at a
    // time), so the second is proposed as soon as the first commits, not a policy period later.
    const applied = node?.state.shape.lastAppliedIndex ?? 0;
    const shapeMoved = applied !== this.policyShapeIndex && node?.isLeader() === true;
    if (shapeMoved || this.nowMs >= this.nextPolicyMs) {
      if (this.nowMs >= this.nextPolicyMs) this.nextPolicyMs = nextPeriod(this.nextPolicyMs, this.policyEveryMs, this.nowMs);
      this.policyShapeIndex = applied;
      this.runPolicy(gossip);
    }
    this.logRaft();
  }

  /** The "no seed answered in 10 s" warning may still be due (the glue checks it every period). */
  private seedWarningPending(): boolean {
    return !this.seedWarned && this.o.seeds.length > 0 && this.nowMs - this.startMs <= 10_000;
  }

  /** One UDP datagram and its source address; never throws. */
  receiveGossip(bytes: Uint8Array, from: SocketAddr, nowMs: number): void {
    this.nowMs = Math.max(this.nowMs, nowMs);
    this.glueDirty = true;
    const events = this.outEvents.length;
    this.membership.receive(bytes, from, this.nowMs);
    this.flushGossip();
    if (this.outEvents.length !== events) {
      this.membershipSettled = false;
      this.membershipDueMs = null;
    } else if (this.membershipDueMs !== null) {
      // A heartbeat heard now can move that peer's verdict no earlier than now + timeout (its
      // silence restarts; m ≥ 1); stalls seen here only push verdicts later.
      this.membershipDueMs = Math.min(this.membershipDueMs, this.nowMs + this.timing().failureDetectorTimeoutMs);
    }
  }

  /**
   * Whether a tick right after the datagrams received so far can change a peer's verdict: some
   * peer is not healthy (a heartbeat may revive it) or the datagrams created or changed a member.
   * When false, every peer was healthy and stays so until nextDeadlineMs(): the host may leave the
   * tick to that deadline. (True until nextDeadlineMs() has looked after the last tick.)
   */
  tickAfterGossip(): boolean {
    return !this.membershipSettled;
  }

  /**
   * One authenticated Raft message (the transport checked who sent it). With `nowMs`, the Raft
   * ticks due by then run first, so a host that sleeps between deadlines steps every message
   * against timers as current as a host that ticks every raftTickMs.
   */
  receiveRaft(m: Message, nowMs?: number): void {
    if (nowMs !== undefined) {
      this.nowMs = Math.max(this.nowMs, nowMs);
      this.catchUpRaft();
    }
    this.glueDirty = true;
    this.consensus?.step(m);
  }

  /**
   * The next instant (monotonic ms, as passed to tick) at which tick() has work that cannot wait:
   * a Raft tick that can act (heartbeat, CheckQuorum, election, witness batch), the next gossip
   * round, the earliest moment a peer's health verdict can change (every raftTickMs while one is
   * suspect, as before), the membership's stall guard (a tick at least every half cadence), the
   * glue/policy period and the first proposal expiry. A host that ticks only at this instant and
   * after its inputs (receiveRaft with nowMs) behaves as one that ticks every raftTickMs: the ticks
   * it sleeps through would have changed nothing but counters, which tick() catches up.
   */
  nextDeadlineMs(): number {
    // Only the membership's own calls move its deadline (a Raft message or a command does not).
    if (this.membershipDueMs === null || this.membershipDueMs <= this.nowMs) this.membershipDueMs = this.membershipDeadlineMs();
    let next = Math.min(this.glueDeadlineMs(), this.membershipDueMs);
    const node = this.consensus;
    if (node) {
      const ticks = node.ticksUntilDue();
      if (Number.isFinite(ticks)) next = Math.min(next, this.startMs + (this.raftTicksDone + ticks) * this.raftTickMs);
    }
    for (const list of this.pending.values()) for (const p of list) next = Math.min(next, p.deadlineMs);
    if (node) this.raftPlannedTick = Math.floor((next - this.startMs) / this.raftTickMs);
    return next;
  }

  // ---- Raft ready / advance -----------------------------------------------------------------

  hasReady(): boolean {
    return this.consensus?.hasReady() ?? false;
  }

  ready(): Ready {
    if (!this.consensus) throw new Error('no consensus node (no cluster secret)');
    return this.consensus.ready();
  }

  /**
   * After rd.messages were sent, rd was made durable and rd.messagesAfterPersist sent: applies it.
   * Returns a compaction snapshot the host must persist (after which the WAL may drop entries).
   */
  advance(rd: Ready): Snapshot | null {
    const node = this.consensus;
    if (!node) return null;
    this.glueDirty = true;
    node.advance(rd);
    if (rd.committed.length > 0 || rd.snapshot) this.settleApplied();
    this.settleLost();
    return node.shouldCompact() ? node.compact() : null;
  }

  takeEffects(): CoreEffects {
    this.flushGossip();
    const fx: CoreEffects = {
      datagrams: this.outDatagrams, peers: this.outPeers, log: this.outLog, settled: this.outSettled,
      gossipEvents: this.outEvents, decisions: this.outDecisions,
    };
    this.outDatagrams = [];
    this.outPeers = [];
    this.outLog = [];
    this.outSettled = [];
    this.outEvents = [];
    this.outDecisions = [];
    return fx;
  }

  /** The seeds after the host re-resolved their host names. */
  setSeeds(seeds: readonly SocketAddr[]): void {
    this.membership.setSeeds(seeds);
  }

  // ---- console commands ---------------------------------------------------------------------

  /** Proposes through Raft; settles once applied here (or with the reason it was not). */
  submit(what: string, propose: Proposer, onSettle?: (r: CommandResult) => void): Submitted {
    const node = this.consensus;
    const finish = (r: CommandResult): Submitted => {
      onSettle?.(r);
      return { done: r };
    };
    if (!node) return finish({ ok: false, message: 'this node has no cluster secret, so it cannot propose changes' });
    const r = propose(node);
    if (!r.ok) return finish({ ok: false, message: `${what}: ${r.error.message}` });
    if (!('index' in r.value)) return finish({ ok: true, message: `${what}: forwarded to ${r.value.forwardedTo.slice(0, 12)} (the leader commits it)` });
    const { index, term } = r.value;
    if (node.state.appliedIndex >= index) return finish({ ok: true, message: `${what}: committed at raft index ${index}` });
    const ticket = this.nextTicket++;
    const list = this.pending.get(index) ?? [];
    list.push({ ticket, what, index, term, deadlineMs: this.nowMs + (this.o.proposalTimeoutMs ?? 5000), ...(onSettle ? { onSettle } : {}) });
    this.pending.set(index, list);
    return { ticket };
  }

  setTarget(target: TargetTopology): Submitted {
    return this.submit('target', (n) => n.proposeTarget(target));
  }

  applyStrategyText(text: string): Submitted {
    const report = checkFabricStrategyText(text);
    if (report.errors > 0 || report.strategy === null) {
      return { done: { ok: false, message: `the strategy was not applied: ${report.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, 'strategy')).join('; ')}` } };
    }
    const strategy = report.strategy;
    return this.submit(`strategy ${strategy.name}`, (n) => n.proposeStrategy(strategy));
  }

  proposeText(text: string): Submitted {
    const json = parseJson(text);
    if (!json.ok) return { done: { ok: false, message: describeJsonError(json.error, 'assignment') } };
    const assignment = decodeRoleAssignment(json.value, 'assignment');
    if (!assignment.ok) return { done: { ok: false, message: `${assignment.error.path}: ${assignment.error.message}` } };
    return this.proposeRole(assignment.value);
  }

  proposeRole(a: RoleAssignment): Submitted {
    return this.submit(describeRoleAssignment(a), (n) => n.proposeRole(a));
  }

  /** Forgets a ticket (the host gave up waiting). */
  cancel(ticket: number): void {
    for (const [index, list] of this.pending) {
      const rest = list.filter((p) => p.ticket !== ticket);
      if (rest.length === 0) this.pending.delete(index);
      else if (rest.length !== list.length) this.pending.set(index, rest);
    }
  }

  /** Settles every open proposal with 'stopped' (clean shutdown). */
  stop(): void {
    for (const list of this.pending.values()) for (const p of list) this.settle(p, { ok: false, message: `${p.what}: stopped` });
    this.pending.clear();
  }

  // ---- queries ------------------------------------------------------------------------------

  policySnapshotText(): string | null {
    const node = this.consensus;
    if (!node) return null;
    return encodeSnapshot({ view: this.policyView(this.gossipMembers()), shape: node.state.shape, target: node.state.target, topology: null });
  }

  strategyJson(): string | null {
    return this.consensus ? encodeFabricStrategyJson(this.consensus.state.strategy) : null;
  }

  /** The chain as a file: blocks with every witness signature that has reached the log. */
  exportChain(form: 'envelope' | 'rust'): { text: string; blocks: number } {
    const node = this.consensus;
    const blocks = (node?.state.chain ?? []).map((c) => ({ ...c.block, witnessSignatures: [...c.witnesses] }));
    const conf = node?.status().conf;
    const text = form === 'rust' ? encodeChainBare(blocks) : encodeChainEnvelope(blocks, {
      clusterId: this.o.clusterId,
      exportedAtMs: this.ports.wallClock.nowMs(),
      nodeKeys: conf ? [...conf.voters, ...conf.learners].sort() as NodeId[] : [],
    });
    return { text, blocks: blocks.length };
  }

  status(): NodeStatusDto {
    const node = this.consensus;
    const members: MemberDto[] = [];
    const shapeRoles = (id: string) => [...(node?.state.shape.rolesOf(id as NodeId) ?? [])];
    for (const [id, m] of this.gossipMembers()) {
      members.push({
        nodeId: id,
        gossipAddr: `${m.id.addr.ip}:${m.id.addr.port}`,
        health: m.isSelf ? 'healthy' : m.health,
        phi: m.isSelf || m.phi === null || !Number.isFinite(m.phi) ? null : Number(m.phi.toFixed(3)),
        lastHeardMs: m.isSelf ? 0 : m.lastHeardAgeMs === null ? null : Math.round(m.lastHeardAgeMs),
        roles: shapeRoles(id),
      });
    }
    if (!node) {
      return {
        nodeId: this.nodeId, clusterId: this.o.clusterId,
        raft: { state: 'none', term: 0, leaderId: null, commitIndex: 0, appliedIndex: 0, voters: [], learners: [] },
        members, shape: {}, target: { ...HOMELAB_TARGET }, strategy: PRESCRIBED_HOMELAB.name, chain: { length: 0, headHash: null },
      };
    }
    const raft = node.status();
    const state = node.state;
    const inConf = raft.conf.voters.includes(this.nodeId) || raft.conf.learners.includes(this.nodeId);
    const role: RaftRoleState = !inConf ? 'none'
      : raft.conf.learners.includes(this.nodeId) ? 'learner'
      : raft.role === 'pre-candidate' ? 'candidate' : raft.role;
    const shape: Record<string, string[]> = {};
    for (const id of state.shape.nodes()) shape[id] = [...state.shape.rolesOf(id)];
    const head = state.chain[state.chain.length - 1];
    return {
      nodeId: this.nodeId,
      clusterId: this.o.clusterId,
      raft: { state: role, term: raft.term, leaderId: raft.leader, commitIndex: raft.commit, appliedIndex: state.appliedIndex, voters: [...raft.conf.voters], learners: [...raft.conf.learners] },
      members,
      shape,
      target: { ...state.target },
      strategy: state.strategy.name,
      chain: { length: state.chain.length, headHash: head?.hash ?? null },
    };
  }

  /** Whether the policy engine currently counts `id` as flapping. */
  isFlapping(id: NodeId): boolean {
    return this.policy.isFlapping(id, this.nowMs - this.startMs);
  }

  // ---- timing -------------------------------------------------------------------------------

  private timing(): FabricStrategy['membership'] {
    return this.o.timing ?? PRESCRIBED_HOMELAB.membership;
  }

  /** Runs the Raft ticks due by now (a late or sleeping host catches up; see nextDeadlineMs). */
  private catchUpRaft(): void {
    const node = this.consensus;
    if (!node) return;
    const due = Math.floor((this.nowMs - this.startMs) / this.raftTickMs);
    // Ticks up to the planned wake-up were skipped on purpose (none could act); past it the timer
    // was late, and as before a late timer catches up at most 10 ticks at once (after a stall,
    // the node does not fire every election timeout it slept through).
    const limit = Math.max(this.raftPlannedTick - 1 - this.raftTicksDone, 0) + 10;
    const n = Math.min(due - this.raftTicksDone, limit);
    if (n <= 0) return;
    if (n >= node.ticksUntilDue()) this.glueDirty = true;
    for (let i = 0; i < n; i++) node.tick();
    this.raftTicksDone = Math.max(this.raftTicksDone + Math.max(n, 0), due);
  }

  /** The start of the first Raft tick period after now (the granularity the host ticked at before). */
  private nextTickMs(): number {
    return this.startMs + (Math.floor((this.nowMs - this.startMs) / this.raftTickMs) + 1) * this.raftTickMs;
  }

  /**
   * The membership's next deadline (Membership.nextDeadlineMs: its next gossip round, or the first
   * instant a healthy peer's silence passes its suspect limit or chitchat's phi threshold). A
   * suspect or new peer is re-evaluated every Raft tick period; a dead one changes only when it is
   * heard again (an input). Rounded up to the tick grid the host used to tick on.
   */
  private membershipDeadlineMs(): number {
    const view = this.membership.view(this.nowMs);
    this.membershipSettled = view.members.every((p) => p.isSelf || p.superseded || p.health === 'healthy');
    const at = this.membership.nextDeadlineMs(this.nowMs);
    if (!Number.isFinite(at)) return Infinity;
    if (at <= this.nowMs) return this.nextTickMs();
    // A hair earlier than computed (float error must never make us late), on the tick grid.
    const grid = this.startMs + Math.ceil((at - 1e-6 - this.startMs) / this.raftTickMs) * this.raftTickMs;
    // With a live peer, also tick at least every half cadence: the membership reads a longer gap
    // between calls (past cadence + 50 ms) as our own stall, so a late timer must not look like one.
    const live = view.members.some((p) => !p.isSelf && !p.superseded && p.health !== 'dead');
    const guard = live ? this.lastMembershipTickMs + this.timing().gossipCadenceMs / 2 : Infinity;
    return Math.min(guard, grid > this.nowMs ? grid : this.nextTickMs());
  }

  /** The next glue run that has work: the next period when dirty, else the one that runs the policy. */
  private glueDeadlineMs(): number {
    if (this.glueDirty || this.seedWarningPending()) return this.nextGlueMs;
    const periods = Math.max(0, Math.ceil((this.nextPolicyMs - this.nextGlueMs) / this.glueEveryMs - 1e-9));
    return this.nextGlueMs + periods * this.glueEveryMs;
  }

  // ---- glue ---------------------------------------------------------------------------------

  private flushGossip(): void {
    const out = this.membership.drainOutbox();
    if (out.length > 0) this.outDatagrams.push(...out);
    const events = this.membership.drainEvents();
    if (events.length > 0) this.glueDirty = true;
    for (const e of events) {
      this.outEvents.push(e);
      if (e.kind !== 'health') continue;
      const id = e.id.nodeId.slice(0, 12);
      this.outLog.push({ level: e.to === 'dead' ? 'warn' : 'info', layer: 'gossip', event: `member.${e.to}`, message: e.from === 'new' ? `member ${id} joined (${e.to})` : `member ${id} is ${e.to} (was ${e.from})`, fields: { nodeId: e.id.nodeId, addr: `${e.id.addr.ip}:${e.id.addr.port}` } });
    }
  }

  private proofFor(nodeId: string): string {
    const cached = this.proofs.get(nodeId);
    if (cached !== undefined) return cached;
    const proof = this.computeProof(nodeId);
    if (this.proofs.size >= 4096) this.proofs.clear();
    this.proofs.set(nodeId, proof);
    return proof;
  }

  private computeProof(nodeId: string): string {
    const secret = this.o.secret!;
    return toHex(this.ports.hmacSha256(secret.key, utf8Encode(`revoada-raft-member\0${this.o.clusterId}\0${nodeId}`)));
  }

  private localState(): LocalStateInput {
    const roles = this.consensus?.state.shape.rolesOf(this.nodeId) ?? [];
    return {
      gossipAddr: formatSocketAddr(this.o.gossipAddr),
      raftAddr: this.o.raftAddr,
      roles: [...roles],
      capacity: this.o.capacity,
      k8sVersion: '',
      uptimeSec: Math.floor((this.nowMs - this.startMs) / 1000),
      membershipGeneration: 0,
    };
  }

  /** Gossip members that are not superseded by a newer generation, keyed by node id. */
  private gossipMembers(): Map<string, GossipMember> {
    const out = new Map<string, GossipMember>();
    for (const m of this.membership.view(this.nowMs).members) {
      if (m.superseded) continue;
      out.set(m.state?.nodeId ?? m.id.nodeId, m);
    }
    return out;
  }

  /** True when the member proved it holds our cluster secret. */
  private provenMember(m: GossipMember): boolean {
    if (!this.o.secret || m.state === null) return false;
    const claimed = this.membership.getPeerKey(m.key, RAFT_PROOF_KEY);
    if (claimed === null || !/^[0-9a-f]{64}$/.test(claimed)) return false;
    return constantTimeEqualHex(claimed, this.proofFor(m.state.nodeId));
  }

  /** Raft peers and learners from gossip; our roles back into gossip. */
  private connectLayers(gossip: Map<string, GossipMember>): void {
    const node = this.consensus;
    if (!node) {
      this.warnAboutMembership(gossip);
      return;
    }
    const conf = node.status().conf;
    const members = new Set([...conf.voters, ...conf.learners]);
    let learnerProposed = false;
    this.warnAboutMembership(gossip);
    for (const [id, m] of gossip) {
      if (m.isSelf || m.state?.raftAddr == null || !this.provenMember(m)) continue;
      const addr = m.state.raftAddr;
      if (this.peersSet.get(id) !== addr) {
        const match = RAFT_ADDR.exec(addr);
        if (match) {
          this.outPeers.push({ id: id as NodeId, host: match[1] ?? match[2]!, port: Number(match[3]) });
          this.peersSet.set(id, addr);
        }
      }
      if (!learnerProposed && node.isLeader() && !members.has(id) && m.health === 'healthy') {
        learnerProposed = true;
        const added = node.addLearner(id as NodeId);
        if (added.ok) this.outLog.push({ level: 'info', layer: 'raft', event: 'raft.add-learner', message: `adding ${id.slice(0, 12)} as a learner (it gossips with our cluster secret's proof)` });
      }
    }
    const roles = [...node.state.shape.rolesOf(this.nodeId)].join(',');
    if (roles !== this.advertisedRoles) {
      this.advertisedRoles = roles;
      this.membership.setLocalState(this.localState());
      this.flushGossip();
    }
  }

  /** One clear event-log line for a member holding a different cluster secret, or a seed never heard. */
  private warnAboutMembership(gossip: Map<string, GossipMember>): void {
    const secret = this.o.secret;
    if (secret) {
      for (const [id, m] of gossip) {
        if (m.isSelf || m.state === null || this.foreignSecret.has(id)) continue;
        const claimed = this.membership.getPeerKey(m.key, RAFT_PROOF_KEY);
        if (claimed !== null && !this.provenMember(m)) {
          this.foreignSecret.add(id);
          this.outLog.push({ level: 'warn', layer: 'raft', event: 'secret.mismatch', message: `member ${id.slice(0, 12)} (${m.id.addr.ip}:${m.id.addr.port}) holds a different cluster secret, so it will not be admitted to Raft — copy the bootstrap node's secret file to it (ours has fingerprint ${secret.fingerprint})` });
        }
      }
    }
    if (!this.seedWarned && this.o.seeds.length > 0 && this.nowMs - this.startMs > 10_000 && [...gossip.values()].every((m) => m.isSelf)) {
      this.seedWarned = true;
      const seeds = this.o.seedsText ?? this.o.seeds.map(formatSocketAddr).join(', ');
      this.outLog.push({ level: 'warn', layer: 'gossip', event: 'seed.unreachable', message: `no member answered in 10 s from the seeds ${seeds} — check the address, the --cluster-id, and that UDP is not blocked` });
    }
  }

  /** What the policy engine sees: the Raft members, with their gossip health. */
  policyView(gossip: Map<string, GossipMember> = this.gossipMembers()): MembershipView {
    const node = this.consensus;
    if (!node) return { members: [] };
    const raft = node.status();
    const members: MemberView[] = [];
    const young = this.nowMs - this.startMs < (this.o.gossipGraceMs ?? 10_000);
    for (const id of [...raft.conf.voters, ...raft.conf.learners]) {
      const isSelf = id === this.nodeId;
      const seen = gossip.get(id);
      const health = isSelf ? 'healthy' : seen ? seen.health : young ? 'suspect' : 'dead';
      const match = raft.progress[id]?.match ?? 0;
      members.push({
        id: id as NodeId,
        health,
        raft: raft.conf.voters.includes(id) ? 'voter' : 'learner',
        caughtUp: isSelf || match + 64 >= raft.lastIndex,
      });
    }
    return { members };
  }

  private runPolicy(gossip: Map<string, GossipMember>): void {
    const node = this.consensus;
    if (!node) return;
    const state = node.state;
    if (this.policy.target !== state.target) this.policy.reconfigure({ target: state.target });
    // Every node ticks the engine (followers only observe), so a new leader inherits the damping
    // and flap history instead of starting blind.
    const isLeader = node.isLeader();
    // The engine plans from the applied shape. While the leader's own role proposals are still in
    // flight it only observes: planning again would not see them and would pick further
    // candidates for the same shortfall (over-provisioning) or propose the same command twice.
    this.inflight = isLeader ? this.inflight.filter((p) => p.index > state.appliedIndex && node.raft.log.term(p.index) === p.term) : [];
    // The same holds for entries a new leader inherited from its predecessors: role proposals in
    // its log that are not applied yet are not in the shape either. So a leader plans only once
    // it has applied an entry of its own term (its election no-op, Raft §8): everything before
    // it is applied by then.
    const plan = isLeader && this.inflight.length === 0 && state.appliedTerm === node.raft.term;
    const out = this.policy.tick({ view: this.policyView(gossip), shape: state.shape, isLeader: plan, nowMs: this.nowMs - this.startMs });
    if (!isLeader) return;
    this.outDecisions.push(...out.decisions);
    const wanted = this.o.strategy;
    if (wanted && !this.strategyProposed) {
      this.strategyProposed = true;
      if (encodeFabricStrategyJson(wanted) !== encodeFabricStrategyJson(state.strategy)) {
        this.submit(`strategy ${wanted.name} from --strategy`, (n) => n.proposeStrategy(wanted), (r) => {
          this.outLog.push({ level: r.ok ? 'info' : 'warn', layer: 'policy', event: 'strategy.apply', message: r.message });
          // host.ts never retried a failed --strategy proposal (e.g. leadership lost at once); retry.
          if (!r.ok) this.strategyProposed = false;
        });
      }
    }
    for (const command of out.proposals) {
      const result = node.proposeRole(command);
      if (result.ok && 'index' in result.value) this.inflight.push({ index: result.value.index, term: result.value.term });
      this.outLog.push(result.ok
        ? { level: 'info', layer: 'policy', event: 'policy.propose', message: `proposed ${describeRoleAssignment(command)}` }
        : { level: 'warn', layer: 'policy', event: 'policy.propose-failed', message: `could not propose ${describeRoleAssignment(command)}: ${result.error.message}` });
    }
    for (const decision of out.decisions) {
      if (decision.action !== 'withheld' || decision.reason === 'not_leader') continue;
      const key = `${decision.reason}:${decision.detail}`;
      if (this.withheld.has(key)) continue;
      if (this.withheld.size > 1000) this.withheld.clear();
      this.withheld.add(key);
      this.outLog.push({ level: 'info', layer: 'policy', event: 'policy.withheld', message: `${decision.policy}: withheld (${decision.reason}): ${decision.detail}` });
    }
  }

  /** Event-log lines for Raft role changes and new chain blocks. */
  private logRaft(): void {
    const node = this.consensus;
    if (!node) return;
    const s = node.status();
    const role = `${s.role}/${s.term}/${s.leader ?? ''}`;
    if (role !== this.lastRaftRole) {
      this.lastRaftRole = role;
      this.outLog.push({ level: 'info', layer: 'raft', event: 'raft.role', message: `${s.role} in term ${s.term}${s.leader ? `, leader ${s.leader.slice(0, 12)}` : ''}`, fields: { role: s.role, term: s.term, leader: s.leader } });
    }
    const chain = node.state.chain;
    if (this.loggedChain > chain.length) this.loggedChain = 0;
    for (; this.loggedChain < chain.length; this.loggedChain++) {
      const c = chain[this.loggedChain]!;
      this.outLog.push({ level: 'info', layer: 'chain', event: 'chain.block', message: `block ${this.loggedChain} at raft #${String(c.block.raftLogIndex)}: ${describeRoleAssignment(c.block.assignment)}`, fields: { hash: c.hash } });
    }
  }

  // ---- proposal tracking --------------------------------------------------------------------

  private settle(p: Pending, result: CommandResult): void {
    this.outSettled.push({ ticket: p.ticket, result });
    p.onSettle?.(result);
  }

  private settleApplied(): void {
    const node = this.consensus!;
    const applied = node.state.appliedIndex;
    for (const [index, list] of this.pending) {
      if (index > applied) continue;
      this.pending.delete(index);
      const term = node.raft.log.term(index);
      // No term: the entry is inside a snapshot installed from a new leader (our own compactions
      // run after this), so whether it was ours cannot be told any more.
      for (const p of list) {
        this.settle(p, term === p.term
          ? { ok: true, message: `${p.what}: committed at raft index ${index}` }
          : { ok: false, message: term === null ? `${p.what}: entry ${index} went into a snapshot from a new leader — outcome unknown, check the shape` : `${p.what}: entry ${index} was replaced (leadership changed)` });
      }
    }
  }

  private settleLost(): void {
    const node = this.consensus!;
    if (this.pending.size === 0 || node.isLeader()) return;
    for (const [index, list] of this.pending) {
      const term = node.raft.log.term(index);
      if (term !== null && list.every((p) => p.term === term)) continue;
      this.pending.delete(index);
      for (const p of list) this.settle(p, { ok: false, message: `${p.what}: leadership lost before entry ${index} committed` });
    }
  }

  private expireProposals(): void {
    for (const [index, list] of this.pending) {
      const rest: Pending[] = [];
      for (const p of list) {
        if (this.nowMs >= p.deadlineMs) this.settle(p, { ok: false, message: `${p.what}: not committed within ${Math.round((this.o.proposalTimeoutMs ?? 5000) / 1000)} s (is a majority of the voters reachable?)` });
        else rest.push(p);
      }
      if (rest.length === 0) this.pending.delete(index);
      else if (rest.length !== list.length) this.pending.set(index, rest);
    }
  }
}
