// RaftHost: runs one ConsensusNode for real — WAL on disk, authenticated TCP transport, one tick
// timer — in the order the Ready contract requires:
//   send rd.messages → write rd to the WAL and fdatasync it (on the thread pool when the disk is
//   slow, see process) → send rd.messagesAfterPersist → node.advance(rd).
// The node host of issue 7 embeds this (or drives ConsensusNode the same way itself).

import { randomBytes } from 'node:crypto';
import { ConsensusNode, type ConsensusTuning, type WitnessCheck } from '../../shared/consensus/node';
import type { ProposeError, ProposeOk, Ready } from '../../shared/consensus/raft';
import type { Message, PeerId } from '../../shared/consensus/types';
import type { NodeId } from '../../shared/types/node-id';
import type { Ed25519Signer, Ed25519Verifier } from '../../shared/crypto/ed25519';
import { Prng } from '../../shared/kit/prng';
import type { Result } from '../../shared/kit/result';
import { verifyInBackground } from '../node/ed25519-node';
import { RaftTransport, type PeerAddress } from './transport';
import { Wal, type WalSyncMode } from './wal';

export interface RaftHostOptions {
  readonly dir: string;
  readonly signer: Ed25519Signer;
  readonly verifier: Ed25519Verifier;
  /** Verifies forwarded co-signatures without holding up the loop (default: verifyInBackground). */
  readonly verifyAsync?: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;
  readonly secret: Uint8Array;
  readonly host?: string;
  readonly port?: number;
  /**
   * Wall time per Raft tick (default 5 ms). Defaults: election timeout 20 ticks = 100 ms, randomized
   * in [100, 200) ms with 5 ms granularity (fine granularity makes split votes rarer); heartbeat
   * every 4 ticks = 20 ms. A low timeout is safe against disruption because of PreVote and
   * CheckQuorum: a node whose event loop stalled and that times out spuriously only sends
   * pre-votes, which nodes hearing from the live leader ignore.
   */
  readonly tickMs?: number;
  readonly tuning?: Partial<ConsensusTuning>;
  /** Start a one-voter cluster; 'if-empty' does so only when the WAL holds nothing yet. */
  readonly bootstrap?: boolean | 'if-empty';
  readonly onNotice?: (text: string) => void;
  /** How the WAL syncs (default 'auto': inline on a fast disk, on the thread pool on a slow one). */
  readonly walSync?: WalSyncMode;
}

/** Chain blocks (new or newly co-signed; a few µs each) pre-encoded for the next snapshot per timer callback and per Ready loop. */
const WARM_BLOCKS_PER_TIMER = 200;
const WARM_BLOCKS_PER_TURN = 16;
/** Ticks beyond a planned sleep that are still run after a stall; the rest are dropped. */
const STALL_SLACK_TICKS = 10;
/** Longest timer sleep when nothing is due (a lone leader, a learner): 1 s at 5 ms ticks. */
const MAX_SLEEP_TICKS = 200;

interface Waiter {
  readonly term: number;
  readonly resolve: (r: Result<number, string>) => void;
}

export class RaftHost {
  readonly node: ConsensusNode;
  private readonly waiters = new Map<number, Waiter[]>();
  private timer: NodeJS.Timeout | null = null;
  private scheduled = false;
  /** A Ready's fdatasync is in flight (see process). */
  private persisting = false;
  /** The applied index the waiters were last settled at. */
  private settledApplied = 0;
  private witnessQueue: WitnessCheck[] = [];
  private verifying = false;
  private stopped = false;
  private readonly tickBase = performance.now();
  private ticksDone = 0;
  /** The tick the armed timer fires at, and how many ticks it was planned to sleep. */
  private timerTick = 0;
  private plannedTicks = 0;

  private verifyAsync = verifyInBackground;

  private constructor(readonly wal: Wal, readonly transport: RaftTransport, node: ConsensusNode, private readonly tickMs: number, private readonly onNotice?: (text: string) => void) {
    this.node = node;
  }

  static async start(o: RaftHostOptions): Promise<RaftHost> {
    const wal = Wal.open(o.dir, { sync: o.walSync ?? 'auto' });
    const seed = randomBytes(4).readUInt32LE(0);
    const node = new ConsensusNode({
      signer: o.signer, verifier: o.verifier, prng: new Prng(seed), clock: { nowMs: () => Date.now() },
      // Forwarded co-signatures are verified on the thread pool, not on the loop that carries commits.
      deferWitnessChecks: true,
      // A follower applies committed entries on its next tick, not in the same turn as the
      // acknowledgement the leader is waiting for (measured: −0.2 ms median commit latency).
      deferFollowerApply: true,
      tuning: { electionTicks: 20, heartbeatTicks: 4, witnessBatchTicks: 20, witnessRetryTicks: 100, snapshotIntervalEntries: 10_000, ...o.tuning },
    }, wal.restored);
    let host: RaftHost | null = null;
    const transport = await RaftTransport.listen({
      id: node.id, secret: o.secret, host: o.host, port: o.port, onNotice: o.onNotice,
      onMessage: (m: Message) => host?.receive(m),
    });
    host = new RaftHost(wal, transport, node, o.tickMs ?? 5, o.onNotice);
    if (o.verifyAsync) host.verifyAsync = o.verifyAsync;
    if (o.bootstrap) {
      const empty = wal.restored.entries.length === 0 && wal.restored.snapshot === null;
      if (empty) node.bootstrap();
      else if (o.bootstrap !== 'if-empty') throw new Error(`${o.dir}: --bootstrap needs an empty data dir`);
    }
    host.process();
    return host;
  }

  get id(): NodeId {
    return this.node.id;
  }

  address(): PeerAddress {
    return this.transport.address();
  }

  setPeer(id: PeerId, addr: PeerAddress): void {
    this.transport.setPeer(id, addr);
  }

  /**
   * Ticks follow the monotonic clock, so an election timeout of N ticks really is N × tickMs of
   * wall time. The one timer is armed only for the next tick that can act (node.ticksUntilDue:
   * heartbeat, election or quorum check, deferred apply, witness batch) — not every tick: on a
   * 2-core machine running 3 nodes, 200 idle wake-ups per second per node land in the middle of
   * commits. Ticks slept through are run before the next input (a message or the timer), so the
   * machine sees the same sequence as if ticked every tickMs; beyond the planned sleep at most
   * STALL_SLACK_TICKS more are run and the rest of a stall is dropped, so a stalled event loop does
   * not wake up to a burst of timeouts. (The fixed-rate timer ran at most 10 ticks per callback; a
   * stall that falls inside a planned sleep is now replayed in full, which can cost a follower one
   * spurious pre-vote round — harmless under PreVote and CheckQuorum.)
   */
  private catchUp(): void {
    const due = Math.floor((performance.now() - this.tickBase) / this.tickMs);
    const behind = due - this.ticksDone;
    if (behind <= 0) return;
    const n = Math.min(behind, this.plannedTicks + STALL_SLACK_TICKS);
    for (let i = 0; i < n; i++) this.node.tick();
    this.ticksDone = due;
    this.plannedTicks = Math.max(0, this.plannedTicks - n);
  }

  private onTimer(): void {
    this.timer = null;
    if (this.stopped) return;
    try {
      this.catchUp();
      this.process();
      // Off the path of any commit: extend the WAL's preallocated space, and encode a slice of the
      // chain for the next snapshot so that compaction only copies bytes.
      if (!this.persisting) this.wal.prepareSpace();
      this.node.warmSnapshot(WARM_BLOCKS_PER_TIMER);
    } finally {
      // Whatever threw, the node keeps its timer (a follower must still campaign when its leader dies).
      this.arm();
    }
  }

  /** Arms the timer for the next tick that can act, unless it is already armed for one as early. */
  private arm(): void {
    if (this.stopped) return;
    const wait = Math.min(this.node.ticksUntilDue(), MAX_SLEEP_TICKS);
    const atTick = this.ticksDone + wait;
    if (this.timer !== null && this.timerTick <= atTick) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerTick = atTick;
    this.plannedTicks = wait;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, this.tickBase + atTick * this.tickMs - performance.now()));
  }

  private receive(m: Message): void {
    if (this.stopped) return;
    this.catchUp();
    this.node.step(m);
    this.schedule();
  }

  /** Batches everything that arrives in one turn of the event loop into one Ready (one fsync). */
  private schedule(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.process();
      });
    }
  }

  /**
   * Drains Readies: the only place effects happen. A Ready whose entries, term or vote must be
   * durable is written and fdatasynced here (Wal.save) — or, on a disk whose syncs are slow
   * (Wal.syncInBackground), written at once and fdatasynced on the thread pool (Wal.saveAsync):
   * until that sync completes the Ready stays outstanding — its acknowledgements and votes wait, no
   * other Ready is taken — but this thread keeps receiving and stepping messages, ticking and
   * applying. Everything that arrives meanwhile goes into the next Ready (one write, one fsync).
   */
  process(): void {
    while (!this.stopped && !this.persisting && this.node.hasReady()) {
      const rd = this.node.ready();
      this.transport.send(rd.messages);
      try {
        if (this.wal.savesInBackground(rd)) {
          this.persisting = true;
          this.wal.saveAsync(rd, (error) => {
            this.persisting = false;
            if (this.stopped) return;
            if (error) return this.failed(error);
            this.persisted(rd);
            this.process();
          });
          break;
        }
        this.wal.save(rd);
      } catch (error) {
        this.persisting = false;
        return this.failed(error as Error);
      }
      this.persisted(rd);
    }
    this.checkWitnesses();
    // Proposals resolve once applied here — also when that happened outside persisted(): a leader
    // that stepped down while its write was in flight applies its entries as a follower, on a tick.
    this.settle();
    this.settleLost();
    // A few blocks per turn keep the snapshot cache up with the chain under load (see onTimer).
    this.node.warmSnapshot(WARM_BLOCKS_PER_TURN);
    this.arm();
  }

  /** A log that cannot be made durable must not acknowledge anything: this node stops. */
  private failed(error: Error): void {
    this.onNotice?.(`raft: the log could not be written or synced, stopping: ${error.message}`);
    void this.stop();
  }

  /** The Ready is on disk: what depended on it may leave, and the node moves on. */
  private persisted(rd: Ready): void {
    this.transport.send(rd.messagesAfterPersist);
    this.node.advance(rd);
    // Before any compaction below: a waiter's entry must still be in the log to be checked.
    this.settle();
    // Compaction never stalls the loop: the snapshot file is written in the background.
    if (this.node.shouldCompact() && !this.wal.snapshotPending) {
      this.wal.saveSnapshotInBackground(this.node.compact(), (e) => this.onNotice?.(`raft: snapshot not saved (the log keeps everything): ${e.message}`));
    }
  }

  /**
   * Co-signatures to admit are verified on the thread pool one at a time: a batch (a follower's
   * 100 ms of signatures) then keeps one core busy for a while instead of every core at once, and
   * the commit path always finds a free core. Verdicts go back per batch (one witness entry).
   */
  private checkWitnesses(): void {
    this.witnessQueue.push(...this.node.takeWitnessChecks());
    if (this.verifying || this.witnessQueue.length === 0) return;
    this.verifying = true;
    void (async () => {
      while (this.witnessQueue.length > 0 && !this.stopped) {
        const batch = this.witnessQueue.splice(0, this.witnessQueue.length);
        const results: { check: WitnessCheck; valid: boolean }[] = [];
        for (const check of batch) results.push({ check, valid: await this.verifyAsync(check.publicKey, check.message, check.signature) });
        if (this.stopped) break;
        this.node.witnessesChecked(results);
        this.schedule();
      }
      this.verifying = false;
    })();
  }

  /** Resolves the waiters whose entries are applied — work only when the applied index moved. */
  private settle(): void {
    const applied = this.node.state.appliedIndex;
    if (applied <= this.settledApplied || this.waiters.size === 0) return;
    this.settledApplied = applied;
    for (const [index, list] of this.waiters) {
      if (index > applied) continue;
      this.waiters.delete(index);
      const term = this.node.raft.log.term(index);
      // No term: the entry is inside a snapshot installed from a new leader — whether it was ours
      // cannot be told any more (our own compactions run after settling).
      for (const w of list) {
        w.resolve(term === w.term ? { ok: true, value: index }
          : { ok: false, error: term === null ? `entry ${index} went into a snapshot from a new leader: outcome unknown` : `entry ${index} was replaced (leadership changed)` });
      }
    }
  }

  private settleLost(): void {
    if (this.waiters.size === 0 || this.node.isLeader()) return;
    for (const [index, list] of this.waiters) {
      const term = this.node.raft.log.term(index);
      if (term !== null && list.every((w) => w.term === term)) continue;
      this.waiters.delete(index);
      for (const w of list) w.resolve({ ok: false, error: `leadership lost before entry ${index} committed` });
    }
  }

  /** Runs a proposal and resolves when it is applied here (leader) — or with the reason it was not. */
  proposeAndWait(propose: (n: ConsensusNode) => Result<ProposeOk, ProposeError>): Promise<Result<number, string>> {
    if (!this.stopped) this.catchUp();
    const r = propose(this.node);
    this.schedule();
    if (!r.ok) return Promise.resolve({ ok: false, error: r.error.message });
    if (!('index' in r.value)) return Promise.resolve({ ok: false, error: `forwarded to ${r.value.forwardedTo.slice(0, 12)}; not tracked` });
    const { index, term } = r.value;
    if (this.node.state.appliedIndex >= index) return Promise.resolve({ ok: true, value: index });
    return new Promise((resolve) => {
      const list = this.waiters.get(index) ?? [];
      list.push({ term, resolve });
      this.waiters.set(index, list);
    });
  }

  /** Stops everything (the in-process equivalent of the process dying: nothing more is written). */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const list of this.waiters.values()) for (const w of list) w.resolve({ ok: false, error: 'stopped' });
    this.waiters.clear();
    await this.transport.close();
    this.wal.close();
    await this.wal.whenClosed(); // after an fsync still in flight: nothing writes once stop() resolves
  }
}
