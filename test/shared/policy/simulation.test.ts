// Policy-level simulation: a seeded, simulated-time loop around the real PolicyEngine, applying each
// tick's proposals to a MeshShape as if they committed. Checks the engine's promises: convergence to
// the target from random shapes, no role move without quorum, no oscillation from a flapping member.
import { describe, expect, it } from 'vitest';
import { Prng } from '../../../shared/kit/prng';
import { DEFAULT_DAMPING, PolicyEngine } from '../../../shared/policy/engine';
import { TOPOLOGY_STRATEGIES, type TopologyStrategy } from '../../../shared/policy/strategies';
import { canServe, type MemberView, type MembershipView } from '../../../shared/policy/view';
import { MeshShape } from '../../../shared/types/mesh-shape';
import type { NodeId } from '../../../shared/types/node-id';
import { MASTER_ROLES, type NodeRole, type RoleAssignment } from '../../../shared/types/roles';
import { HA_THREE_TARGET, targetFor, type TargetTopology } from '../../../shared/types/target';
import { member, nid } from './helpers';

/** REVOADA_SIM_SCALE=10 runs ten times as many random meshes (kept small by default for CI). */
const SCALE = Math.max(1, Number(process.env['REVOADA_SIM_SCALE'] ?? '1') || 1);
const MESHES = 100 * SCALE;
const CHURN_MESHES = 12 * SCALE;

interface Applied {
  readonly at: number;
  readonly cmd: RoleAssignment;
  readonly exempt: boolean;
}

/** Independent re-statement of the quorum rule: majority of etcd holders and of listed Raft voters alive. */
function quorumHolds(view: MembershipView, shape: MeshShape): boolean {
  const alive = new Set(view.members.filter((m) => m.health !== 'dead').map((m) => m.id));
  const etcd = shape.holders('etcd');
  if (etcd.length > 0 && etcd.filter((id) => alive.has(id)).length * 2 <= etcd.length) return false;
  const voters = view.members.filter((m) => m.raft === 'voter');
  if (voters.length > 0 && voters.filter((m) => m.health !== 'dead').length * 2 <= voters.length) return false;
  return true;
}

function runTicks(engine: PolicyEngine, shape: MeshShape, viewAt: (t: number) => MembershipView, fromMs: number, toMs: number, stepMs: number, log: Applied[]): void {
  for (let t = fromMs; t < toMs; t += stepMs) {
    const view = viewAt(t);
    const out = engine.tick({ view, shape, isLeader: true, nowMs: t });
    if (out.proposals.length > 0) expect(quorumHolds(view, shape)).toBe(true);
    const exemptCmds = new Set(out.decisions.filter((d) => d.action === 'proposed' && d.reason === 'replace_dead_holder').map((d) => d.command));
    for (const cmd of out.proposals) {
      shape.apply(cmd, 1, shape.lastAppliedIndex + 1);
      log.push({ at: t, cmd, exempt: exemptCmds.has(cmd) });
    }
  }
}

function atTarget(view: MembershipView, shape: MeshShape, target: TargetTopology): boolean {
  const alive = new Set(view.members.filter((m) => m.health !== 'dead').map((m) => m.id));
  const serving = view.members.filter(canServe).map((m) => m.id);
  const quarantined = new Set(shape.holders('quarantined'));
  for (const role of MASTER_ROLES) {
    const holders = shape.holders(role);
    if (holders.some((id) => !alive.has(id))) return false;
    const want = targetFor(target, role);
    const spare = serving.filter((id) => !holders.includes(id) && !quarantined.has(id));
    if (holders.length < want && spare.length > 0) return false;
  }
  return true;
}

/** Non-exempt changes of one node are at least the damping window apart. */
function expectDamped(log: readonly Applied[], windowMs: number): void {
  const byNode = new Map<NodeId, number[]>();
  for (const a of log) {
    if (a.exempt) continue;
    const times = byNode.get(a.cmd.nodeId) ?? [];
    if (times[times.length - 1] !== a.at) times.push(a.at);
    byNode.set(a.cmd.nodeId, times);
  }
  for (const times of byNode.values()) {
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(windowMs);
  }
}

describe('simulation: convergence from random shapes', () => {
  it(`reaches the target (or proposes nothing without quorum) for ${MESHES} random meshes`, () => {
    const prng = new Prng(20261123);
    const strategies: Array<TopologyStrategy | null> = [null, ...Object.values(TOPOLOGY_STRATEGIES)];
    let converged = 0;
    let refused = 0;
    for (let trial = 0; trial < MESHES; trial++) {
      const n = prng.nextRange(3, 9);
      const members: MemberView[] = [];
      for (let i = 1; i <= n; i++) {
        members.push(member(i, {
          health: prng.chance(0.2) ? 'dead' : prng.chance(0.1) ? 'suspect' : 'healthy',
          raft: prng.chance(0.1) ? 'none' : prng.chance(0.3) ? 'learner' : 'voter',
          caughtUp: prng.chance(0.9),
          capacity: prng.chance(0.5) ? { cpuCores: prng.nextRange(1, 16) } : undefined,
        }));
      }
      const shape = new MeshShape();
      for (let i = 1; i <= n + 2; i++) {
        const roles = MASTER_ROLES.filter(() => prng.chance(0.25));
        if (prng.chance(0.05)) roles.push('quarantined' as NodeRole & 'api_server');
        if (roles.length > 0) shape.apply({ kind: 'promote', nodeId: nid(i), roles, reason: 'operator' }, 1, i);
      }
      const target: TargetTopology = {
        apiServers: prng.nextRange(1, 3), etcdReplicas: prng.pick([1, 3, 5])!, schedulers: prng.nextRange(1, 2),
        controllerManagers: prng.nextRange(1, 2), minWorkers: 1,
      };
      const view: MembershipView = { members };
      const initiallyQuorate = quorumHolds(view, shape);
      const engine = new PolicyEngine({ target, topology: strategies[trial % strategies.length]! });
      const log: Applied[] = [];
      runTicks(engine, shape, () => view, 0, 600_000, 1000, log);
      expectDamped(log, DEFAULT_DAMPING.changeWindowMs);
      if (initiallyQuorate) {
        expect(atTarget(view, shape, target)).toBe(true);
        converged++;
      } else {
        expect(log).toEqual([]);
        refused++;
      }
    }
    expect(converged + refused).toBe(MESHES);
    expect(converged).toBeGreaterThan(MESHES / 3);
  });
});

describe('simulation: random failures over time', () => {
  it(`${CHURN_MESHES} meshes under random churn: never a move without quorum, damping holds, target reached once it calms`, () => {
    const prng = new Prng(7);
    const strategies: Array<TopologyStrategy | null> = [null, ...Object.values(TOPOLOGY_STRATEGIES)];
    for (let trial = 0; trial < CHURN_MESHES; trial++) {
      const n = prng.nextRange(4, 7);
      const health = new Map<number, 'healthy' | 'suspect' | 'dead'>();
      for (let b = 1; b <= n; b++) health.set(b, 'healthy');
      const viewNow = (): MembershipView => ({ members: [...health].map(([b, h]) => member(b, { health: h })) });
      const shape = new MeshShape();
      const engine = new PolicyEngine({ target: HA_THREE_TARGET, topology: strategies[trial % strategies.length]! });
      const log: Applied[] = [];
      const churnEnd = 20 * 60_000;
      for (let t = 0; t < churnEnd; t += 1000) {
        for (const b of health.keys()) {
          if (prng.chance(0.004)) health.set(b, health.get(b) === 'healthy' ? (prng.chance(0.3) ? 'suspect' : 'dead') : 'healthy');
        }
        runTicks(engine, shape, viewNow, t, t + 1000, 1000, log);
      }
      for (const b of health.keys()) health.set(b, 'healthy');
      runTicks(engine, shape, viewNow, churnEnd, churnEnd + 15 * 60_000, 1000, log);
      expectDamped(log, DEFAULT_DAMPING.changeWindowMs);
      // Everyone is back and healthy: the mesh must be at target again.
      expect(atTarget(viewNow(), shape, HA_THREE_TARGET)).toBe(true);
    }
  });
});

describe('simulation: faults', () => {
  const five = (dead: ReadonlySet<number> = new Set()): MembershipView => ({
    members: [1, 2, 3, 4, 5].map((b) => member(b, dead.has(b) ? { health: 'dead' } : {})),
  });

  it('kill the holder of each role in turn: back at target each time, within one tick of the death', () => {
    const shape = new MeshShape();
    const engine = new PolicyEngine({ target: HA_THREE_TARGET });
    const log: Applied[] = [];
    const dead = new Set<number>();
    let t = 0;
    runTicks(engine, shape, () => five(dead), t, (t += 120_000), 1000, log);
    expect(atTarget(five(dead), shape, HA_THREE_TARGET)).toBe(true);
    for (const role of MASTER_ROLES) {
      const holder = shape.holders(role).find((id) => ![...dead].some((b) => nid(b) === id))!;
      const b = [1, 2, 3, 4, 5].find((x) => nid(x) === holder)!;
      dead.add(b);
      const before = log.length;
      runTicks(engine, shape, () => five(dead), t, t + 1000, 1000, log);
      expect(log.length).toBeGreaterThan(before);
      expect(atTarget(five(dead), shape, HA_THREE_TARGET)).toBe(true);
      t += 120_000;
      runTicks(engine, shape, () => five(dead), t - 119_000, t, 1000, log);
      if (dead.size >= 2) break; // a third death of five would take the etcd majority
    }
    expectDamped(log, DEFAULT_DAMPING.changeWindowMs);
  });

  it('partition: the minority side moves nothing, the majority side heals', () => {
    const base = new MeshShape();
    const engine = new PolicyEngine({ target: HA_THREE_TARGET });
    runTicks(engine, base, () => five(), 0, 60_000, 1000, []);
    const etcd = base.holders('etcd');
    const bytesOf = (id: NodeId): number => [1, 2, 3, 4, 5].find((b) => nid(b) === id)!;
    // Minority: two of the three etcd holders unreachable.
    const minorityDead = new Set([bytesOf(etcd[0]!), bytesOf(etcd[1]!)]);
    const minority = base.clone();
    const minorityLog: Applied[] = [];
    runTicks(new PolicyEngine({ target: HA_THREE_TARGET }), minority, () => five(minorityDead), 0, 300_000, 1000, minorityLog);
    expect(minorityLog).toEqual([]);
    // Majority: one etcd holder unreachable.
    const majorityDead = new Set([bytesOf(etcd[2]!)]);
    const majority = base.clone();
    const majorityLog: Applied[] = [];
    runTicks(new PolicyEngine({ target: HA_THREE_TARGET }), majority, () => five(majorityDead), 0, 300_000, 1000, majorityLog);
    expect(majorityLog.length).toBeGreaterThan(0);
    expect(atTarget(five(majorityDead), majority, HA_THREE_TARGET)).toBe(true);
  });

  it('a member flapping every 5 s for two simulated hours causes no promote/demote cycles', () => {
    const shape = new MeshShape();
    const engine = new PolicyEngine({ target: HA_THREE_TARGET });
    const log: Applied[] = [];
    runTicks(engine, shape, () => five(), 0, 120_000, 1000, log);
    const flapperId = shape.holders('etcd')[0]!;
    const flapper = [1, 2, 3, 4, 5].find((b) => nid(b) === flapperId)!;
    const start = 120_000;
    const end = start + 2 * 3600_000;
    const flapping = (t: number): MembershipView => five(Math.floor((t - start) / 5000) % 2 === 1 ? new Set([flapper]) : new Set());
    const before = log.length;
    runTicks(engine, shape, flapping, start, end, 1000, log);
    const during = log.slice(before);
    // The flapper loses its roles once (while dead: exempt) and is never promoted again.
    const flapperCmds = during.filter((a) => a.cmd.nodeId === flapperId);
    expect(flapperCmds.every((a) => a.cmd.kind === 'demote')).toBe(true);
    expect(new Set(flapperCmds.map((a) => a.at)).size).toBeLessThanOrEqual(1);
    // Everyone else changes a bounded number of times (the one takeover), and within the window.
    expect(during.length).toBeLessThanOrEqual(8);
    expectDamped(log, DEFAULT_DAMPING.changeWindowMs);
    expect(atTarget(five(new Set([flapper])), shape, HA_THREE_TARGET)).toBe(true);
    // Once it stops flapping and the hysteresis window has passed, it is not churned back in: the
    // target is met, and surplus is never demoted.
    const quiet: Applied[] = [];
    runTicks(engine, shape, () => five(), end, end + 15 * 60_000, 1000, quiet);
    expect(quiet).toEqual([]);
  });

  it('a needed member flapping every 5 s is not promoted and demoted over and over (hysteresis)', () => {
    // Three nodes and ha_three: the flapper is needed for the target, so without hysteresis every
    // recovery would re-promote it and every failure demote it again.
    const three = (down: boolean): MembershipView => ({ members: [1, 2, 3].map((b) => member(b, b === 3 && down ? { health: 'dead' } : {})) });
    const shape = new MeshShape();
    const engine = new PolicyEngine({ target: HA_THREE_TARGET });
    const log: Applied[] = [];
    runTicks(engine, shape, () => three(false), 0, 120_000, 1000, log);
    expect(shape.rolesOf(nid(3))).toContain('etcd');
    const start = 120_000;
    const before = log.length;
    runTicks(engine, shape, (t) => three(Math.floor((t - start) / 5000) % 2 === 0), start, start + 3600_000, 1000, log);
    const flapperCmds = log.slice(before).filter((a) => a.cmd.nodeId === nid(3));
    expect(flapperCmds.filter((a) => a.cmd.kind === 'promote')).toEqual([]);
    expect(new Set(flapperCmds.map((a) => a.at)).size).toBe(1);
    expectDamped(log, DEFAULT_DAMPING.changeWindowMs);
    // When it settles, it is taken back after the hysteresis window, once.
    const settle: Applied[] = [];
    runTicks(engine, shape, () => three(false), start + 3600_000, start + 3600_000 + 15 * 60_000, 1000, settle);
    expect(settle.length).toBeGreaterThan(0);
    expect(settle.every((a) => a.cmd.kind === 'promote' && a.cmd.nodeId === nid(3))).toBe(true);
    expect(atTarget(three(false), shape, HA_THREE_TARGET)).toBe(true);
  });
});
