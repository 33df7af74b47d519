// Deterministic full-stack simulator: N NodeCores (real gossip machine, real Raft, real policy
// engine, real ed25519/HMAC) on simulated time and a simulated network carrying both gossip
// datagrams and Raft messages, with loss, delay, partitions and crash/restart from durable state
// kept in memory. Invariant checkers run after every step. One seed = one exact replay.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { verifyChain } from '../../../shared/attestation/verify';
import { describeMessage, type Message } from '../../../shared/consensus/types';
import type { Ready } from '../../../shared/consensus/raft';
import type { Ed25519Verifier } from '../../../shared/crypto/ed25519';
import { Prng } from '../../../shared/kit/prng';
import type { SocketAddr } from '../../../shared/membership/wire';
import { NodeCore } from '../../../shared/node/core';
import type { DampingConfig } from '../../../shared/policy/engine';
import { DEFAULT_DAMPING } from '../../../shared/policy/engine';
import type { NodeId } from '../../../shared/types/node-id';
import { describeRoleAssignment, type NodeRole } from '../../../shared/types/roles';
import type { TargetTopology } from '../../../shared/types/target';
import { targetFor } from '../../../shared/types/target';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';
import { cachedVerifier, MemoryStorage, undurable } from '../consensus/sim';

export class SimFailure extends Error {}

export interface NetFaults {
  /** Probability that a datagram / Raft message is lost. */
  loss: number;
  /** One-way delay in [minDelayMs, maxDelayMs]. */
  minDelayMs: number;
  maxDelayMs: number;
}

export interface SimNode {
  readonly index: number;
  readonly id: NodeId;
  readonly seed: Uint8Array;
  readonly gossipAddr: SocketAddr;
  readonly storage: MemoryStorage;
  core: NodeCore | null;
  /** Raft peers the core told us about (the transport reaches only these). */
  peers: Set<string>;
  /** Incremented on every restart (gossip generation). */
  incarnation: number;
  /** A Ready being written asynchronously (as the node host does), durable at `dueAt`. */
  persisting: { readonly rd: Ready; readonly dueAt: number } | null;
}

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly to: number;
  readonly gossip?: { bytes: Uint8Array; from: SocketAddr };
  readonly raft?: Message;
}

export interface RoleChange {
  readonly atMs: number;
  readonly nodeId: NodeId;
  readonly kind: 'promote' | 'demote' | 'other';
  readonly roles: readonly NodeRole[];
  readonly exempt: boolean;
  readonly text: string;
}

export interface SimStats {
  datagrams: number;
  raftMessages: number;
  lost: number;
  partitioned: number;
  crashes: number;
  restarts: number;
  maxTerm: number;
  blocks: number;
}

const STEP_MS = 25;
/** REVOADA_SIM_LOG=1 prints every policy decision (except not-leader/no-quorum), commit, crash and restart. */
const SIM_LOG = process.env.REVOADA_SIM_LOG === '1';
/** REVOADA_SIM_LOG_FROM=S: log only from S simulated seconds on (health events are logged too). */
const SIM_LOG_FROM_MS = Number(process.env.REVOADA_SIM_LOG_FROM ?? 0) * 1000;
const WALL_EPOCH_MS = 1_800_000_000_000;

export class Simulation {
  readonly rng: Prng;
  readonly nodes: SimNode[] = [];
  now = 0;
  faults: NetFaults = { loss: 0, minDelayMs: 1, maxDelayMs: 8 };
  /** Partition group per node index; messages cross only within a group. null = fully connected. */
  private groups: number[] | null = null;
  private queue: InFlight[] = [];
  private seq = 0;
  private readonly verifier: Ed25519Verifier = cachedVerifier(nodeEd25519);
  /** Asynchronous-write timing, drawn apart from `rng` so that it does not shift the other draws. */
  private readonly diskRng: Prng;
  readonly stats: SimStats = { datagrams: 0, raftMessages: 0, lost: 0, partitioned: 0, crashes: 0, restarts: 0, maxTerm: 0, blocks: 0 };
  readonly trace: string[] = [];
  /** term → leader id (at most one per term). */
  private readonly leaders = new Map<number, string>();
  /** Committed blocks seen anywhere, by Raft index → hash. */
  private readonly blocksByIndex = new Map<number, string>();
  readonly changes: RoleChange[] = [];
  /** Commands the engines proposed as dead-holder replacements (exempt from damping). */
  private readonly replacements = new Set<string>();
  private readonly damping: DampingConfig;
  /** Over-target and duplicate-grant checks (off when a scenario changes the target on purpose). */
  checkProvisioning = true;
  private readonly granted = new Map<string, number>();
  private readonly demotedAt = new Map<string, number>();
  private lastDemoteOf(id: string): number {
    return this.demotedAt.get(id) ?? 0;
  }

  constructor(readonly seed: number, readonly count: number, damping: DampingConfig = DEFAULT_DAMPING) {
    this.rng = new Prng(seed);
    this.diskRng = new Prng(seed ^ 0x5a5a5a5a);
    this.damping = damping;
    for (let i = 0; i < count; i++) {
      const seedBytes = new Uint8Array(32);
      for (let b = 0; b < 32; b++) seedBytes[b] = this.rng.nextInt(256);
      const signer = nodeEd25519.signerFromSeed(seedBytes);
      const id = Array.from(signer.publicKey, (x) => x.toString(16).padStart(2, '0')).join('') as NodeId;
      this.nodes.push({ index: i, id, seed: seedBytes, gossipAddr: { ip: `10.0.0.${i + 1}`, port: 7280 }, storage: new MemoryStorage(), core: null, peers: new Set(), incarnation: 0, persisting: null });
    }
    for (const n of this.nodes) this.start(n);
  }

  private readonly secret = new Uint8Array(32).fill(7);

  private readonly logged = new Map<string, number>();
  private logNames: Map<string, string> | null = null;
  /** Diagnostic line (REVOADA_SIM_LOG=1): simulated time, node names by index. */
  private log(line: string): void {
    if (this.now < SIM_LOG_FROM_MS) return;
    const names = (this.logNames ??= new Map(this.nodes.map((n) => [n.id.slice(0, 8), `n${n.index}`])));
    process.stderr.write(`[sim ${(this.now / 1000).toFixed(3)}s] ${line.replace(/\b([0-9a-f]{8})[0-9a-f]*\b/g, (h, p: string) => `${p}(${names.get(p) ?? '?'})`)}\n`);
  }

  private start(n: SimNode): void {
    const signer = nodeEd25519.signerFromSeed(n.seed);
    n.incarnation++;
    n.peers = new Set();
    const restored = n.storage.restored();
    n.core = new NodeCore({
      clusterId: 'sim',
      gossipAddr: n.gossipAddr,
      raftAddr: `10.0.1.${n.index + 1}:7281`,
      seeds: n.index === 0 ? [] : [this.nodes[0]!.gossipAddr, this.nodes[1 % this.count]!.gossipAddr],
      generation: BigInt(WALL_EPOCH_MS + this.now + n.incarnation),
      secret: { key: this.secret, fingerprint: 'sim' },
      bootstrap: n.index === 0 ? 'if-empty' : false,
      restored,
      capacity: { cpu: '4', memory: '8192Mi', storage: '0', pods: 110 },
      raftTickMs: STEP_MS,
      consensusTuning: { electionTicks: 10, heartbeatTicks: 2, witnessBatchTicks: 4, witnessRetryTicks: 20, snapshotIntervalEntries: 200 },
      damping: this.damping,
    }, {
      signer, verifier: this.verifier,
      hmacSha256: (key, data) => hmac(sha256, key, data),
      wallClock: { nowMs: () => WALL_EPOCH_MS + this.now },
      prng: this.rng.fork(),
    }, this.now);
    this.drain(n);
  }

  crash(i: number): void {
    const n = this.nodes[i]!;
    if (!n.core) return;
    // A write in flight is lost but for a prefix of its entries (no hard state, nothing sent after it).
    if (n.persisting) n.storage.tornWrite(n.persisting.rd, this.diskRng.nextInt(n.persisting.rd.entries.length + 1));
    n.persisting = null;
    n.core = null;
    this.stats.crashes++;
    this.trace.push(`${this.now} crash ${i}`);
    if (SIM_LOG) this.log(`crash n${i}`);
  }

  restart(i: number): void {
    const n = this.nodes[i]!;
    if (n.core) return;
    this.stats.restarts++;
    this.trace.push(`${this.now} restart ${i}`);
    if (SIM_LOG) this.log(`restart n${i}`);
    this.start(n);
  }

  /** Splits the nodes: `side` on one side, everyone else on the other. null heals. */
  partition(side: readonly number[] | null): void {
    this.groups = side === null ? null : this.nodes.map((n) => (side.includes(n.index) ? 1 : 0));
    this.trace.push(`${this.now} partition ${side === null ? 'healed' : side.join(',')}`);
  }

  alive(i: number): boolean {
    return this.nodes[i]!.core !== null;
  }

  private send(from: number, to: number, payload: Pick<InFlight, 'gossip' | 'raft'>): void {
    if (to < 0) return;
    if (this.rng.chance(this.faults.loss)) { this.stats.lost++; return; }
    const delay = this.faults.minDelayMs + this.rng.nextInt(this.faults.maxDelayMs - this.faults.minDelayMs + 1);
    void from;
    this.queue.push({ at: this.now + delay, seq: this.seq++, to, ...payload });
  }

  private indexOfGossip(addr: SocketAddr): number {
    const m = /^10\.0\.0\.(\d+)$/.exec(addr.ip);
    return m && addr.port === 7280 ? Number(m[1]) - 1 : -1;
  }

  private readonly indexById = new Map<string, number>();
  private indexOfId(id: string): number {
    if (this.indexById.size === 0) for (const n of this.nodes) this.indexById.set(n.id, n.index);
    return this.indexById.get(id) ?? -1;
  }

  private sendRaft(n: SimNode, msgs: readonly Message[]): void {
    for (const m of msgs) {
      const problem = undurable(n.storage, m);
      if (problem) throw new SimFailure(`seed ${this.seed}: node ${n.index} sent ${describeMessage(m)} ${problem}`);
      this.stats.raftMessages++;
      if (!n.peers.has(m.to)) continue; // the transport knows only peers proven through gossip
      this.send(n.index, this.indexOfId(m.to), { raft: m });
    }
  }

  /** rd is durable: into the node's storage, then what depended on it leaves, then advance. */
  private persisted(n: SimNode, core: NodeCore, rd: Ready): void {
    n.storage.persist(rd);
    this.sendRaft(n, rd.messagesAfterPersist);
    const snap = core.advance(rd);
    if (snap) n.storage.saveSnapshot(snap);
  }

  /** Runs the node's Ready loop and collects its effects. */
  private drain(n: SimNode): void {
    const core = n.core!;
    for (;;) {
      if (n.persisting) {
        // Written asynchronously: the core goes on receiving and ticking until the write is durable.
        if (n.persisting.dueAt > this.now) break;
        const rd = n.persisting.rd;
        n.persisting = null;
        this.persisted(n, core, rd);
        continue;
      }
      if (!core.hasReady()) break;
      const rd = core.ready();
      this.sendRaft(n, rd.messages);
      // Even-numbered nodes persist like the node host (Wal.saveAsync): a Ready with entries or a
      // new term/vote is durable only one step later (or at once, when the disk is quick).
      if (n.index % 2 === 0 && !rd.snapshot && (rd.entries.length > 0 || rd.hardState) && this.diskRng.chance(0.7)) {
        n.persisting = { rd, dueAt: this.now + this.diskRng.nextInt(2) * STEP_MS };
        continue;
      }
      this.persisted(n, core, rd);
    }
    const fx = core.takeEffects();
    for (const p of fx.peers) n.peers.add(p.id);
    for (const d of fx.decisions) if (d.action === 'withheld' && d.reason !== 'not_leader') { this.lastWithheld.push(`${d.reason}: ${d.detail}`); if (this.lastWithheld.length > 50) this.lastWithheld.shift(); }
    for (const d of fx.decisions) if (d.action === 'proposed' && d.reason === 'replace_dead_holder' && d.command) this.replacements.add(`${describeRoleAssignment(d.command)}`);
    if (SIM_LOG) {
      for (const e of fx.gossipEvents) if (e.kind === 'health') this.log(`n${n.index} sees ${e.id.nodeId}: ${e.from} → ${e.to}`);
      for (const d of fx.decisions) {
        if (d.action !== 'proposed' && (d.reason === 'not_leader' || d.reason === 'no_quorum')) continue;
        const key = `${n.index} ${d.reason} ${d.detail.replace(/\d+ s ago/, '')}`;
        if (d.action !== 'proposed' && this.now - (this.logged.get(key) ?? -Infinity) < 30_000) continue;
        this.logged.set(key, this.now);
        this.log(`n${n.index} ${d.action} ${d.reason} [${d.policy}] ${d.detail}`);
      }
    }
    for (const d of fx.datagrams) {
      this.stats.datagrams++;
      this.send(n.index, this.indexOfGossip(d.to), { gossip: { bytes: d.bytes, from: n.gossipAddr } });
    }
  }

  /** Advances simulated time by one step: deliveries, ticks, Ready loops, invariant checks. */
  step(): void {
    this.now += STEP_MS;
    const due = this.queue.filter((f) => f.at <= this.now).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.queue = this.queue.filter((f) => f.at > this.now);
    const touched = new Set<number>();
    for (const f of due) {
      const n = this.nodes[f.to]!;
      if (!n.core) continue;
      const fromIndex = f.gossip ? this.indexOfGossip(f.gossip.from) : this.indexOfId(f.raft!.from);
      if (this.groups && this.groups[fromIndex] !== this.groups[f.to]) { this.stats.partitioned++; continue; }
      if (f.gossip) n.core.receiveGossip(f.gossip.bytes, f.gossip.from, f.at);
      else n.core.receiveRaft(f.raft!);
      touched.add(f.to);
    }
    for (const n of this.nodes) {
      if (!n.core) continue;
      n.core.tick(this.now);
      this.drain(n);
    }
    void touched;
    this.check();
  }

  run(ms: number, each?: () => void): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.step();
      each?.();
    }
  }

  /** Runs until `done` holds (checked every step) or fails after `ms`. */
  runUntil(what: string, ms: number, done: () => boolean): number {
    const start = this.now;
    while (!done()) {
      if (this.now - start > ms) throw new SimFailure(`${what}: not reached within ${ms} ms of simulated time\n${this.describe()}`);
      this.step();
    }
    return this.now - start;
  }

  /** A short picture of the mesh for failure messages. */
  describe(): string {
    const lines: string[] = [];
    for (const n of this.nodes) {
      const st = n.core?.status();
      if (!st) { lines.push(`  node ${n.index} ${n.id.slice(0, 8)}: down`); continue; }
      const health = st.members.map((m) => `${this.indexOfId(m.nodeId)}:${m.health[0]}`).join(' ');
      lines.push(`  node ${n.index} ${n.id.slice(0, 8)}: ${st.raft.state} t${st.raft.term} commit ${st.raft.commitIndex} voters [${st.raft.voters.map((v) => this.indexOfId(v)).join(',')}] learners [${st.raft.learners.map((v) => this.indexOfId(v)).join(',')}] roles [${(st.shape[n.id] ?? []).join(',')}] sees ${health}`);
    }
    lines.push(...this.lastWithheld.slice(-6).map((d) => `  withheld: ${d}`));
    lines.push(...this.trace.slice(-8).map((t) => `  trace: ${t}`));
    return lines.join('\n');
  }

  private readonly lastWithheld: string[] = [];

  leader(): SimNode | null {
    let best: SimNode | null = null;
    let term = -1;
    for (const n of this.nodes) {
      const c = n.core?.consensus;
      if (c?.isLeader() && c.status().term > term) { best = n; term = c.status().term; }
    }
    return best;
  }

  /** The committed shape as the current leader sees it matches `target` with live holders only. */
  atTarget(target: TargetTopology): boolean {
    const l = this.leader();
    if (!l) return false;
    const shape = l.core!.consensus!.state.shape;
    const roles: NodeRole[] = ['api_server', 'etcd', 'scheduler', 'controller_manager'];
    for (const r of roles) {
      const holders = shape.holders(r);
      if (holders.length !== targetFor(target, r)) return false;
      if (holders.some((h) => !this.alive(this.indexOfId(h)))) return false;
    }
    return true;
  }

  holdersOf(role: NodeRole): number[] {
    const l = this.leader();
    if (!l) return [];
    return l.core!.consensus!.state.shape.holders(role).map((h) => this.indexOfId(h));
  }

  // ---- invariants -----------------------------------------------------------------------------

  private check(): void {
    for (const n of this.nodes) {
      const c = n.core?.consensus;
      if (!c) continue;
      const s = c.status();
      this.stats.maxTerm = Math.max(this.stats.maxTerm, s.term);
      if (s.role === 'leader') {
        const prev = this.leaders.get(s.term);
        if (prev !== undefined && prev !== n.id) throw new SimFailure(`two leaders in term ${s.term}: ${prev.slice(0, 8)} and ${n.id.slice(0, 8)}`);
        this.leaders.set(s.term, n.id);
      }
      // Chains identical: every committed block at a Raft index is the same everywhere.
      for (const b of c.state.chain) {
        const index = Number(b.block.raftLogIndex);
        const seen = this.blocksByIndex.get(index);
        if (seen === undefined) {
          this.blocksByIndex.set(index, b.hash);
          this.onNewBlock(n, index, b.block.assignment, Number(b.block.committedAtMs) - WALL_EPOCH_MS);
        } else if (seen !== b.hash) {
          throw new SimFailure(`chains differ at raft index ${index}: ${seen.slice(0, 12)} vs ${b.hash.slice(0, 12)} on node ${n.index}`);
        }
      }
    }
  }

  private onNewBlock(observer: SimNode, index: number, a: Parameters<typeof describeRoleAssignment>[0], proposedAtMs: number): void {
    this.stats.blocks++;
    // Quorum: a committed entry is durable on a majority of the voters (etcd holders) before it.
    const conf = observer.core!.consensus!.status().conf.voters;
    if (index > 1) {
      const durable = conf.filter((v) => {
        const st = this.nodes[this.indexOfId(v)]?.storage;
        if (!st) return false;
        if (st.snapshot && st.snapshot.index >= index) return true;
        return st.entries.some((e) => e.index === index);
      });
      if (durable.length * 2 <= conf.length - (a.kind === 'promote' && a.roles.includes('etcd') && conf.includes(a.nodeId) ? 1 : 0)) {
        throw new SimFailure(`block at raft index ${index} (${describeRoleAssignment(a)}) committed while durable on only ${durable.length} of ${conf.length} voters`);
      }
    }
    const text = describeRoleAssignment(a);
    if (SIM_LOG) this.log(`commit #${index} ${text} (proposed at ${proposedAtMs})`);
    if (index === 1) return;
    // No over-provisioning and no duplicate grants: the policy plans with its proposals in view.
    if (a.kind === 'promote' && a.reason !== 'operator') {
      const st = observer.core!.consensus!.state;
      for (const r of a.roles) {
        if (r === 'worker') continue;
        const want = targetFor(st.target, r);
        const held = st.shape.holders(r).length;
        if (this.checkProvisioning && held > want) throw new SimFailure(`${text} at raft index ${index}: ${held} holders of ${r}, target ${want}`);
      }
      const key = `${text}`;
      if (this.checkProvisioning && this.granted.has(key) && this.granted.get(key)! > this.lastDemoteOf(a.nodeId)) throw new SimFailure(`${text} committed twice (raft index ${index})`);
      this.granted.set(key, index);
    }
    if (a.kind === 'demote') this.demotedAt.set(a.nodeId, index); // the genesis block is the bootstrap, not a role change
    this.changes.push({
      atMs: proposedAtMs, nodeId: a.nodeId,
      kind: a.kind === 'promote' ? 'promote' : a.kind === 'demote' ? 'demote' : 'other',
      roles: a.kind === 'promote' ? a.roles : a.kind === 'demote' ? a.rolesRelinquished : [],
      exempt: ('reason' in a && a.reason === 'operator') || this.replacements.has(text),
      text,
    });
  }

  /** Damping: a node's non-replacement role changes are at least changeWindowMs apart. */
  checkDamping(): void {
    const last = new Map<string, number>();
    for (const c of this.changes) {
      if (c.exempt) { last.set(c.nodeId, c.atMs); continue; }
      const prev = last.get(c.nodeId);
      // Commands from one engine tick share a timestamp: that is one change.
      if (prev !== undefined && c.atMs !== prev && c.atMs - prev < this.damping.changeWindowMs) {
        throw new SimFailure(`node ${c.nodeId.slice(0, 8)} changed roles ${c.atMs - prev} ms after its previous change (window ${this.damping.changeWindowMs} ms): ${c.text}`);
      }
      last.set(c.nodeId, c.atMs);
    }
  }

  /** Every live node's chain verifies with the real (uncached) verifier and is a prefix of the longest. */
  checkChains(): number {
    let longest: string[] = [];
    for (const n of this.nodes) {
      const c = n.core?.consensus;
      if (!c) continue;
      const blocks = c.state.blocks();
      const v = verifyChain(blocks, nodeEd25519);
      if (!v.ok) throw new SimFailure(`node ${n.index}: chain does not verify: ${JSON.stringify(v.error)}`);
      const hashes = c.state.chain.map((b) => b.hash);
      const [short, long] = hashes.length <= longest.length ? [hashes, longest] : [longest, hashes];
      for (let i = 0; i < short.length; i++) if (short[i] !== long[i]) throw new SimFailure(`node ${n.index}: chain diverges at block ${i}`);
      if (hashes.length > longest.length) longest = hashes;
    }
    return longest.length;
  }
}

/** The seed for a run: REVOADA_SIM_SEED replays one. */
export function simSeed(fallback: number): number {
  const env = process.env.REVOADA_SIM_SEED;
  return env !== undefined && env !== '' ? Number(env) : fallback;
}

/** Runs `body`; on failure the error names the seed and the replay command. */
export function withSeed<T>(seed: number, body: (seed: number) => T): T {
  try {
    return body(seed);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    throw new Error(`${text}\n  seed ${seed} — replay with REVOADA_SIM_SEED=${seed}`, { cause: error });
  }
}
