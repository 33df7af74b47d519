// Deterministic Raft simulator: N ConsensusNodes, a lossy/duplicating/reordering network with
// (asymmetric) partitions, crash-restart from "durable" storage with torn last writes, and
// invariant checkers run after every step. One seed = one exact replay.

import { blockHashHex, canonicalBytes } from '../../../shared/attestation/block';
import type { Ed25519Signer, Ed25519Verifier } from '../../../shared/crypto/ed25519';
import { toHex } from '../../../shared/kit/bytes';
import { Prng } from '../../../shared/kit/prng';
import { ConsensusNode, type WitnessCheck } from '../../../shared/consensus/node';
import type { Ready, RestoredState } from '../../../shared/consensus/raft';
import { describeMessage, type Entry, type HardState, type Message, type Snapshot } from '../../../shared/consensus/types';
import { nodeIdToBytes, type NodeId } from '../../../shared/types/node-id';
import { demote, promote, quarantine, restore, NODE_ROLES, type NodeRole } from '../../../shared/types/roles';
import { nodeEd25519, nodeSignerFromSeed } from '../../../electron/node/ed25519-node';

/** Real Ed25519, memoized: every node verifies the same block, so verify each (key, msg, sig) once. */
export function cachedVerifier(inner: Ed25519Verifier): Ed25519Verifier {
  const cache = new Map<string, boolean>();
  return {
    verify(publicKey, msg, sig) {
      // Keyed by key + signature + message length: sound here (no adversary in the simulation);
      // the final chain check re-verifies the leader's chain with the real, uncached verifier.
      const key = `${toHex(publicKey)}${toHex(sig)}${msg.length}`;
      let v = cache.get(key);
      if (v === undefined) {
        v = inner.verify(publicKey, msg, sig);
        cache.set(key, v);
      }
      return v;
    },
  };
}

/** What a node has made durable (models the WAL: snapshot + entries + hard state). */
export class MemoryStorage {
  hardState: HardState = { term: 0, vote: null, commit: 0 };
  snapshot: Snapshot | null = null;
  entries: Entry[] = [];

  saveEntries(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = entries[0]!.index;
    const base = this.snapshot ? this.snapshot.index : 0;
    this.entries.length = Math.max(0, Math.min(this.entries.length, first - base - 1));
    for (const e of entries) if (e.index > base) this.entries.push(e);
  }

  saveSnapshot(snap: Snapshot): void {
    if (this.snapshot && snap.index <= this.snapshot.index) return;
    const base = this.snapshot ? this.snapshot.index : 0;
    const keep = this.entries.filter((e) => e.index > snap.index);
    const contiguous = keep.length > 0 && keep[0]!.index === snap.index + 1 && this.entries[snap.index - base - 1]?.term === snap.term;
    this.entries = contiguous ? keep : [];
    this.snapshot = snap;
  }

  /** A Ready's durable part, as the WAL writes it: snapshot, entries, then the hard state. */
  persist(rd: Pick<Ready, 'snapshot' | 'entries' | 'hardState'>): void {
    if (rd.snapshot) this.saveSnapshot(rd.snapshot);
    this.saveEntries(rd.entries);
    if (rd.hardState) this.hardState = rd.hardState;
  }

  /** A write the process died in: `kept` of its first entries reached the disk, nothing after. */
  tornWrite(rd: Pick<Ready, 'snapshot' | 'entries'>, kept: number): void {
    if (!rd.snapshot) this.saveEntries(rd.entries.slice(0, kept));
  }

  restored(): RestoredState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: this.entries.slice() };
  }
}

/** Why `m` promises more than `storage` holds (null when it does not): the fsync-before-send rule. */
export function undurable(storage: MemoryStorage, m: Message): string | null {
  if (m.type === 'app-resp' && !m.reject) {
    const last = storage.entries.length > 0 ? storage.entries[storage.entries.length - 1]!.index : storage.snapshot?.index ?? 0;
    if (m.index > last) return `with only ${last} durable`;
  }
  // A later durable term is fine too: a node that granted a vote and then moved on before its next
  // write can never vote in that term again.
  if (m.type === 'vote-resp' && !m.reject && storage.hardState.term <= m.term && (storage.hardState.term !== m.term || storage.hardState.vote !== m.to)) {
    return `with term ${storage.hardState.term} and vote ${storage.hardState.vote?.slice(0, 6) ?? 'none'} durable`;
  }
  return null;
}

export interface SimOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly voters: number;
  readonly faultTicks: number;
  readonly healTicks: number;
  readonly dropRate: number;
  readonly dupRate: number;
  readonly delayMax: number;
  readonly crashRate: number;
  readonly partitionRate: number;
  readonly proposeRate: number;
}

export class SimFailure extends Error {}

interface SimNode {
  id: NodeId;
  signer: Ed25519Signer;
  storage: MemoryStorage;
  node: ConsensusNode | null;
  /** A Ready whose (asynchronous) write completes at tick `due`. */
  persisting: { rd: Ready; due: number } | null;
}

export class Simulation {
  readonly rng: Prng;
  readonly nodes: SimNode[] = [];
  private inflight = new Map<number, Message[]>();
  private verdicts: { node: ConsensusNode; due: number; results: { check: WitnessCheck; valid: boolean }[] }[] = [];
  now = 0;
  private blocked = new Set<string>(); // "from>to"
  private readonly leaders = new Map<number, NodeId>();
  private readonly committed = new Map<number, { term: number; data: string; seenInTerm: number }>();
  private readonly entriesSeen = new Map<string, string>(); // "index/term" → data
  private readonly stateAt = new Map<number, string>();
  private readonly keyOf = new WeakMap<Entry, string>();
  private readonly fpChecked = new WeakMap<ConsensusNode, number>();
  private readonly checkedCommit = new WeakMap<object, number>();
  private readonly leaderChecked = new WeakMap<object, { term: number; upTo: number }>();
  private readonly verifier: Ed25519Verifier;
  readonly log: string[] = [];
  trace: { id: string; after: number } | null = null;
  stats = { messages: 0, dropped: 0, crashes: 0, elections: 0, maxCommit: 0, snapshotsSent: 0, proposals: 0, deferredWitnessChecks: 0 };

  constructor(readonly opts: SimOptions) {
    this.rng = new Prng(opts.seed);
    this.verifier = cachedVerifier(nodeEd25519);
    for (let i = 0; i < opts.nodes; i++) {
      const seedBytes = new Uint8Array(32);
      seedBytes[0] = i + 1;
      seedBytes[1] = opts.seed & 0xff;
      const signer = nodeSignerFromSeed(seedBytes);
      const n: SimNode = { id: toHex(signer.publicKey) as NodeId, signer, storage: new MemoryStorage(), node: null, persisting: null };
      this.nodes.push(n);
      this.start(n);
    }
    // --bootstrap on an empty data dir: the genesis entry is durable before anything else happens.
    const first = this.nodes[0]!;
    first.node!.bootstrap();
    const rd = first.node!.ready();
    first.storage.persist(rd);
    first.node!.advance(rd);
  }

  private start(n: SimNode): void {
    const restored = n.storage.restored();
    n.node = new ConsensusNode({
      signer: n.signer, verifier: this.verifier, prng: this.rng.fork(),
      // Odd-numbered nodes, when leading, hand co-signatures to the "host" (checkVerdicts), whose
      // verdicts come back 0–3 ticks later — across leadership changes and crashes.
      deferWitnessChecks: this.nodes.indexOf(n) % 2 === 1,
      // Every third node applies committed entries only on its next tick or advance as a follower.
      deferFollowerApply: this.nodes.indexOf(n) % 3 === 2,
      clock: { nowMs: () => 1_700_000_000_000 + this.now * 10 },
      tuning: { snapshotIntervalEntries: 25, witnessRetryTicks: 15, maxEntriesPerMsg: 8, maxInflightMsgs: 4 },
    }, restored);
  }

  fail(message: string): never {
    throw new SimFailure(`seed=${this.opts.seed} tick=${this.now}: ${message}`);
  }

  run(): void {
    const total = this.opts.faultTicks + this.opts.healTicks;
    for (this.now = 1; this.now <= total; this.now++) {
      const faulty = this.now <= this.opts.faultTicks;
      if (faulty) this.injectFaults();
      else if (this.now === this.opts.faultTicks + 1) this.healAll();
      if (this.rng.chance(this.opts.proposeRate) && (faulty || this.now < total - 90)) this.proposeSomething();
      if (this.now % 7 === 0) this.driveMembership();
      for (const n of this.nodes) if (n.node) n.node.tick();
      this.deliverVerdicts();
      this.deliver();
      this.check();
    }
    this.checkLiveness();
  }

  private injectFaults(): void {
    const o = this.opts;
    if (this.rng.chance(o.crashRate)) {
      const victim = this.rng.pick(this.nodes)!;
      if (victim.node) this.crash(victim, 'crash');
    }
    for (const n of this.nodes) {
      if (!n.node && this.rng.chance(0.1)) {
        this.start(n);
        this.log.push(`${this.now} restart ${n.id.slice(0, 6)}`);
      }
    }
    if (this.rng.chance(o.partitionRate)) {
      this.blocked.clear();
      const kind = this.rng.nextInt(3);
      if (kind === 0) {
        const side = new Set(this.rng.shuffled(this.nodes).slice(0, 1 + this.rng.nextInt(this.nodes.length - 1)).map((n) => n.id));
        for (const a of this.nodes) for (const b of this.nodes) if (side.has(a.id) !== side.has(b.id)) this.blocked.add(`${a.id}>${b.id}`);
        this.log.push(`${this.now} partition ${[...side].map((s) => s.slice(0, 6)).join(',')}`);
      } else if (kind === 1) {
        // Asymmetric: one node can send but not receive (or the reverse).
        const x = this.rng.pick(this.nodes)!;
        const inbound = this.rng.chance(0.5);
        for (const b of this.nodes) if (b !== x) this.blocked.add(inbound ? `${b.id}>${x.id}` : `${x.id}>${b.id}`);
        this.log.push(`${this.now} asymmetric ${x.id.slice(0, 6)} ${inbound ? 'deaf' : 'mute'}`);
      } else {
        this.log.push(`${this.now} heal`);
      }
    }
  }

  private healAll(): void {
    this.blocked.clear();
    for (const n of this.nodes) if (!n.node) this.start(n);
    this.log.push(`${this.now} heal-all`);
  }

  private aliveLeader(): SimNode | undefined {
    return this.nodes.find((n) => n.node?.isLeader());
  }

  private proposeSomething(): void {
    const alive = this.nodes.filter((n) => n.node);
    const at = this.rng.pick(alive);
    if (!at?.node) return;
    const target = this.rng.pick(this.nodes)!.id;
    const nonEtcd = NODE_ROLES.filter((r) => r !== 'etcd' && r !== 'quarantined') as NodeRole[];
    const roles = this.rng.shuffled(nonEtcd).slice(0, 1 + this.rng.nextInt(2));
    const k = this.rng.nextInt(10);
    this.stats.proposals++;
    if (k < 4) at.node.proposeRole(promote(target, roles, 'scaling_up'));
    else if (k < 6) at.node.proposeRole(demote(target, roles, 'scaling_down'));
    else if (k === 6) at.node.proposeRole(quarantine(target, 'health_degraded'));
    else if (k === 7) at.node.proposeRole(restore(target));
    else if (k === 8) at.node.proposeTarget({ apiServers: 1 + this.rng.nextInt(3), etcdReplicas: this.opts.voters, schedulers: 1, controllerManagers: 1, minWorkers: this.rng.nextInt(4) });
    else at.node.proposeStrategy({ ...(at.node.state.strategy), name: `s${this.rng.nextInt(100)}` });
  }

  /** The operator/policy: every node joins as a learner; keep `voters` etcd holders; churn sometimes. */
  private driveMembership(): void {
    const leader = this.aliveLeader();
    if (!leader?.node) return;
    const conf = leader.node.raft.conf();
    const missing = this.nodes.find((n) => !conf.voters.includes(n.id) && !conf.learners.includes(n.id));
    if (missing) {
      leader.node.addLearner(missing.id);
      return;
    }
    const quiet = this.now > this.opts.faultTicks;
    if (conf.voters.length < this.opts.voters) {
      const learner = this.rng.pick(conf.learners);
      if (learner) leader.node.proposeRole(promote(learner as NodeId, ['etcd'], 'scaling_up'));
    } else if (!quiet && conf.voters.length > 1 && this.rng.chance(0.15)) {
      const voter = this.rng.pick(conf.voters)!;
      leader.node.proposeRole(demote(voter as NodeId, ['etcd'], 'rebalance'));
    }
  }

  private send(m: Message): void {
    this.checkDurableBeforeSent(m);
    this.stats.messages++;
    if (m.type === 'snap') this.stats.snapshotsSent++;
    const faulty = this.now <= this.opts.faultTicks;
    if (faulty && this.rng.chance(this.opts.dropRate)) {
      this.stats.dropped++;
      return;
    }
    const copies = faulty && this.rng.chance(this.opts.dupRate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const at = this.now + (faulty ? this.rng.nextInt(this.opts.delayMax + 1) : this.rng.nextInt(2));
      const bucket = this.inflight.get(at);
      if (bucket) bucket.push(m);
      else this.inflight.set(at, [m]);
    }
  }

  private deliver(): void {
    // Process readies, then deliver due messages in a shuffled order (reordering), repeatedly.
    for (let round = 0; round < 4; round++) {
      this.processReadies();
      const due: Message[] = [];
      for (const [at, bucket] of this.inflight) {
        if (at > this.now) continue;
        due.push(...bucket);
        this.inflight.delete(at);
      }
      if (due.length === 0) break;
      for (const m of this.rng.shuffled(due)) {
        const to = this.nodes.find((n) => n.id === m.to);
        if (!to?.node || this.blocked.has(`${m.from}>${m.to}`)) continue;
        if (this.trace && this.now > this.trace.after && (m.to.startsWith(this.trace.id) || m.from.startsWith(this.trace.id))) this.log.push(`${this.now} ${describeMessage(m)}`);
        to.node.step(m);
      }
    }
    this.processReadies();
  }

  /** Verdicts on deferred co-signature checks reach the node that asked (if it still runs). */
  private deliverVerdicts(): void {
    const due = this.verdicts.filter((v) => v.due <= this.now);
    this.verdicts = this.verdicts.filter((v) => v.due > this.now);
    for (const v of due) {
      if (!this.nodes.some((n) => n.node === v.node)) continue;
      this.stats.deferredWitnessChecks += v.results.length;
      v.node.witnessesChecked(v.results);
    }
  }

  private processReadies(): void {
    for (const n of this.nodes) {
      let guard = 0;
      while (n.node) {
        if (++guard > 50) this.fail(`node ${n.id.slice(0, 6)} never quiesces`);
        const node = n.node;
        if (n.persisting) {
          // An asynchronous write still in flight: the node keeps stepping and ticking meanwhile.
          if (n.persisting.due > this.now) break;
          const rd = n.persisting.rd;
          n.persisting = null;
          this.persisted(n, node, rd);
          continue;
        }
        if (!node.hasReady()) break;
        const rd: Ready = node.ready();
        for (const m of rd.messages) this.send(m);
        if (this.now <= this.opts.faultTicks && this.rng.chance(this.opts.crashRate / 4)) {
          // Crash in the middle of the write: a prefix of the new entries reaches disk (torn tail),
          // the hard state and everything after it do not; nothing dependent was sent.
          n.storage.tornWrite(rd, this.rng.nextInt(rd.entries.length + 1));
          this.crash(n, 'torn-crash');
          break;
        }
        // Even-numbered nodes persist like the real hosts (Wal.saveAsync): a Ready with entries or a
        // new term/vote stays outstanding for 0–2 ticks while messages, ticks and proposals go on.
        if (this.nodes.indexOf(n) % 2 === 0 && !rd.snapshot && (rd.entries.length > 0 || rd.hardState) && this.rng.chance(0.7)) {
          n.persisting = { rd, due: this.now + this.rng.nextInt(3) };
          continue;
        }
        this.persisted(n, node, rd);
      }
    }
  }

  /** An acknowledgement or a granted vote leaves only once what it promises is in the sender's storage. */
  private checkDurableBeforeSent(m: Message): void {
    const from = this.nodes.find((n) => n.id === m.from);
    if (!from) return;
    const problem = undurable(from.storage, m);
    if (problem) this.fail(`${from.id.slice(0, 6)} sent ${describeMessage(m)} ${problem}`);
  }

  /** rd is durable: write it to the node's storage, send what depended on it, advance. */
  private persisted(n: SimNode, node: ConsensusNode, rd: Ready): void {
    n.storage.persist(rd);
    for (const m of rd.messagesAfterPersist) this.send(m);
    node.advance(rd);
    const checks = node.takeWitnessChecks();
    if (checks.length > 0) {
      const results = checks.map((check) => ({ check, valid: this.verifier.verify(check.publicKey, check.message, check.signature) }));
      this.verdicts.push({ node, due: this.now + this.rng.nextInt(4), results });
    }
    if (node.shouldCompact() && this.rng.chance(0.5)) n.storage.saveSnapshot(node.compact());
    if (node.state.faults.length > 0) this.fail(`node ${n.id.slice(0, 6)} state fault: ${node.state.faults[0]}`);
  }

  /**
   * The process dies. A write still in flight is lost but for a prefix of its entries (un-fsynced
   * data may or may not have reached the disk; its hard state did not, nor anything sent after it).
   */
  private crash(n: SimNode, what: string): void {
    if (n.persisting) n.storage.tornWrite(n.persisting.rd, this.rng.nextInt(n.persisting.rd.entries.length + 1));
    n.persisting = null;
    n.node = null;
    this.stats.crashes++;
    this.log.push(`${this.now} ${what} ${n.id.slice(0, 6)}`);
  }

  // ------------------------------------------------------------------ invariants

  private check(): void {
    let maxCommitted = 0;
    for (const n of this.nodes) {
      const node = n.node;
      if (!node) continue;
      const raft = node.raft;
      // Election safety: at most one leader per term.
      if (raft.role === 'leader') {
        const prev = this.leaders.get(raft.term);
        if (prev && prev !== n.id) this.fail(`two leaders in term ${raft.term}: ${prev.slice(0, 6)} and ${n.id.slice(0, 6)}`);
        if (!prev) {
          this.leaders.set(raft.term, n.id);
          this.stats.elections++;
        }
      }
      // Log matching (same index and term ⇒ same entry) and state machine safety on committed
      // entries. Entry objects are immutable and shared, so each object is checked once.
      const log = raft.log;
      // Entries at or below the commit index checked last time cannot change any more (committed
      // entries are never truncated), so each step only re-checks the uncommitted tail.
      const from = Math.max(log.firstIndex(), (this.checkedCommit.get(raft) ?? 0) + 1);
      this.checkedCommit.set(raft, log.committed);
      for (let i = from; i <= log.lastIndex(); i++) {
        const e = log.entry(i)!;
        let data = this.keyOf.get(e);
        if (data === undefined) {
          data = dataKey(e);
          this.keyOf.set(e, data);
          const key = `${i}/${e.term}`;
          const seen = this.entriesSeen.get(key);
          if (seen === undefined) this.entriesSeen.set(key, data);
          else if (seen !== data) this.fail(`log matching: two different entries at index ${i} term ${e.term}`);
        }
        if (i <= log.committed) {
          const c = this.committed.get(i);
          if (!c) this.committed.set(i, { term: e.term, data, seenInTerm: raft.term });
          else {
            if (raft.term < c.seenInTerm) c.seenInTerm = raft.term;
            if (c.term !== e.term || c.data !== data) this.fail(`committed entry ${i} differs on ${n.id.slice(0, 6)} (term ${e.term} vs ${c.term})`);
          }
        }
      }
      if (log.committed > 0 && log.term(log.committed) === null) this.fail('commit index outside the log');
      maxCommitted = Math.max(maxCommitted, log.committed);
      // Identical state at equal applied index.
      const st = node.state;
      if (this.fpChecked.get(node) !== st.appliedIndex) {
        this.fpChecked.set(node, st.appliedIndex);
        const fp = `${st.shape.toJson()}|${st.headHash()}|${st.chain.length}|${JSON.stringify(st.target)}|${st.strategy.name}`;
        const prev = this.stateAt.get(st.appliedIndex);
        if (prev === undefined) this.stateAt.set(st.appliedIndex, fp);
        else if (prev !== fp) this.fail(`state differs at applied index ${st.appliedIndex} on ${n.id.slice(0, 6)}`);
      }
    }
    this.stats.maxCommit = Math.max(this.stats.maxCommit, maxCommitted);
    // Leader completeness: a leader's log holds every committed entry (committed never lost,
    // including across crash-restart since restarted nodes rebuild only from durable state).
    for (const n of this.nodes) {
      const raft = n.node?.raft;
      if (!raft || raft.role !== 'leader') continue;
      // A leader's log does not change below its last index during its term: check each index once.
      const seen = this.leaderChecked.get(raft);
      const start = seen && seen.term === raft.term ? seen.upTo + 1 : raft.log.firstIndex();
      let upTo = start - 1;
      for (let i = start; i <= this.maxKnownCommitted(); i++) {
        const c = this.committed.get(i);
        const e = raft.log.entry(i);
        // Only entries committed in an earlier term bind this leader (a deposed leader that has not
        // noticed yet may lack entries committed by its successor).
        if (!c || c.seenInTerm >= raft.term) break;
        if (!e || e.term !== c.term) this.fail(`leader completeness: leader ${n.id.slice(0, 6)} (term ${raft.term}) lacks committed entry ${i}`);
        upTo = i;
      }
      this.leaderChecked.set(raft, { term: raft.term, upTo });
    }
  }

  private maxKnownCommitted(): number {
    return this.stats.maxCommit;
  }

  private checkLiveness(): void {
    const leader = this.aliveLeader();
    if (!leader?.node) this.fail('no leader after healing');
    const commit = leader.node.raft.log.committed;
    if (leader.node.raft.log.lastIndex() !== commit) this.fail(`leader has uncommitted entries after healing (commit ${commit}, last ${leader.node.raft.log.lastIndex()})`);
    for (const n of this.nodes) {
      const node = n.node!;
      if (node.state.appliedIndex !== commit) this.fail(`node ${n.id.slice(0, 6)} applied ${node.state.appliedIndex}, leader committed ${commit}`);
    }
    // Voters are exactly the etcd holders once the log has settled.
    const conf = leader.node.raft.conf();
    const etcd = leader.node.state.shape.holders('etcd');
    if (conf.voters.join() !== etcd.join()) this.fail(`voters ${conf.voters.map((v) => v.slice(0, 6))} ≠ etcd holders ${etcd.map((v) => v.slice(0, 6))}`);
    // Chains byte-identical, linked and verifying on every node.
    const reference = chainBytes(leader.node);
    for (const n of this.nodes) if (chainBytes(n.node!) !== reference) this.fail(`chain on ${n.id.slice(0, 6)} differs from the leader's`);
    // Every 10th seed re-verifies with the real, uncached verifier (the cache is keyed for speed).
    verifyChain(leader.node, this.opts.seed % 10 === 0 ? nodeEd25519 : this.verifier, (m) => this.fail(m));
  }
}

function dataKey(e: Entry): string {
  return `${e.conf ? `${e.conf.op}:${e.conf.peer}` : ''}|${toHex(e.data)}`;
}

export function chainBytes(node: ConsensusNode): string {
  return node.state.blocks().map((b) => `${blockHashHex(b)}:${b.witnessSignatures.map((w) => w.witness + toHex(w.signature)).join(',')}`).join('\n');
}

export function verifyChain(node: ConsensusNode, verifier: Ed25519Verifier, fail: (m: string) => never): void {
  let prev = '0'.repeat(64);
  for (const b of node.state.blocks()) {
    if (b.prevHash !== prev) fail(`chain link broken at index ${b.raftLogIndex}`);
    const bytes = canonicalBytes(b);
    if (!verifier.verify(nodeIdToBytes(b.leader), bytes, b.leaderSignature)) fail(`leader signature fails at ${b.raftLogIndex}`);
    for (const w of b.witnessSignatures) if (!verifier.verify(nodeIdToBytes(w.witness), bytes, w.signature)) fail(`witness signature fails at ${b.raftLogIndex}`);
    prev = blockHashHex(b);
  }
}

export function simOptionsFor(seed: number): SimOptions {
  const r = new Prng(seed ^ 0x5eed);
  const nodes = 3 + r.nextInt(5);
  return {
    seed, nodes, voters: Math.min(nodes, r.chance(0.5) ? 3 : 5),
    faultTicks: 160, healTicks: 130,
    dropRate: r.nextFloat() * 0.2, dupRate: r.nextFloat() * 0.1, delayMax: r.nextInt(4),
    crashRate: r.nextFloat() * 0.02, partitionRate: r.nextFloat() * 0.04, proposeRate: 0.12,
  };
}
