import { describe, expect, it } from 'vitest';
import { PolicyEngine, DEFAULT_DAMPING } from '../../../shared/policy/engine';
import { plan } from '../../../shared/policy/plan';
import { Phalanx, Quorum3M } from '../../../shared/policy/strategies';
import { MeshShape } from '../../../shared/types/mesh-shape';
import { demote, MASTER_ROLES, promote } from '../../../shared/types/roles';
import { HA_THREE_TARGET, HOMELAB_TARGET, type TargetTopology } from '../../../shared/types/target';
import { applyAll, member, nid, shapeOf, view } from './helpers';

const API: TargetTopology = { apiServers: 1, etcdReplicas: 0, schedulers: 0, controllerManagers: 0, minWorkers: 0 };

describe('PolicyEngine gates', () => {
  it('does nothing off the leader, and says so', () => {
    const out = new PolicyEngine({ target: HOMELAB_TARGET }).tick({ view: view(member(1)), shape: new MeshShape(), isLeader: false, nowMs: 0 });
    expect(out.proposals).toEqual([]);
    expect(out.decisions).toEqual([{ policy: 'engine', action: 'withheld', reason: 'not_leader', detail: 'policies run only on the Raft leader' }]);
  });

  it('never acts without quorum (etcd holders or Raft voters)', () => {
    const engine = new PolicyEngine({ target: HA_THREE_TARGET });
    const shape = shapeOf([[1, ['etcd']], [2, ['etcd']], [3, ['etcd']]]);
    const v = view(member(1), member(2, { health: 'dead' }), member(3, { health: 'dead' }), member(4));
    const out = engine.tick({ view: v, shape, isLeader: true, nowMs: 0 });
    expect(out.proposals).toEqual([]);
    expect(out.decisions[0]).toMatchObject({ reason: 'no_quorum', detail: 'only 1 of 3 etcd holders are alive' });
    const raftOnly = engine.tick({
      view: view(member(1), member(2, { health: 'dead' }), member(3, { health: 'dead' })), shape: new MeshShape(), isLeader: true, nowMs: 1,
    });
    expect(raftOnly.decisions[0]).toMatchObject({ reason: 'no_quorum', detail: 'only 1 of 3 Raft voters are alive' });
  });

  it('reports every decision taken, with its reason', () => {
    const out = new PolicyEngine({ target: API }).tick({ view: view(member(2)), shape: shapeOf([[1, ['api_server']]]), isLeader: true, nowMs: 0 });
    expect(out.proposals).toEqual([demote(nid(1), ['api_server'], 'replacing_failed'), promote(nid(2), ['api_server'], 'replacing_failed')]);
    expect(out.decisions.map((d) => [d.action, d.reason])).toEqual([['proposed', 'replace_dead_holder'], ['proposed', 'replace_dead_holder']]);
  });

  it('reports a shortfall of nodes', () => {
    const out = new PolicyEngine({ target: HA_THREE_TARGET }).tick({ view: view(member(1)), shape: new MeshShape(), isLeader: true, nowMs: 0 });
    expect(out.decisions.filter((d) => d.reason === 'not_enough_nodes').map((d) => d.detail)).toEqual([
      'api_server: need 3 more holders, 1 candidate can serve', 'etcd: need 3 more holders, 1 candidate can serve',
    ]);
  });
});

describe('damping', () => {
  it('a node changes roles at most once per window; another candidate is chosen meanwhile', () => {
    const engine = new PolicyEngine({ target: { ...API, schedulers: 0 } });
    const shape = new MeshShape();
    const v = view(member(1), member(2));
    const t0 = engine.tick({ view: v, shape, isLeader: true, nowMs: 0 });
    expect(t0.proposals).toEqual([promote(nid(1), ['api_server'], 'replacing_failed')]);
    applyAll(shape, t0.proposals);
    engine.reconfigure({ target: { ...API, schedulers: 1 } });
    const t30 = engine.tick({ view: v, shape, isLeader: true, nowMs: 30_000 });
    expect(t30.proposals).toEqual([promote(nid(2), ['scheduler'], 'replacing_failed')]);
    expect(t30.decisions.find((d) => d.reason === 'damped')?.detail).toMatch(/changed roles 30 s ago \(window 60 s\)/);
  });

  it('a dead holder is replaced at once, even by a node inside its window', () => {
    const shape3 = shapeOf([[1, ['api_server', 'etcd']], [2, ['etcd']], [3, ['etcd']]]);
    const engine3 = new PolicyEngine({ target: { ...API, etcdReplicas: 3 } });
    const v3 = view(member(1), member(2), member(3), member(4));
    engine3.tick({ view: v3, shape: shape3, isLeader: true, nowMs: 0 });
    const moved = engine3.tick({ view: v3, shape: shapeOf([[1, ['api_server', 'etcd']], [2, ['etcd']], [3, ['etcd']], [4, ['worker']]]), isLeader: true, nowMs: 1000 });
    expect(moved.proposals).toEqual([]);
    const out = engine3.tick({
      view: view(member(1, { health: 'dead' }), member(2), member(3), member(4)),
      shape: shapeOf([[1, ['api_server', 'etcd']], [2, ['etcd']], [3, ['etcd']], [4, ['worker']]]), isLeader: true, nowMs: 10_000,
    });
    // node 4 changed (worker) 9 s ago, but it replaces dead holders: allowed.
    expect(out.proposals).toEqual([
      demote(nid(1), ['api_server'], 'replacing_failed'), promote(nid(2), ['api_server'], 'replacing_failed'),
      demote(nid(1), ['etcd'], 'replacing_failed'), promote(nid(4), ['etcd'], 'replacing_failed'),
    ]);
  });

  it('hysteresis: a flapping member is never chosen, and the engine says why', () => {
    const engine = new PolicyEngine({ target: { ...API, apiServers: 0 } });
    const shape = new MeshShape();
    let t = 0;
    for (const health of ['healthy', 'dead', 'healthy', 'dead', 'healthy'] as const) {
      engine.tick({ view: view(member(1, { health }), member(2)), shape, isLeader: true, nowMs: (t += 5000) });
    }
    expect(engine.isFlapping(nid(1), t)).toBe(true);
    engine.reconfigure({ target: API });
    const out = engine.tick({ view: view(member(1), member(2)), shape, isLeader: true, nowMs: (t += 5000) });
    expect(out.proposals).toEqual([promote(nid(2), ['api_server'], 'replacing_failed')]);
    expect(out.decisions.find((d) => d.reason === 'hysteresis')?.detail).toBe(
      `promote ${nid(1).slice(0, 12)} [api_server] (replacing_failed) held back: flapping: health changed 4 times in the last 600 s`);
    expect(engine.isFlapping(nid(1), t + DEFAULT_DAMPING.flapWindowMs)).toBe(false);
  });

  it('a member that just became healthy waits stableForMs before it is chosen', () => {
    const engine = new PolicyEngine({ target: API });
    const shape = new MeshShape();
    engine.tick({ view: view(member(1, { raft: 'none' })), shape, isLeader: true, nowMs: 0 });
    const early = engine.tick({ view: view(member(1, { raft: 'none' }), member(2)), shape, isLeader: true, nowMs: 1000 });
    expect(early.proposals).toEqual([]);
    expect(early.decisions.some((d) => d.reason === 'hysteresis' && d.detail.includes('healthy for only 0 s of the 10 s required'))).toBe(true);
    const later = engine.tick({ view: view(member(1, { raft: 'none' }), member(2)), shape, isLeader: true, nowMs: 11_000 });
    expect(later.proposals).toEqual([promote(nid(2), ['api_server'], 'replacing_failed')]);
  });

  it('bounded proposals per tick, dead-holder replacements first, the rest reported', () => {
    const engine = new PolicyEngine({ target: HA_THREE_TARGET, damping: { ...DEFAULT_DAMPING, maxProposalsPerTick: 3 } });
    const shape = shapeOf([[9, ['scheduler']], [1, ['etcd']], [2, ['etcd']], [3, ['etcd']]]);
    const v = view(member(1), member(2), member(3), member(4), member(9, { health: 'dead' }));
    const out = engine.tick({ view: v, shape, isLeader: true, nowMs: 0 });
    expect(out.proposals).toEqual([demote(nid(9), ['scheduler'], 'replacing_failed'), promote(nid(1), ['scheduler'], 'replacing_failed'), promote(nid(1), ['api_server'], 'replacing_failed')]);
    expect(out.decisions.filter((d) => d.reason === 'rate_limited')).toHaveLength(3);
  });

  it('merges policies: no duplicate roles, formation trimmed to what is missing', () => {
    const engine = new PolicyEngine({ target: HOMELAB_TARGET, topology: Quorum3M });
    const out = engine.tick({ view: view(member(1), member(2), member(3)), shape: new MeshShape(), isLeader: true, nowMs: 0 });
    const granted = new Map<string, Set<string>>();
    for (const c of out.proposals) {
      expect(c.kind).toBe('promote');
      if (c.kind !== 'promote') continue;
      const s = granted.get(c.nodeId) ?? new Set();
      for (const r of c.roles) {
        expect(s.has(r)).toBe(false);
        s.add(r);
      }
      granted.set(c.nodeId, s);
    }
    expect([...granted.values()].map((s) => s.size)).toEqual([4, 4, 4]);
    // auto_replacement puts the four roles on n1; formation's master set for n1 is then a duplicate.
    expect(out.decisions.find((d) => d.policy === 'formation' && d.node === nid(1))?.reason).toBe('duplicate');
    expect(out.proposals.filter((c) => c.nodeId === nid(2))).toEqual([promote(nid(2), MASTER_ROLES, 'replacing_failed')]);
  });
});

describe('target floor', () => {
  it('a topology strategy never steps a live holder below the target; with a lower target it may', () => {
    const shape = shapeOf([
      [1, [...MASTER_ROLES, 'worker']], [2, [...MASTER_ROLES, 'worker']], [3, [...MASTER_ROLES, 'worker']],
      [4, ['worker']], [5, ['worker']], [6, ['worker']],
    ]);
    const v = view(member(1), member(2), member(3), member(4), member(5), member(6, { health: 'dead' }));
    const ha = new PolicyEngine({ target: HA_THREE_TARGET, topology: Phalanx }).tick({ view: v, shape, isLeader: true, nowMs: 0 });
    expect(ha.proposals).toEqual([demote(nid(6), ['worker'], 'replacing_failed')]);
    expect(ha.decisions.find((d) => d.reason === 'conflict')?.detail).toBe(
      `demote ${nid(3).slice(0, 12)} [api_server,etcd,scheduler,controller_manager] (rebalance): would take api_server below its target of 3`);
    const home = new PolicyEngine({ target: HOMELAB_TARGET, topology: Phalanx }).tick({ view: v, shape, isLeader: true, nowMs: 0 });
    expect(home.proposals).toContainEqual(demote(nid(3), MASTER_ROLES, 'rebalance'));
  });
});

describe('plan (dry run)', () => {
  it('ha_three on five fresh nodes: proposals, before/after, no warnings', () => {
    const v = view(member(1), member(2), member(3), member(4), member(5));
    const result = plan(v, new MeshShape(), HA_THREE_TARGET);
    expect(result.converged).toBe(true);
    expect(result.proposals).toHaveLength(8);
    expect(result.nodes.find((n) => n.id === nid(1))).toMatchObject({ before: [], after: ['api_server', 'etcd', 'scheduler', 'controller_manager'] });
    expect(result.nodes.find((n) => n.id === nid(4))?.after).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  it('warns: even etcd count, fewer nodes than the target, voters that cannot survive one failure', () => {
    const v = view(member(1), member(2), member(3, { raft: 'none' }));
    const result = plan(v, new MeshShape(), { ...HA_THREE_TARGET, etcdReplicas: 4 });
    expect(result.warnings.map((w) => w.code)).toEqual(['even_etcd', 'fewer_nodes_than_target', 'no_failure_tolerance', 'below_target', 'below_target']);
    expect(result.warnings[0]!.message).toBe('an even etcd count (4) survives no more failures than 3 and can split evenly; use 3 or 5');
    expect(result.warnings[1]!.message).toBe('the target needs 4 distinct nodes (etcd_replicas) but only 2 can serve (healthy, Raft member, caught up)');
    expect(result.warnings[2]!.message).toBe('two etcd voters: losing either one loses the quorum — the set cannot survive one failure');
    expect(plan(view(member(1)), new MeshShape(), HOMELAB_TARGET).warnings.map((w) => w.code)).toEqual(['no_failure_tolerance']);
  });

  it('a plan without quorum proposes nothing and says why', () => {
    const shape = shapeOf([[1, ['etcd']], [2, ['etcd']], [3, ['etcd']]]);
    const result = plan(view(member(1), member(2, { health: 'dead' }), member(3, { health: 'dead' })), shape, HA_THREE_TARGET);
    expect(result.proposals).toEqual([]);
    expect(result.warnings.map((w) => w.code)).toContain('no_quorum');
  });

  it('a strategy change is planned through formation', () => {
    const v = view(member(1), member(2), member(3), member(4));
    const result = plan(v, shapeOf([[1, [...MASTER_ROLES]]]), HOMELAB_TARGET, { topology: Quorum3M });
    expect(result.converged).toBe(true);
    // Beyond the crate: formation grows an existing mesh to the strategy's master count.
    expect(result.nodes.filter((n) => n.after.includes('etcd')).map((n) => n.id)).toEqual([nid(1), nid(2), nid(3)]);
    expect(result.proposals.every((c) => c.kind === 'promote' && c.reason === 'scaling_up')).toBe(true);
  });
});

describe('replacing a dead holder across ticks (one Raft voter change at a time)', () => {
  const ETCD3: TargetTopology = { apiServers: 0, etcdReplicas: 3, schedulers: 0, controllerManagers: 0, minWorkers: 0 };

  it('the replacement stays exempt from the change window after the dead holder\'s demotion commits', () => {
    const engine = new PolicyEngine({ target: ETCD3 });
    // Node 4 changed roles 5 s before node 1 dies (it is inside its change window).
    const before = shapeOf([[1, ['etcd']], [2, ['etcd']], [3, ['etcd']]]);
    engine.tick({ view: view(member(1), member(2), member(3), member(4)), shape: before, isLeader: true, nowMs: 0 });
    const withWorker = shapeOf([[1, ['etcd']], [2, ['etcd']], [3, ['etcd']], [4, ['worker']]]);
    engine.tick({ view: view(member(1), member(2), member(3), member(4)), shape: withWorker, isLeader: true, nowMs: 5000 });
    const dead = view(member(1, { health: 'dead' }), member(2), member(3), member(4));
    // Only the demotion could be proposed (Raft refuses a second voter change while one is pending);
    // it commits, and the dead holder no longer holds etcd in the shape.
    const demoted = shapeOf([[2, ['etcd']], [3, ['etcd']], [4, ['worker']]]);
    engine.tick({ view: dead, shape: withWorker, isLeader: true, nowMs: 6000 });
    const next = engine.tick({ view: dead, shape: demoted, isLeader: true, nowMs: 6250 });
    expect(next.proposals).toEqual([promote(nid(4), ['etcd'], 'replacing_failed')]);
    expect(next.decisions.find((d) => d.action === 'proposed')?.reason).toBe('replace_dead_holder');
    // Once back at target, an ordinary fill is damped again.
    applyAll(demoted, next.proposals);
    const calm = engine.tick({ view: dead, shape: demoted, isLeader: true, nowMs: 6500 });
    expect(calm.proposals).toEqual([]);
  });

  it('a new leader that only ever saw the committed demotion still owes the replacement', () => {
    const engine = new PolicyEngine({ target: ETCD3 });
    const v = view(member(1, { health: 'suspect' }), member(2), member(3), member(4));
    engine.tick({ view: v, shape: shapeOf([[1, ['etcd']], [2, ['etcd']], [3, ['etcd']], [4, ['worker']]]), isLeader: false, nowMs: 0 });
    const demoted = shapeOf([[2, ['etcd']], [3, ['etcd']], [4, ['worker']]]);
    engine.tick({ view: v, shape: demoted, isLeader: false, nowMs: 250 });
    const out = engine.tick({ view: v, shape: demoted, isLeader: true, nowMs: 500 });
    expect(out.proposals).toEqual([promote(nid(4), ['etcd'], 'replacing_failed')]);
  });

  it('without the dead holder, filling a role below target is still damped', () => {
    const engine = new PolicyEngine({ target: { ...ETCD3, etcdReplicas: 2 } });
    const shape = shapeOf([[2, ['etcd']], [3, ['etcd']], [4, ['worker']]]);
    engine.tick({ view: view(member(2), member(3), member(4)), shape: shapeOf([[2, ['etcd']], [3, ['etcd']]]), isLeader: true, nowMs: 0 });
    engine.reconfigure({ target: ETCD3 });
    const out = engine.tick({ view: view(member(2), member(3), member(4)), shape, isLeader: true, nowMs: 1000 });
    expect(out.proposals).toEqual([]);
    expect(out.decisions.some((d) => d.reason === 'damped')).toBe(true);
  });

  it('flapping ranks but does not veto: a member healthy again for stableForMs replaces a dead holder when no steady one can', () => {
    const engine = new PolicyEngine({ target: ETCD3 });
    const shape = shapeOf([[1, ['etcd']], [2, ['etcd']], [3, ['etcd']]]);
    let t = 0;
    for (const health of ['healthy', 'dead', 'healthy', 'dead', 'healthy'] as const) {
      engine.tick({ view: view(member(1), member(2), member(3), member(4, { health, raft: 'learner' })), shape, isLeader: true, nowMs: (t += 5000) });
    }
    expect(engine.isFlapping(nid(4), t)).toBe(true);
    // Healthy again for only 1 s: not chosen, the role stays short.
    const early = engine.tick({ view: view(member(1, { health: 'dead' }), member(2), member(3), member(4, { raft: 'learner' })), shape, isLeader: true, nowMs: t + 1000 });
    expect(early.proposals).toEqual([demote(nid(1), ['etcd'], 'replacing_failed')]);
    // Healthy for 10 s (still flapping by count): it replaces the dead holder.
    const out = engine.tick({ view: view(member(1, { health: 'dead' }), member(2), member(3), member(4, { raft: 'learner' })), shape, isLeader: true, nowMs: (t += DEFAULT_DAMPING.stableForMs) });
    expect(engine.isFlapping(nid(4), t)).toBe(true);
    expect(out.proposals).toEqual([demote(nid(1), ['etcd'], 'replacing_failed'), promote(nid(4), ['etcd'], 'replacing_failed')]);
    // A steady candidate is still preferred over the flapping one.
    const engine2 = new PolicyEngine({ target: ETCD3 });
    t = 0;
    for (const health of ['healthy', 'dead', 'healthy', 'dead', 'healthy'] as const) {
      engine2.tick({ view: view(member(1), member(2), member(3), member(4, { health, raft: 'learner' }), member(5, { raft: 'learner' })), shape, isLeader: true, nowMs: (t += 5000) });
    }
    const out2 = engine2.tick({ view: view(member(1, { health: 'dead' }), member(2), member(3), member(4, { raft: 'learner' }), member(5, { raft: 'learner' })), shape, isLeader: true, nowMs: (t += DEFAULT_DAMPING.stableForMs) });
    expect(out2.proposals).toEqual([demote(nid(1), ['etcd'], 'replacing_failed'), promote(nid(5), ['etcd'], 'replacing_failed')]);
  });
});
