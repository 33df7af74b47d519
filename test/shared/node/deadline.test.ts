// NodeCore.nextDeadlineMs on simulated time: a host that ticks the core only at its deadlines (and
// after datagrams that can change a verdict) must behave exactly like the host that ticked it every
// Raft tick (10 ms): same datagrams, Raft messages, log lines, membership events and policy
// decisions, at the same instants — through cluster formation, a target change, a leader crash
// (failure detection, election, replacement) — while waking up far less often.

import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/kit/prng';
import type { Message } from '../../../shared/consensus/types';
import type { SocketAddr } from '../../../shared/membership/wire';
import { NodeCore } from '../../../shared/node/core';
import { PRESCRIBED_HOMELAB } from '../../../shared/types/fabric';
import { HA_THREE_TARGET } from '../../../shared/types/target';
import { nodeEd25519 } from '../../../electron/node/ed25519-node';
import { cachedVerifier } from '../consensus/sim';

const TICK_MS = 10;
const EPOCH_MS = 1_800_000_000_000;
const verifier = cachedVerifier(nodeEd25519);

type Driver = 'every-tick' | 'deadline';

interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly to: number;
  readonly gossip?: { readonly bytes: Uint8Array; readonly from: SocketAddr };
  readonly raft?: Message;
}

/** Short stable digest of bytes (FNV-1a), to keep the effect trace small. */
function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return `${bytes.length}:${h.toString(16)}`;
}

function describeMessage(m: Message): string {
  return JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? digest(v) : v));
}

/**
 * N cores on one simulated network. 'every-tick' ticks every core on every 10 ms boundary (the old
 * host); 'deadline' ticks a core only when its nextDeadlineMs() arrives, or on the next tick
 * boundary after a datagram when tickAfterGossip() says it can matter. At one instant, due ticks
 * run before deliveries, in both worlds. Every effect is traced with its time.
 */
class World {
  now = 0;
  readonly cores: NodeCore[] = [];
  readonly up: boolean[] = [];
  readonly trace: string[] = [];
  ticks = 0;
  private readonly peers: Set<string>[] = [];
  private readonly wakeAt: number[] = [];
  private queue: InFlight[] = [];
  private seq = 0;
  private tickedAt = -1;

  constructor(readonly driver: Driver, count: number) {
    const secret = new Uint8Array(32).fill(5);
    for (let i = 0; i < count; i++) {
      const seed = new Uint8Array(32).fill(40 + i);
      const core = new NodeCore({
        clusterId: 'deadline', gossipAddr: this.addr(i), raftAddr: `10.9.1.${i + 1}:7281`,
        seeds: i === 0 ? [] : [this.addr(0)], generation: BigInt(EPOCH_MS + i),
        secret: { key: secret, fingerprint: 'fp' }, bootstrap: i === 0 ? 'if-empty' : false,
        capacity: { cpu: '4', memory: '8192Mi', storage: '0', pods: 110 }, timing: PRESCRIBED_HOMELAB.membership,
        raftTickMs: TICK_MS, glueEveryMs: 50, proposalTimeoutMs: 5000,
        // Shorter damping windows (same rules), so the target is reached within the scenario.
        damping: { changeWindowMs: 20_000, flapThreshold: 3, flapWindowMs: 60_000, stableForMs: 5000, maxProposalsPerTick: 8 },
      }, {
        signer: nodeEd25519.signerFromSeed(seed), verifier, hmacSha256: (k, d) => hmac(sha256, k, d),
        wallClock: { nowMs: () => EPOCH_MS + this.now }, prng: new Prng(1000 + i),
      }, 0);
      this.cores.push(core);
      this.up.push(true);
      this.peers.push(new Set());
      this.wakeAt.push(0);
    }
    for (let i = 0; i < count; i++) this.drain(i);
  }

  addr(i: number): SocketAddr {
    return { ip: `10.9.0.${i + 1}`, port: 7280 };
  }

  private indexOf(addr: SocketAddr): number {
    return Number(addr.ip.split('.')[3]) - 1;
  }

  /** A fixed per-link delay (1..9 ms): arrivals land on and off tick boundaries. */
  private send(from: number, to: number, payload: Omit<InFlight, 'at' | 'seq' | 'to'>): void {
    if (to < 0 || to >= this.cores.length) return;
    this.queue.push({ at: this.now + 1 + ((from * 7 + to * 3) % 9), seq: this.seq++, to, ...payload });
  }

  private drain(i: number): void {
    const core = this.cores[i]!;
    while (core.hasReady()) {
      const rd = core.ready();
      for (const m of [...rd.messages, ...rd.messagesAfterPersist]) {
        this.trace.push(`${this.now} ${i} raft ${describeMessage(m)}`);
        const to = this.cores.findIndex((c) => c.nodeId === m.to);
        if (this.peers[i]!.has(m.to)) this.send(i, to, { raft: m });
      }
      core.advance(rd);
    }
    const fx = core.takeEffects();
    for (const d of fx.datagrams) {
      this.trace.push(`${this.now} ${i} datagram ${d.to.ip} ${digest(d.bytes)}`);
      this.send(i, this.indexOf(d.to), { gossip: { bytes: d.bytes, from: this.addr(i) } });
    }
    for (const p of fx.peers) this.peers[i]!.add(p.id);
    for (const l of fx.log) this.trace.push(`${this.now} ${i} log ${l.event} ${l.message}`);
    for (const s of fx.settled) this.trace.push(`${this.now} ${i} settled ${s.ticket} ${s.result.message}`);
    for (const e of fx.gossipEvents) this.trace.push(`${this.now} ${i} event ${JSON.stringify(e, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    for (const d of fx.decisions) this.trace.push(`${this.now} ${i} decision ${JSON.stringify(d)}`);
  }

  private tick(i: number): void {
    this.ticks++;
    this.cores[i]!.tick(this.now);
    this.drain(i);
  }

  private rearm(i: number): void {
    const deadline = this.cores[i]!.nextDeadlineMs();
    expect(deadline, `node ${i} at ${this.now}`).toBeGreaterThan(this.now);
    this.wakeAt[i] = Math.min(deadline, this.wakeAt[i]! > this.now ? this.wakeAt[i]! : Infinity);
  }

  private nextTimer(): number {
    if (this.driver === 'every-tick') {
      const boundary = Math.ceil(this.now / TICK_MS) * TICK_MS;
      return boundary > this.tickedAt ? boundary : boundary + TICK_MS;
    }
    let next = Infinity;
    for (let i = 0; i < this.cores.length; i++) if (this.up[i]) next = Math.min(next, this.wakeAt[i]!);
    return next;
  }

  run(untilMs: number): void {
    for (;;) {
      const arrival = this.queue.reduce((t, f) => Math.min(t, f.at), Infinity);
      const t = Math.min(this.nextTimer(), arrival);
      if (t > untilMs) break;
      expect(t).toBeGreaterThanOrEqual(this.now);
      this.now = t;
      if (this.driver === 'every-tick' && t % TICK_MS === 0) this.tickedAt = t;
      for (let i = 0; i < this.cores.length; i++) {
        if (!this.up[i]) continue;
        if (this.driver === 'every-tick' ? t % TICK_MS === 0 : this.wakeAt[i]! <= t) {
          this.wakeAt[i] = Infinity;
          this.tick(i);
          if (this.driver === 'deadline') this.rearm(i);
        }
      }
      const due = this.queue.filter((f) => f.at === t).sort((a, b) => a.seq - b.seq);
      this.queue = this.queue.filter((f) => f.at !== t);
      for (const f of due) {
        if (!this.up[f.to]) continue;
        const core = this.cores[f.to]!;
        if (f.gossip) core.receiveGossip(f.gossip.bytes, f.gossip.from, t);
        else if (this.driver === 'every-tick') core.receiveRaft(f.raft!);
        else core.receiveRaft(f.raft!, t);
        this.drain(f.to);
        if (this.driver === 'deadline') {
          this.rearm(f.to);
          // The host ticks at once after such datagrams; here, on the next tick boundary (where
          // the 10 ms host would have), so that both worlds stay comparable instant by instant.
          if (f.gossip && core.tickAfterGossip()) this.wakeAt[f.to] = Math.min(this.wakeAt[f.to]!, (Math.floor(t / TICK_MS) + 1) * TICK_MS);
        }
      }
    }
    this.now = untilMs;
  }

  crash(i: number): void {
    this.up[i] = false;
    this.trace.push(`${this.now} ${i} crash`);
  }

  leader(): number {
    return this.cores.findIndex((c, i) => this.up[i] && c.consensus!.isLeader());
  }

  command(i: number, run: (core: NodeCore) => unknown): void {
    this.trace.push(`${this.now} ${i} command ${JSON.stringify(run(this.cores[i]!))}`);
    this.drain(i);
    if (this.driver === 'deadline') this.rearm(i);
  }
}

/** Runs one scenario in a world; returns it for comparison. */
function scenario(driver: Driver): World {
  const w = new World(driver, 4);
  w.run(3000);
  const first = w.leader();
  expect(first).toBeGreaterThanOrEqual(0);
  w.command(first, (c) => c.setTarget(HA_THREE_TARGET));
  w.run(30_000);
  expect(w.cores[first]!.status().raft.voters).toHaveLength(3);
  w.crash(first);
  w.run(38_000);
  return w;
}

function firstDifference(a: readonly string[], b: readonly string[]): string {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return `#${i}\n  every-tick: ${a[i]}\n  deadline:   ${b[i]}`;
  return a.length === b.length ? 'none' : `lengths ${a.length} vs ${b.length}`;
}

describe('NodeCore.nextDeadlineMs (pure, simulated time)', () => {
  it('ticking only at deadlines reproduces the every-tick host exactly through formation, a target change and a leader crash', () => {
    const old = scenario('every-tick');
    const lean = scenario('deadline');
    expect(firstDifference(old.trace, lean.trace)).toBe('none');
    // The scenario did what it says: a new leader in a later term, the crashed one declared dead,
    // role changes proposed by the policy, witness signatures in the chain.
    const text = lean.trace.join('\n');
    expect(text).toMatch(/ log member\.dead member \w+ is dead \(was suspect\)/);
    expect(text).toMatch(/ log raft\.role leader in term 3/);
    expect(text).toMatch(/ log policy\.propose proposed demote /);
    const survivor = lean.cores[lean.leader()]!;
    expect(survivor.status().chain.length).toBeGreaterThan(5);
    // And with far fewer wake-ups than the 10 ms host's 100 ticks/s per node.
    console.log(JSON.stringify({ ticksEveryTick: old.ticks, ticksDeadline: lean.ticks, traceLines: lean.trace.length }));
    expect(lean.ticks).toBeLessThan(old.ticks / 2);
  });

  it('an idle one-node cluster wakes only for gossip rounds and the policy period', () => {
    const old = new World('every-tick', 1);
    const lean = new World('deadline', 1);
    old.run(60_000);
    lean.run(60_000);
    expect(firstDifference(old.trace, lean.trace)).toBe('none');
    expect(lean.cores[0]!.consensus!.isLeader()).toBe(true);
    // 10 rounds/s, plus the policy every 250 ms (2 of its 4 runs/s fall between rounds).
    expect(lean.ticks).toBeLessThanOrEqual(12 * 60 + 40);
    expect(old.ticks).toBe(6001);
  });

  it('names the next thing due: a Raft heartbeat, a suspect peer every tick, a proposal expiry', () => {
    const w = new World('deadline', 2);
    w.run(3000);
    const leader = w.cores[w.leader()]!;
    const other = w.cores[1 - w.leader()]!;
    // A leader with a peer (here a learner) wakes for its heartbeats (4 ticks), never later.
    expect(leader.nextDeadlineMs() - w.now).toBeLessThanOrEqual(4 * TICK_MS);
    // Cut the peer off: once it is suspect it is re-evaluated every tick, as before.
    w.crash(w.cores.indexOf(other));
    let suspectSeen = false;
    for (let t = w.now + TICK_MS; t <= w.now + 2000 && !suspectSeen; t += TICK_MS) {
      w.run(t);
      suspectSeen = leader.status().members.some((m) => m.nodeId === other.nodeId && m.health === 'suspect');
      if (suspectSeen) expect(leader.nextDeadlineMs() - w.now).toBeLessThanOrEqual(TICK_MS);
    }
    expect(suspectSeen).toBe(true);
  });

  it('wakes for a proposal expiry between gossip rounds, and settles it then', () => {
    const w = new World('deadline', 1);
    w.run(3000);
    const core = w.cores[0]!;
    expect(core.consensus!.isLeader()).toBe(true);
    // A stuck disk: from now on the Ready is never persisted, so the proposal cannot commit.
    const submittedAt = 3005;
    let t = submittedAt;
    core.tick(t);
    const submitted = core.setTarget(HA_THREE_TARGET);
    if (!('ticket' in submitted)) throw new Error(submitted.done.message);
    let settledAt: number | null = null;
    while (settledAt === null && t < submittedAt + 10_000) {
      t = core.nextDeadlineMs();
      core.tick(t);
      if (core.takeEffects().settled.some((s) => s.ticket === submitted.ticket)) settledAt = t;
    }
    // Not at the next gossip round after it (8100): exactly at its deadline.
    expect(settledAt).toBe(submittedAt + 5000);
  });
});
