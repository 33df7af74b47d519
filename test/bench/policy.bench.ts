// bench:policy — cost of one policy-engine tick (both policies, damping, merge) against the crate's
// algorithm alone (AutoReplacementPolicy) on the same inputs, for meshes of 5, 50 and 500 members,
// in steady state and right after a holder died. Also the simulated time from a holder's death to
// the shape back at target under the default damping (deterministic, in simulated milliseconds).
// Last line: one JSON object with the figures and ratios.
import { performance } from 'node:perf_hooks';
import { autoReplacement } from '../../shared/policy/auto-replacement';
import { PolicyEngine } from '../../shared/policy/engine';
import { Phalanx } from '../../shared/policy/strategies';
import type { MemberView, MembershipView } from '../../shared/policy/view';
import { MeshShape } from '../../shared/types/mesh-shape';
import { nodeIdFromBytes, type NodeId } from '../../shared/types/node-id';
import { HA_THREE_TARGET } from '../../shared/types/target';

function id(i: number): NodeId {
  const b = new Uint8Array(32);
  b[0] = i >> 8;
  b[1] = i & 0xff;
  b[31] = 1;
  return nodeIdFromBytes(b);
}

function mesh(n: number, deadIndex: number | null): { view: MembershipView; shape: MeshShape } {
  const members: MemberView[] = [];
  for (let i = 0; i < n; i++) members.push({ id: id(i), health: i === deadIndex ? 'dead' : 'healthy', raft: i < 5 ? 'voter' : 'learner', caughtUp: true, capacity: { cpuCores: 2 + (i % 7) } });
  // A converged shape: run the engine to a fixed point first.
  const shape = new MeshShape();
  const engine = new PolicyEngine({ target: HA_THREE_TARGET, topology: Phalanx });
  const healthy = { members: members.map((m) => ({ ...m, health: 'healthy' as const })) };
  for (let t = 0; t < 600_000; t += 1000) {
    const out = engine.tick({ view: healthy, shape, isLeader: true, nowMs: t });
    for (const c of out.proposals) shape.apply(c, 1, shape.lastAppliedIndex + 1);
  }
  return { view: { members }, shape };
}

function timeIt(iterations: number, fn: () => void): number {
  for (let i = 0; i < Math.min(50, iterations); i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return ((performance.now() - start) * 1000) / iterations; // µs per call
}

const figures: Record<string, number> = {};
for (const n of [5, 50, 500]) {
  const iterations = n === 500 ? 200 : 2000;
  for (const [label, dead] of [['steady', null], ['after_death', 0]] as const) {
    const { view, shape } = mesh(n, dead);
    const baseline = timeIt(iterations, () => autoReplacement(view, shape, HA_THREE_TARGET));
    const engine = new PolicyEngine({ target: HA_THREE_TARGET, topology: Phalanx });
    let t = 0;
    const full = timeIt(iterations, () => engine.tick({ view, shape, isLeader: true, nowMs: (t += 1000) }));
    figures[`n${n}_${label}_crate_algorithm_us`] = Number(baseline.toFixed(2));
    figures[`n${n}_${label}_engine_tick_us`] = Number(full.toFixed(2));
    figures[`n${n}_${label}_ratio_engine_vs_crate`] = Number((full / baseline).toFixed(2));
    console.log(`n=${String(n).padStart(3)} ${label.padEnd(11)} crate algorithm ${baseline.toFixed(1).padStart(8)} µs   engine tick ${full.toFixed(1).padStart(8)} µs   ratio ${(full / baseline).toFixed(2)}`);
  }
}

// Simulated heal time: the etcd holder dies at t0; ticks every 250 ms (the reconciliation cadence
// of the homelab strategy is 500 ms; 250 ms shows the engine adds no delay of its own).
{
  const { shape } = mesh(5, null);
  const holder = shape.holders('etcd')[0]!;
  const members: MemberView[] = [];
  for (let i = 0; i < 5; i++) members.push({ id: id(i), health: id(i) === holder ? 'dead' : 'healthy', raft: 'voter', caughtUp: true });
  const engine = new PolicyEngine({ target: HA_THREE_TARGET });
  engine.tick({ view: { members: members.map((m) => ({ ...m, health: 'healthy' as const })) }, shape, isLeader: true, nowMs: 0 });
  let healedAt = -1;
  for (let t = 250; t <= 120_000 && healedAt < 0; t += 250) {
    const out = engine.tick({ view: { members }, shape, isLeader: true, nowMs: t });
    for (const c of out.proposals) shape.apply(c, 1, shape.lastAppliedIndex + 1);
    const alive = new Set(members.filter((m) => m.health !== 'dead').map((m) => m.id));
    const ok = (['api_server', 'etcd', 'scheduler', 'controller_manager'] as const).every((r) => {
      const h = shape.holders(r);
      return h.every((x) => alive.has(x)) && h.length >= (r === 'api_server' || r === 'etcd' ? 3 : 1);
    });
    if (ok) healedAt = t - 250;
  }
  figures['sim_heal_after_death_ms_from_first_tick'] = healedAt;
  console.log(`simulated: shape back at ha_three ${healedAt} ms after the first tick that saw the death`);
}

console.log(JSON.stringify({ bench: 'policy', ...figures }));
