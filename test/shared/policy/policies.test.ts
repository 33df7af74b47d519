import { describe, expect, it } from 'vitest';
import { autoReplacement, votersReachable } from '../../../shared/policy/auto-replacement';
import { FormationPolicy, topologyFromShape, translate } from '../../../shared/policy/formation';
import { Pair, Phalanx, Quorum3M, Solo } from '../../../shared/policy/strategies';
import { encodeTopoAssignment } from '../../../shared/policy/topology';
import { MeshShape } from '../../../shared/types/mesh-shape';
import { demote, MASTER_ROLES, promote, type NodeRole } from '../../../shared/types/roles';
import { HA_THREE_TARGET, HOMELAB_TARGET, targetFor, type TargetTopology } from '../../../shared/types/target';
import { applyAll, member, nid, shapeOf, view } from './helpers';

const API_ONLY: TargetTopology = { apiServers: 1, etcdReplicas: 0, schedulers: 0, controllerManagers: 0, minWorkers: 0 };

describe('TargetTopology presets', () => {
  it('homelab and ha_three, target_for', () => {
    expect(HOMELAB_TARGET).toEqual({ apiServers: 1, etcdReplicas: 1, schedulers: 1, controllerManagers: 1, minWorkers: 1 });
    expect(HA_THREE_TARGET).toEqual({ apiServers: 3, etcdReplicas: 3, schedulers: 1, controllerManagers: 1, minWorkers: 3 });
    expect(targetFor(HA_THREE_TARGET, 'worker')).toBe(3);
    expect(targetFor(HA_THREE_TARGET, 'quarantined')).toBe(0);
    expect(targetFor(HA_THREE_TARGET, 'observer')).toBe(0);
  });
});

describe('AutoReplacementPolicy (crate unit tests)', () => {
  it('3 alive, empty shape, target ApiServer 1 → exactly one Promote{ApiServer} ReplacingFailed', () => {
    const out = autoReplacement(view(member(1), member(2), member(3)), new MeshShape(), API_ONLY);
    expect(out.commands).toEqual([promote(nid(1), ['api_server'], 'replacing_failed')]);
  });

  it('A holds ApiServer but only B alive → Demote A + Promote B', () => {
    const out = autoReplacement(view(member(2)), shapeOf([[1, ['api_server']]]), API_ONLY);
    expect(out.commands).toEqual([demote(nid(1), ['api_server'], 'replacing_failed'), promote(nid(2), ['api_server'], 'replacing_failed')]);
  });

  it('at target → nothing', () => {
    expect(autoReplacement(view(member(1), member(2)), shapeOf([[1, ['api_server']]]), API_ONLY).commands).toEqual([]);
  });

  it('5 etcd voters with only 2 alive + a bystander, target etcd 5 → nothing (minority cannot act)', () => {
    const shape = shapeOf([1, 2, 3, 4, 5].map((b) => [b, ['etcd']]));
    const target = { ...API_ONLY, apiServers: 0, etcdReplicas: 5 };
    const out = autoReplacement(view(member(1), member(2), member(9)), shape, target);
    expect(out.commands).toEqual([]);
    expect(out.shortfalls[0]?.reason).toBe('no_quorum');
    expect(votersReachable(shape, new Set([nid(1), nid(2), nid(3)])).ok).toBe(true);
  });

  it('R3: one node, target ApiServer 1 + Etcd 1 → two promotions, then nothing', () => {
    const shape = new MeshShape();
    const target = { ...API_ONLY, etcdReplicas: 1 };
    const first = autoReplacement(view(member(0xb2)), shape, target);
    expect(first.commands).toEqual([promote(nid(0xb2), ['api_server'], 'replacing_failed'), promote(nid(0xb2), ['etcd'], 'replacing_failed')]);
    applyAll(shape, first.commands);
    expect(autoReplacement(view(member(0xb2)), shape, target).commands).toEqual([]);
  });

  it('role order ApiServer, Etcd, Scheduler, ControllerManager; never demotes surplus; never promotes workers', () => {
    const shape = shapeOf([[1, ['api_server', 'etcd']], [2, ['api_server']], [3, []]]);
    const out = autoReplacement(view(member(1), member(2), member(3)), shape, { ...HOMELAB_TARGET, minWorkers: 3 });
    expect(out.commands).toEqual([promote(nid(1), ['scheduler'], 'replacing_failed'), promote(nid(1), ['controller_manager'], 'replacing_failed')]);
  });

  it('gossip-only, lagging and suspect members are never candidates; quarantined neither', () => {
    const v = view(
      member(1, { raft: 'none' }), member(2, { caughtUp: false }), member(3, { health: 'suspect' }),
      member(4), member(5),
    );
    const out = autoReplacement(v, shapeOf([[4, ['quarantined']]]), API_ONLY);
    expect(out.commands).toEqual([promote(nid(5), ['api_server'], 'replacing_failed')]);
    const none = autoReplacement(view(member(1, { raft: 'none' })), new MeshShape(), API_ONLY);
    expect(none.commands).toEqual([]);
    expect(none.shortfalls).toEqual([{ reason: 'not_enough_nodes', role: 'api_server', detail: 'api_server: need 1 more holder, 0 candidates can serve' }]);
  });

  it('candidates by capacity, NodeId order breaking ties', () => {
    const v = view(member(1), member(2, { capacity: { cpuCores: 8, memoryGiB: 32 } }), member(3, { capacity: { cpuCores: 8, memoryGiB: 32 } }), member(4, { capacity: { weight: 100 } }));
    const out = autoReplacement(v, new MeshShape(), { ...API_ONLY, apiServers: 3 });
    expect(out.commands.map((c) => c.nodeId)).toEqual([nid(4), nid(2), nid(3)]);
  });

  it('a learner that is caught up may serve', () => {
    expect(autoReplacement(view(member(1, { raft: 'learner' })), new MeshShape(), API_ONLY).commands).toHaveLength(1);
  });
});

describe('FormationPolicy', () => {
  const five = () => view(member(1), member(2), member(3), member(4), member(5));

  it('bootstraps masters once from an empty shape, then stays quiet (fed back from the committed shape)', () => {
    const formation = new FormationPolicy(Quorum3M);
    const shape = new MeshShape();
    const first = formation.evaluate(five(), shape);
    expect(first.commands).toEqual([1, 2, 3].map((b) => promote(nid(b), MASTER_ROLES, 'replacing_failed')));
    applyAll(shape, first.commands);
    expect(formation.evaluate(five(), shape).commands).toEqual([]);
    expect(encodeTopoAssignment(topologyFromShape(five(), shape))).toContain('{"active":"master"}');
  });

  it('replaces a dead master behind a quorum witness, and refuses in a minority', () => {
    const formation = new FormationPolicy(Quorum3M);
    const shape = shapeOf([[1, [...MASTER_ROLES]], [2, [...MASTER_ROLES]], [3, [...MASTER_ROLES]], [4, ['worker']], [5, []]]);
    const v = view(member(1, { health: 'dead' }), member(2), member(3), member(4), member(5));
    const out = formation.evaluate(v, shape);
    expect(out.commands).toEqual([promote(nid(4), MASTER_ROLES, 'replacing_failed'), demote(nid(1), MASTER_ROLES, 'replacing_failed')]);
    const minority = view(member(1), member(2, { health: 'dead' }), member(3, { health: 'dead' }), member(4), member(5));
    const refused = formation.evaluate(minority, shape);
    expect(refused.commands).toEqual([]);
    expect(refused.shortfalls[0]).toMatchObject({ reason: 'no_quorum' });
    expect(refused.observation.withheld).toEqual({ reachableVoters: 1, configuredVoters: 3 });
  });

  it('never promotes gossip-only members; reports not enough nodes', () => {
    const formation = new FormationPolicy(Quorum3M);
    const v = view(member(1), member(2), member(3, { raft: 'none' }), member(4, { raft: 'none' }));
    const out = formation.evaluate(v, new MeshShape());
    expect(out.commands).toEqual([]);
    expect(out.shortfalls).toEqual([{ reason: 'not_enough_nodes', detail: 'topology quorum_3m needs 3 nodes that can serve; 2 can' }]);
  });

  it('Pair: one dead master of two is a minority, so nothing moves (two voters cannot survive a loss)', () => {
    const formation = new FormationPolicy(Pair);
    const shape = shapeOf([[1, [...MASTER_ROLES]], [2, [...MASTER_ROLES]], [3, ['worker']]]);
    const out = formation.evaluate(view(member(1, { health: 'dead' }), member(2), member(3)), shape);
    expect(out.commands).toEqual([]);
    expect(out.observation.withheld).toEqual({ reachableVoters: 1, configuredVoters: 2 });
  });

  it('Phalanx: losing a master of 10 reassigns a worker (Promote, Rebalance)', () => {
    const formation = new FormationPolicy(Phalanx);
    const entries: Array<[number, NodeRole[]]> = [];
    for (let b = 1; b <= 10; b++) entries.push([b, b <= 4 ? [...MASTER_ROLES] : ['worker']]);
    const members = entries.map(([b]) => member(b, b === 1 ? { health: 'dead' } : {}));
    const out = formation.evaluate({ members }, shapeOf(entries));
    expect(out.commands).toEqual([promote(nid(5), MASTER_ROLES, 'rebalance'), demote(nid(1), MASTER_ROLES, 'replacing_failed')]);
  });

  it('Phalanx steps surplus masters down deterministically and keeps their worker role', () => {
    const formation = new FormationPolicy(Phalanx);
    const shape = shapeOf([[1, [...MASTER_ROLES, 'worker']], [2, [...MASTER_ROLES, 'worker']], [3, [...MASTER_ROLES, 'worker']], [4, [...MASTER_ROLES]]]);
    const v = view(member(1), member(2), member(3), member(4, { health: 'dead' }));
    const out = formation.evaluate(v, shape);
    // 3 survivors → target ⌈6/5⌉ = 2 masters: the last-listed master (n3) steps down.
    expect(out.commands).toEqual([demote(nid(3), MASTER_ROLES, 'rebalance'), demote(nid(4), MASTER_ROLES, 'replacing_failed')]);
    expect(formation.evaluate(v, shape).commands).toEqual(out.commands);
  });

  it('Solo keeps a single master and does not touch quarantine marks on eviction', () => {
    const formation = new FormationPolicy(Solo);
    const shape = shapeOf([[1, [...MASTER_ROLES, 'quarantined']], [2, []]]);
    expect(translate({ kind: 'evict', id: nid(1) }, shape)).toEqual(demote(nid(1), MASTER_ROLES, 'replacing_failed'));
    expect(translate({ kind: 'promote', id: 'not-hex', role: 'master' }, shape)).toBeNull();
    expect(translate({ kind: 'promote', id: nid(2), role: 'worker' }, shape)).toBeNull();
    expect(translate({ kind: 'demote', id: nid(2) }, shape)).toBeNull();
    const boot = formation.evaluate(view(member(2), member(3)), new MeshShape());
    expect(boot.commands).toEqual([promote(nid(2), MASTER_ROLES, 'replacing_failed')]);
  });
});
