// Deterministic simulator for the membership machine: simulated time, a lossy/duplicating/
// reordering network with partitions, per-node event-loop stalls. Everything comes from one seed.
import { pureEd25519, type Ed25519Provider } from '../../../shared/crypto/ed25519';
import { Prng } from '../../../shared/kit/prng';
import type { SuspectTrigger } from '../../../shared/membership/failure-detector';
import { defaultLocalState, Membership, type MembershipConfig, type PeerSelection } from '../../../shared/membership/machine';
import { formatSocketAddr, type SocketAddr } from '../../../shared/membership/wire';
import { PRESCRIBED_HOMELAB, type FabricStrategy } from '../../../shared/types/fabric';

export interface SimOptions {
  readonly seed: number;
  readonly loss?: number;
  readonly duplicate?: number;
  /** One-way latency range in ms (random per datagram ⇒ reordering). */
  readonly latencyMs?: readonly [number, number];
  readonly timing?: FabricStrategy['membership'];
  readonly crypto?: Ed25519Provider;
  readonly clusterId?: string;
  readonly maxDatagram?: number;
  readonly deadNodeGraceMs?: number;
  readonly markedForDeletionGraceMs?: number;
  readonly fanout?: number;
  readonly calmFanout?: number;
  readonly peerSelection?: PeerSelection;
  readonly suspectTrigger?: SuspectTrigger;
  /**
   * 'aligned' (default): every node ticks at the same instants (cadence/4 apart, counted from each
   * run() call). 'random': each node ticks on its own fixed grid with a random phase, as separate
   * processes do, so rounds do not all fire at the same instant.
   */
  readonly tickPhases?: 'aligned' | 'random';
}

interface SimNode {
  index: number;
  addr: SocketAddr;
  machine: Membership;
  alive: boolean;
  /** The node's event loop is blocked until this time (its timers and receives wait). */
  stalledUntil: number;
  generation: bigint;
  /** Next tick time ('random' tick phases only). */
  nextTickAt: number;
}

interface Delivery {
  at: number;
  seq: number;
  to: string;
  from: SocketAddr;
  bytes: Uint8Array;
}

export class Sim {
  now = 0;
  readonly nodes: SimNode[] = [];
  private readonly byAddr = new Map<string, SimNode>();
  private queue: Delivery[] = [];
  private seq = 0;
  private readonly prng: Prng;
  private readonly blocked = new Set<string>();
  readonly timing: FabricStrategy['membership'];
  readonly crypto: Ed25519Provider;
  loss: number;
  duplicate: number;
  latency: readonly [number, number];
  delivered = 0;
  dropped = 0;

  constructor(readonly options: SimOptions) {
    this.prng = new Prng(options.seed);
    this.loss = options.loss ?? 0;
    this.duplicate = options.duplicate ?? 0;
    this.latency = options.latencyMs ?? [0.2, 1];
    this.timing = options.timing ?? PRESCRIBED_HOMELAB.membership;
    this.crypto = options.crypto ?? pureEd25519;
  }

  static addrOf(i: number): SocketAddr {
    return { ip: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, port: 7800 };
  }

  /** Adds node i (seed bytes derive from i) with the given seed node indexes. */
  addNode(i: number, seedIndexes: readonly number[], generation = 1n, clusterId = this.options.clusterId ?? 'sim'): SimNode {
    const addr = Sim.addrOf(i);
    const seed = new Uint8Array(32).fill(0);
    seed[0] = i & 0xff;
    seed[1] = (i >> 8) & 0xff;
    seed[31] = 0x5a;
    const signer = this.crypto.signerFromSeed(seed);
    const config: MembershipConfig = {
      clusterId,
      generation,
      advertiseAddr: addr,
      seeds: seedIndexes.map((s) => Sim.addrOf(s)),
      timing: this.timing,
      rngSeed: this.prng.nextU32(),
      ...(this.options.fanout !== undefined ? { fanout: this.options.fanout } : {}),
      ...(this.options.calmFanout !== undefined ? { calmFanout: this.options.calmFanout } : {}),
      ...(this.options.peerSelection !== undefined ? { peerSelection: this.options.peerSelection } : {}),
      ...(this.options.suspectTrigger !== undefined ? { suspectTrigger: this.options.suspectTrigger } : {}),
      ...(this.options.maxDatagram !== undefined ? { maxDatagram: this.options.maxDatagram } : {}),
      ...(this.options.deadNodeGraceMs !== undefined ? { deadNodeGraceMs: this.options.deadNodeGraceMs } : {}),
      ...(this.options.markedForDeletionGraceMs !== undefined ? { markedForDeletionGraceMs: this.options.markedForDeletionGraceMs } : {}),
    };
    const machine = new Membership(config, { signer, verifier: this.crypto }, this.now);
    machine.setLocalState(defaultLocalState(formatSocketAddr(addr)));
    const step = this.timing.gossipCadenceMs / 4;
    const node: SimNode = { index: i, addr, machine, alive: true, stalledUntil: 0, generation, nextTickAt: this.now + (this.options.tickPhases === 'random' ? this.prng.nextFloat() * step : 0) };
    const existing = this.nodes.findIndex((n) => n.index === i);
    if (existing >= 0) this.nodes[existing] = node;
    else this.nodes.push(node);
    this.byAddr.set(formatSocketAddr(addr), node);
    this.flush(node);
    return node;
  }

  node(i: number): SimNode {
    return this.nodes.find((n) => n.index === i)!;
  }

  kill(i: number): void {
    this.node(i).alive = false;
  }

  /** Blocks traffic both ways between the two groups. */
  partition(a: readonly number[], b: readonly number[]): void {
    for (const x of a) for (const y of b) {
      this.blocked.add(`${x}>${y}`);
      this.blocked.add(`${y}>${x}`);
    }
  }

  /** Blocks traffic from `from` to `to` only (an asymmetric fault). */
  cut(from: number, to: number): void {
    this.blocked.add(`${from}>${to}`);
  }

  heal(): void {
    this.blocked.clear();
  }

  stall(i: number, ms: number): void {
    const n = this.node(i);
    n.stalledUntil = Math.max(n.stalledUntil, this.now + ms);
  }

  private flush(n: SimNode): void {
    for (const out of n.machine.drainOutbox()) {
      const target = this.byAddr.get(formatSocketAddr(out.to));
      if (target === undefined) continue;
      if (this.blocked.has(`${n.index}>${target.index}`)) { this.dropped++; continue; }
      const copies = this.prng.chance(this.duplicate) ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        if (this.prng.chance(this.loss)) { this.dropped++; continue; }
        const [lo, hi] = this.latency;
        this.push({ at: this.now + lo + this.prng.nextFloat() * (hi - lo), seq: this.seq++, to: formatSocketAddr(out.to), from: n.addr, bytes: out.bytes });
      }
    }
  }

  private push(d: Delivery): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.queue[mid]!;
      if (q.at < d.at || (q.at === d.at && q.seq < d.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, d);
  }

  /** Runs for `ms` of simulated time; every live node ticks every cadence/4 unless stalled. */
  run(ms: number, onStep?: () => void): void {
    const end = this.now + ms;
    const step = this.timing.gossipCadenceMs / 4;
    const random = this.options.tickPhases === 'random';
    while (this.now < end) {
      let next = Math.min(end, this.now + step);
      if (random) for (const n of this.nodes) next = Math.min(next, Math.max(this.now, n.nextTickAt));
      this.deliverUntil(next);
      this.now = next;
      for (const n of this.nodes) {
        if (random) {
          if (n.nextTickAt > this.now) continue;
          while (n.nextTickAt <= this.now) n.nextTickAt += step;
        }
        if (!n.alive || n.stalledUntil > this.now) continue;
        n.machine.tick(this.now);
        this.flush(n);
      }
      onStep?.();
    }
  }

  private deliverUntil(t: number): void {
    while (this.queue.length > 0 && this.queue[0]!.at <= t) {
      const d = this.queue.shift()!;
      const target = this.byAddr.get(d.to);
      if (target === undefined || !target.alive) continue;
      const at = Math.max(d.at, target.stalledUntil);
      if (at > d.at) { this.push({ ...d, at, seq: this.seq++ }); continue; }
      this.now = Math.max(this.now, d.at);
      target.machine.receive(d.bytes, d.from, this.now);
      this.delivered++;
      this.flush(target);
    }
  }

  /** True when every live node sees every other live node healthy with a verified state. */
  converged(): boolean {
    const live = this.nodes.filter((n) => n.alive);
    for (const n of live) {
      const view = n.machine.view(this.now);
      for (const other of live) {
        if (other === n) continue;
        const m = view.members.find((x) => x.id.nodeId === other.machine.self.nodeId && x.id.generation === other.generation);
        if (m === undefined || m.health !== 'healthy' || m.state === null) return false;
      }
    }
    return true;
  }

  /** Runs until converged (checking every step); returns the time it took or null. */
  runUntil(predicate: () => boolean, limitMs: number): number | null {
    const start = this.now;
    const step = this.timing.gossipCadenceMs / 4;
    while (this.now - start < limitMs) {
      if (predicate()) return this.now - start;
      this.run(step);
    }
    return predicate() ? this.now - start : null;
  }
}
