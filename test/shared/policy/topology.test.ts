import { describe, expect, it } from 'vitest';
import { parseJson, type JsonValue } from '../../../shared/kit/json';
import { Prng } from '../../../shared/kit/prng';
import { TopologyReactor } from '../../../shared/policy/reactor';
import {
  Cluster3MNW, MeshAllPeers, Pair, Phalanx, phalanxTargetMasters, Quorum3M, Solo, TOPOLOGY_STRATEGIES,
  topologyStrategyByName, type TopologyStrategy,
} from '../../../shared/policy/strategies';
import {
  applyTransitions, decodeTopoAssignment, decodeTransition, decodeWithheld, describeTopologyError, encodeTopoAssignment,
  encodeTransition, encodeWithheld, isEligible, isVoting, TopoAssignment, type Transition,
} from '../../../shared/policy/topology';

function readJson(text: string): JsonValue {
  const r = parseJson(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i}`);
const ALL: TopologyStrategy[] = Object.values(TOPOLOGY_STRATEGIES);
const FIXED: TopologyStrategy[] = [Solo, Pair, Quorum3M, Cluster3MNW];

function assigned(s: TopologyStrategy, n: number): TopoAssignment {
  const r = s.assign(ids(n));
  if (!r.ok) throw new Error(describeTopologyError(r.error));
  return r.value;
}

function react(s: TopologyStrategy, a: TopoAssignment, lost: string[]): Transition[] {
  const ts = s.reactToLoss(a, lost);
  applyTransitions(a, ts);
  return ts;
}

describe('topology types', () => {
  it('voting roles and eligibility', () => {
    expect(['master', 'worker', 'bootstrap', 'observer'].filter((r) => isVoting(r as never))).toEqual(['master', 'bootstrap']);
    expect((['joining', 'standby', 'active:master', 'demoting', 'departing', 'failed'] as const).map(isEligible)).toEqual([true, true, true, true, false, false]);
  });

  it('serde round trips of RoleAssignment, every Transition and Withheld', () => {
    const a = TopoAssignment.from([['n1', 'active:master'], ['n2', 'standby']]);
    const json = encodeTopoAssignment(a);
    expect(json).toBe('{"assignments":[["n1",{"active":"master"}],["n2","standby"]]}');
    const back = decodeTopoAssignment(readJson(json));
    expect(back.ok && back.value.equals(a)).toBe(true);
    const ts: Array<[Transition, string]> = [
      [{ kind: 'admit', id: 'a' }, '{"Admit":"a"}'], [{ kind: 'promote', id: 'b', role: 'master' }, '{"Promote":["b","master"]}'],
      [{ kind: 'demote', id: 'c' }, '{"Demote":"c"}'], [{ kind: 'reassign', id: 'd', role: 'worker' }, '{"Reassign":["d","worker"]}'],
      [{ kind: 'evict', id: 'e' }, '{"Evict":"e"}'],
    ];
    for (const [t, text] of ts) {
      expect(encodeTransition(t)).toBe(text);
      expect(decodeTransition(readJson(text))).toEqual({ ok: true, value: t });
    }
    const w = '{"NoQuorum":{"reachable_voters":1,"configured_voters":3}}';
    expect(encodeWithheld({ reachableVoters: 1, configuredVoters: 3 })).toBe(w);
    expect(decodeWithheld(readJson(w))).toEqual({ ok: true, value: { reachableVoters: 1, configuredVoters: 3 } });
    expect(decodeTransition(readJson('{"Promote":["b","king"]}')).ok).toBe(false);
  });

  it('has_majority cases', () => {
    const five = assigned(MeshAllPeers, 5);
    expect(five.hasMajority(['n0', 'n1'])).toBe(false);
    expect(five.hasMajority(['n0', 'n1', 'n2'])).toBe(true);
    expect(five.hasMajority(ids(5))).toBe(true);
    expect(five.hasMajority([])).toBe(false);
    const q = assigned(Quorum3M, 6); // 3 masters + 3 workers
    expect(q.hasMajority(['n0', 'n3', 'n4', 'n5'])).toBe(false);
    expect(q.hasMajority(['n0', 'stranger', 'x'])).toBe(false);
    expect(q.hasMajority(['n0', 'n0', 'n0'])).toBe(false);
    const four = assigned(MeshAllPeers, 4);
    expect(four.hasMajority(['n0', 'n1'])).toBe(false);
    expect(four.hasMajority(['n0', 'n1', 'n2'])).toBe(true);
    const demoting = TopoAssignment.from([['n0', 'demoting'], ['n1', 'active:master'], ['n2', 'active:worker']]);
    expect(demoting.quorumWitness(['n0', 'n2'])).toEqual({ ok: false, error: { reachableVoters: 0, configuredVoters: 1 } });
    expect(new TopoAssignment().quorumWitness(['n0'])).toEqual({ ok: false, error: { reachableVoters: 0, configuredVoters: 0 } });
  });
});

describe('strategies', () => {
  it('assign shapes', () => {
    expect(encodeTopoAssignment(assigned(Solo, 3))).toBe('{"assignments":[["n0",{"active":"master"}],["n1","standby"],["n2","standby"]]}');
    expect(assigned(Pair, 4).nodesWithRole('master')).toEqual(['n0', 'n1']);
    expect(assigned(Pair, 4).nodesWithRole('worker')).toEqual(['n2', 'n3']);
    expect(assigned(Quorum3M, 5).nodesWithRole('master')).toEqual(['n0', 'n1', 'n2']);
    expect(assigned(MeshAllPeers, 4).votingCount()).toBe(4);
    expect(assigned(Phalanx, 10).votingCount()).toBe(4);
    expect(Solo.assign([])).toEqual({ ok: false, error: { kind: 'insufficient_nodes', needed: 1, have: 0 } });
    const pairErr = Pair.assign(['a']);
    expect(pairErr.ok ? '' : describeTopologyError(pairErr.error)).toBe('not enough eligible nodes: need 2, have 1');
    expect(Quorum3M.assign(['a', 'b'])).toEqual({ ok: false, error: { kind: 'insufficient_nodes', needed: 3, have: 2 } });
  });

  it('validate messages', () => {
    const msg = (s: TopologyStrategy, a: TopoAssignment): string => {
      const r = s.validate(a);
      return r.ok ? 'ok' : describeTopologyError(r.error);
    };
    const two = assigned(Pair, 2);
    expect(msg(Solo, two)).toBe('invariant violated: Solo expects exactly 1 master; have 2');
    expect(msg(Pair, assigned(Solo, 2))).toBe('invariant violated: Pair expects 2 masters; have 1');
    expect(msg(Quorum3M, two)).toBe('invariant violated: Quorum3M expects 3 masters; have 2');
    expect(msg(Cluster3MNW, two)).toBe('invariant violated: Cluster3MNW expects 3 masters; have 2');
    expect(msg(MeshAllPeers, new TopoAssignment())).toBe('ok');
    expect(msg(Phalanx, new TopoAssignment())).toBe('ok');
  });

  it('phalanx target masters', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 25].map(phalanxTargetMasters)).toEqual([0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 10]);
  });

  it('Pair loss → Reassign(n2, Master) + Evict(n0), still 2 voters', () => {
    const a = assigned(Pair, 3);
    expect(react(Pair, a, ['n0'])).toEqual([{ kind: 'reassign', id: 'n2', role: 'master' }, { kind: 'evict', id: 'n0' }]);
    expect(a.votingCount()).toBe(2);
  });

  it('Quorum3M: 5 nodes lose n1 → one Promote; 7 nodes lose two masters → two Promotes', () => {
    const a = assigned(Quorum3M, 5);
    const ts = react(Quorum3M, a, ['n1']);
    expect(ts.filter((t) => t.kind === 'promote')).toEqual([{ kind: 'promote', id: 'n3', role: 'master' }]);
    expect(a.votingCount()).toBe(3);
    const b = assigned(Quorum3M, 7);
    expect(react(Quorum3M, b, ['n0', 'n1']).filter((t) => t.kind === 'promote')).toHaveLength(2);
    expect(b.votingCount()).toBe(3);
  });

  it('Phalanx 10 lose 5 → 5 eligible, 2 masters; demotion is deterministic (latest masters first)', () => {
    const a = assigned(Phalanx, 10);
    react(Phalanx, a, ['n5', 'n6', 'n7', 'n8', 'n9']);
    expect(a.eligible()).toHaveLength(5);
    expect(a.votingCount()).toBe(2);
    const b = TopoAssignment.from(ids(5).map((id) => [id, 'active:master'] as const));
    const ts = Phalanx.reactToLoss(b, ['n4']);
    expect(ts).toEqual([{ kind: 'reassign', id: 'n3', role: 'worker' }, { kind: 'reassign', id: 'n2', role: 'worker' }, { kind: 'evict', id: 'n4' }]);
    expect(Phalanx.reactToLoss(b, ['n4'])).toEqual(ts);
  });

  it('Solo two-node regression: losing the master promotes the survivor', () => {
    const a = assigned(Solo, 2);
    expect(react(Solo, a, ['n0'])).toEqual([{ kind: 'promote', id: 'n1', role: 'master' }, { kind: 'evict', id: 'n0' }]);
    expect(a.votingCount()).toBe(1);
  });

  it('a repeated node is not assigned a second role', () => {
    const r = Quorum3M.assign(['n0', 'n0', 'n1', 'n2']);
    expect(r.ok && r.value.votingCount()).toBe(3);
    expect(r.ok && Quorum3M.validate(r.value).ok).toBe(true);
  });

  it('every strategy yields ≥ 1 voter for n in 1..=12 (≥ min) and assigns when n ≥ min (1..16)', () => {
    for (const s of ALL) {
      for (let n = s.minNodes; n <= 16; n++) expect(assigned(s, n).votingCount()).toBeGreaterThanOrEqual(1);
    }
  });

  it('strategies are pluggable on the same 7 ids', () => {
    expect([Solo, Pair, Quorum3M, MeshAllPeers, Phalanx].map((s) => assigned(s, 7).votingCount())).toEqual([1, 2, 3, 7, 3]);
    expect(topologyStrategyByName('quorum3_m')).toBe(Quorum3M);
    expect(topologyStrategyByName('mesh')).toBe(MeshAllPeers);
    expect(topologyStrategyByName('raft')).toBeNull();
  });
});

describe('invariants I1–I6 (property tests over all six strategies)', () => {
  const prng = new Prng(0x5eed);
  it('I1 assign yields ≥ 1 voter; I2 fixed-shape assign validates', () => {
    for (const s of ALL) {
      for (let n = Math.max(1, s.minNodes); n <= 32; n++) {
        const a = assigned(s, n);
        expect(a.votingCount()).toBeGreaterThanOrEqual(1);
        if (FIXED.includes(s)) expect(s.validate(a).ok).toBe(true);
      }
    }
  });

  it('I3 empty loss → no transitions; I4 |transitions| ≤ loss + n; I5 survivors ≥ min keep ≥ 1 voter; I6 lost never promoted', () => {
    for (let trial = 0; trial < 400; trial++) {
      const s = ALL[trial % ALL.length]!;
      const n = prng.nextRange(Math.max(2, s.minNodes), 20);
      const a = assigned(s, n);
      expect(s.reactToLoss(a, [])).toEqual([]);
      const lossCount = Math.min(prng.nextRange(1, 10), n - 1);
      const lost = prng.shuffled(ids(n)).slice(0, lossCount);
      const ts = s.reactToLoss(a, lost);
      expect(ts.length).toBeLessThanOrEqual(lossCount + n);
      for (const t of ts) if (t.kind === 'promote' || t.kind === 'reassign') expect(lost).not.toContain(t.id);
      applyTransitions(a, ts);
      if (n - lossCount >= s.minNodes) expect(a.votingCount()).toBeGreaterThanOrEqual(1);
    }
  });

  it('double application of a transition set is a no-op', () => {
    const a = assigned(Quorum3M, 6);
    const ts = Quorum3M.reactToLoss(a, ['n0', 'n4']);
    applyTransitions(a, ts);
    const once = encodeTopoAssignment(a);
    applyTransitions(a, ts);
    expect(encodeTopoAssignment(a)).toBe(once);
  });

  it('Phalanx cascade 20→17→14→11→8 keeps masters = target_masters(survivors)', () => {
    const a = assigned(Phalanx, 20);
    let alive = ids(20);
    for (const size of [17, 14, 11, 8]) {
      const lost = alive.slice(size);
      alive = alive.slice(0, size);
      react(Phalanx, a, lost);
      expect(a.votingCount()).toBe(phalanxTargetMasters(size));
    }
  });
});

describe('TopologyReactor (crate reactor tests)', () => {
  const boot = (s: TopologyStrategy, n: number): TopologyReactor => {
    const r = new TopologyReactor(s);
    r.applyTransitions(r.observeMembership(ids(n), []));
    return r;
  };

  it('admits new eligible nodes once', () => {
    const r = new TopologyReactor(Pair);
    const ts = r.observeMembership(ids(3), []);
    expect(ts.filter((t) => t.kind === 'admit')).toHaveLength(3);
    r.applyTransitions(ts);
    expect(r.observeMembership(['n0', 'n1'], []).filter((t) => t.kind === 'admit')).toHaveLength(0);
  });

  it('bootstrap creates the initial shape, skipped below min nodes', () => {
    expect(boot(Quorum3M, 5).current().votingCount()).toBe(3);
    const small = boot(Quorum3M, 2).current();
    expect(small.votingCount()).toBe(0);
    expect(small.assignments.map(([, s]) => s)).toEqual(['standby', 'standby']);
  });

  it('reacts to a phi failure; lifecycle under Phalanx', () => {
    const r = boot(Quorum3M, 5);
    r.applyTransitions(r.observeMembership(['n1', 'n2', 'n3', 'n4'], ['n0']));
    expect(r.current().votingCount()).toBe(3);
    expect(r.current().get('n0')).toBe('failed');
    const p = boot(Phalanx, 10);
    expect(p.current().votingCount()).toBe(4);
    p.applyTransitions(p.observeMembership(ids(8).slice(1), ['n0', 'n8', 'n9']));
    expect(p.current().votingCount()).toBe(phalanxTargetMasters(7));
    p.applyTransitions(p.observeMembership(['n1', 'n2', 'n3', 'n4', 'n5'], ['n6', 'n7']));
    expect(p.current().votingCount()).toBe(phalanxTargetMasters(5));
  });

  it('individual apply calls, strategy name, with_initial, loss with no masters yet', () => {
    const r = new TopologyReactor(Solo);
    r.applyTransition({ kind: 'admit', id: 'a' });
    r.applyTransition({ kind: 'promote', id: 'a', role: 'master' });
    expect(r.current().get('a')).toBe('active:master');
    r.applyTransition({ kind: 'evict', id: 'a' });
    expect(r.current().get('a')).toBe('failed');
    expect(new TopologyReactor(Phalanx).strategyName).toBe('phalanx');
    const seeded = TopologyReactor.withInitial(Pair, TopoAssignment.from([['a', 'active:master'], ['b', 'active:master']]));
    expect(seeded.current().votingCount()).toBe(2);
    const q = boot(Quorum3M, 2);
    q.applyTransitions(q.observeMembership(['n1'], ['n0']));
    expect(q.current().get('n0')).toBe('failed');
    expect(q.current().votingCount()).toBe(0);
  });

  it('cross-strategy switch keeps the shape until re-observed; double observe is idempotent', () => {
    const solo = boot(Solo, 5);
    const mesh = TopologyReactor.withInitial(MeshAllPeers, solo.current());
    expect(mesh.current().votingCount()).toBe(1);
    const c = boot(Cluster3MNW, 6);
    const once = encodeTopoAssignment(c.current());
    c.applyTransitions(c.observeMembership(ids(6), []));
    expect(encodeTopoAssignment(c.current())).toBe(once);
  });

  it('a node listed three times does not bootstrap Quorum3M (one Admit only)', () => {
    const ts = new TopologyReactor(Quorum3M).observeMembership(['n0', 'n0', 'n0'], []);
    expect(ts).toEqual([{ kind: 'admit', id: 'n0' }]);
  });

  it('partitions: the minority cannot promote or evict, the majority does, and the reaction says why', () => {
    const r = boot(Quorum3M, 5); // n0..n2 masters, n3,n4 workers
    const minority = r.observe(['n0', 'n3'], ['n1', 'n2', 'n4']);
    expect(minority.transitions.filter((t) => t.kind !== 'admit')).toEqual([]);
    expect(minority.withheld).toEqual({ reachableVoters: 1, configuredVoters: 3 });
    const majority = r.observe(['n1', 'n2', 'n4'], ['n0', 'n3']);
    expect(majority.transitions).toContainEqual({ kind: 'promote', id: 'n4', role: 'master' });
    expect(majority.withheld).toBeNull();
    const three = boot(Quorum3M, 3);
    expect(three.observe(['n0'], ['n1', 'n2'])).toEqual({ transitions: [], withheld: { reachableVoters: 1, configuredVoters: 3 } });
  });

  it('chaos scenarios', () => {
    const q = boot(Quorum3M, 5);
    q.applyTransitions(q.observeMembership(['n0', 'n1', 'n2'], ['n3', 'n4']));
    expect(q.current().eligible().length).toBeGreaterThanOrEqual(3);
    expect(q.current().votingCount()).toBeGreaterThanOrEqual(3);
    // Losing three of three masters straight through the strategy: at most 2 voters, 2 eligible.
    const lose3 = assigned(Quorum3M, 5);
    react(Quorum3M, lose3, ['n0', 'n1', 'n2']);
    expect(lose3.votingCount()).toBeLessThanOrEqual(2);
    expect(lose3.eligible()).toHaveLength(2);
    // Through the reactor the same loss is a minority: nothing moves.
    const viaReactor = boot(Quorum3M, 5);
    expect(viaReactor.observe(['n3', 'n4'], ['n0', 'n1', 'n2']).withheld).toEqual({ reachableVoters: 0, configuredVoters: 3 });
    expect(Quorum3M.assign(['n3', 'n4']).ok).toBe(false);
    expect(boot(Cluster3MNW, 7).observeMembership(ids(7), [])).toEqual([]);
    const c6 = boot(Cluster3MNW, 6);
    c6.applyTransitions(c6.observeMembership(ids(6).slice(1), ['n0']));
    expect(c6.current().votingCount()).toBe(3);
    expect(c6.current().get('n0')).not.toBe('active:master');
    // rolling restart: each node lost, reacted to, rejoins as Standby → ≥ 1 voter at every step
    const roll = boot(Cluster3MNW, 6);
    for (const id of ids(6)) {
      roll.applyTransitions(roll.observeMembership(ids(6).filter((x) => x !== id), [id]));
      expect(roll.current().votingCount()).toBeGreaterThanOrEqual(1);
      roll.applyTransition({ kind: 'admit', id });
      expect(roll.current().votingCount()).toBeGreaterThanOrEqual(1);
    }
  });
});
