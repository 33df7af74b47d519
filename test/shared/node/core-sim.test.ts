import { describe, expect, it } from 'vitest';
import { HA_THREE_TARGET } from '../../../shared/types/target';
import type { NodeRole } from '../../../shared/types/roles';
import type { DampingConfig } from '../../../shared/policy/engine';
import { Simulation, simSeed, withSeed, type RoleChange } from './sim';

const ROLES: NodeRole[] = ['etcd', 'api_server', 'scheduler', 'controller_manager'];

const N = 5;
/** Simulated minutes of flapping: two hours in npm test (REVOADA_SIM_SOAK_MIN=600 for ten). */
const SOAK_MIN = Number(process.env.REVOADA_SIM_SOAK_MIN ?? 120);
/** Scaled-down damping (same rules, shorter windows) so several fault rounds fit in a short run. */
const FAST_DAMPING: DampingConfig = { changeWindowMs: 20_000, flapThreshold: 3, flapWindowMs: 60_000, stableForMs: 5_000, maxProposalsPerTick: 8 };

/** Per node and role: never promoted after being demoted (or demoted after promoted) in `changes`. */
function expectNoCycles(changes: readonly RoleChange[], flapperId: string): void {
  const seen = new Map<string, string>();
  for (const c of changes) {
    for (const r of c.roles) {
      const key = `${c.nodeId}/${r}`;
      const prev = seen.get(key);
      if (prev !== undefined && prev !== c.kind) throw new Error(`${c.nodeId.slice(0, 8)} ${r}: ${prev} then ${c.kind} while ${flapperId.slice(0, 8)} flapped`);
      seen.set(key, c.kind);
    }
  }
}

/** Forms a 5-node mesh and sets the HA target; returns the sim at target. */
function formed(seed: number, damping?: DampingConfig): Simulation {
  const sim = new Simulation(seed, N, damping);
  sim.runUntil('all nodes join Raft', 60_000, () => {
    const l = sim.leader();
    const conf = l?.core!.consensus!.status().conf;
    return conf !== undefined && conf.voters.length + conf.learners.length === N;
  });
  const l = sim.leader()!;
  const r = l.core!.setTarget(HA_THREE_TARGET);
  expect('ticket' in r || r.done.ok).toBe(true);
  sim.runUntil('shape reaches the HA target', 180_000, () => sim.atTarget(HA_THREE_TARGET));
  return sim;
}

describe('full-stack simulator (NodeCore × N: real gossip, Raft and policy)', () => {
  it('shape returns to target after killing the holder of each role in turn', () => withSeed(simSeed(1), (seed) => {
    const sim = formed(seed);
    const heal: number[] = [];
    for (const role of ROLES) {
      const victim = sim.holdersOf(role)[0]!;
      sim.crash(victim);
      heal.push(sim.runUntil(`target after killing the ${role} holder`, 120_000, () => sim.atTarget(HA_THREE_TARGET)));
      sim.restart(victim);
      sim.run(15_000);
    }
    // Dead-holder replacement is exempt from the change window: healing takes failure detection
    // plus a few commits, not a damping window (60 s).
    for (const ms of heal) expect(ms).toBeLessThan(10_000);
    sim.checkDamping();
    const blocks = sim.checkChains();
    console.log(JSON.stringify({ seed, simulatedS: sim.now / 1000, healMs: heal, chainBlocks: blocks, ...sim.stats }));
  }));
});

describe('full-stack simulator under faults', () => {
  it('loss, delay, minority and majority partitions and crashes: one leader per term, identical verifying chains, quorum, damping; heals to target', () => withSeed(simSeed(2), (seed) => {
    const sim = formed(seed, FAST_DAMPING);
    sim.faults = { loss: 0.05, minDelayMs: 1, maxDelayMs: 40 };
    const rounds = { minority: 0, majority: 0, crashes: 0 };
    for (let round = 0; round < 6; round++) {
      const leader = sim.leader();
      const etcd = sim.holdersOf('etcd');
      if (round % 2 === 0 && leader) {
        // Minority: the leader and one other node are cut off; the majority elects and heals.
        const other = sim.nodes.find((n) => n.index !== leader.index)!.index;
        sim.partition([leader.index, other]);
        rounds.minority++;
      } else {
        // Majority of the etcd voters on one side, with a crash on the other.
        sim.partition(etcd.slice(0, 2));
        const victim = sim.nodes.map((n) => n.index).find((i) => !etcd.slice(0, 2).includes(i) && sim.alive(i));
        if (victim !== undefined) { sim.crash(victim); rounds.crashes++; }
        rounds.majority++;
      }
      sim.run(5_000 + sim.rng.nextInt(10_000));
      sim.partition(null);
      for (const n of sim.nodes) if (!sim.alive(n.index)) sim.restart(n.index);
      sim.runUntil(`target after fault round ${round}`, 120_000, () => sim.atTarget(HA_THREE_TARGET));
    }
    sim.faults = { loss: 0, minDelayMs: 1, maxDelayMs: 8 };
    sim.run(10_000);
    sim.checkDamping();
    const blocks = sim.checkChains();
    expect(blocks).toBeGreaterThan(5);
    console.log(JSON.stringify({ seed, simulatedS: sim.now / 1000, rounds, chainBlocks: blocks, ...sim.stats }));
  }));

  it('a flapping node (down/up every few seconds) causes no promote/demote cycles', () => withSeed(simSeed(3), (seed) => {
    const { sim, flapper } = flapSoak(seed, SOAK_MIN, 'restart');
    // Every restart is a new gossip generation; the old ones must not pile up in the membership
    // (they once filled every digest until gossip stopped, ~1 h into this soak).
    for (const n of sim.nodes) {
      const members = n.core?.membership.view(sim.now).members.length ?? 0;
      expect(members, `node ${n.index} holds ${members} member records`).toBeLessThanOrEqual(N + 12);
    }
    expect(sim.atTarget(HA_THREE_TARGET) || sim.holdersOf('etcd').includes(flapper)).toBe(true);
  }), 60_000 + SOAK_MIN * 30_000);
});

describe('full-stack simulator: a node whose network flaps', () => {
  it('cut off and back every few seconds (same process, same generation) for an hour: no promote/demote cycles', () => withSeed(simSeed(4), (seed) => {
    flapSoak(seed, Math.min(SOAK_MIN, 60), 'network');
  }), 60_000 + SOAK_MIN * 30_000);
});

/**
 * Forms the HA mesh, then flaps an etcd holder that is not the leader — crash/restart or cut off
 * and back — every few seconds for `minutes`. Its first outage may replace it (a dead holder);
 * after that it must never be chosen again while it flaps, nobody else may churn, damping holds
 * and the chains verify.
 */
function flapSoak(seed: number, minutes: number, how: 'restart' | 'network'): { sim: Simulation; flapper: number } {
  const sim = formed(seed);
  const flapper = sim.holdersOf('etcd').find((i) => sim.leader()?.index !== i)!;
  const flapperId = sim.nodes[flapper]!.id;
  const before = sim.changes.length;
  let cycles = 0;
  const end = sim.now + minutes * 60_000;
  while (sim.now < end) {
    if (how === 'restart') sim.crash(flapper);
    else sim.partition([flapper]);
    sim.run(1_000 + sim.rng.nextInt(3_000));
    if (how === 'restart') sim.restart(flapper);
    else sim.partition(null);
    sim.run(2_000 + sim.rng.nextInt(4_000));
    cycles++;
  }
  sim.run(5_000);
  const during = sim.changes.slice(before);
  expect(during.filter((c) => c.nodeId === flapperId && c.kind === 'promote').map((c) => c.text)).toEqual([]);
  expectNoCycles(during, flapperId);
  expect(during.length).toBeLessThanOrEqual(8);
  sim.checkDamping();
  sim.checkChains();
  console.log(JSON.stringify({ seed, how, minutes, cycles, changesDuringFlapping: during.map((c) => c.text), ...sim.stats }));
  return { sim, flapper };
}

describe('simulator determinism', () => {
  it('one seed replays exactly (same messages, same chain)', () => {
    const run = (): string => {
      const sim = new Simulation(77, 4);
      sim.faults = { loss: 0.05, minDelayMs: 1, maxDelayMs: 30 };
      sim.run(15_000);
      const chain = sim.leader()?.core!.consensus!.state.chain.map((b) => b.hash) ?? [];
      return JSON.stringify({ stats: sim.stats, chain, trace: sim.trace });
    };
    const first = run();
    expect(JSON.parse(first).chain.length).toBeGreaterThan(0);
    expect(run()).toBe(first);
  });
});
