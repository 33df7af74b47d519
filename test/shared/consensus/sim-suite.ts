// Runs a range of simulator seeds as one vitest test (split over two files so the runner can use
// both cores). A failure prints its seed; replay one with
//   RAFT_SIM_SEED=<seed> npx vitest run --config build/vitest.config.ts test/shared/consensus/sim-a.test.ts
// RAFT_SIM_SEEDS=<n> runs seeds 1..n (each file takes its half).

import { describe, expect, it } from 'vitest';
import { SimFailure, Simulation, simOptionsFor } from './sim';

export function simSuite(part: 0 | 1): void {
  const single = process.env['RAFT_SIM_SEED'];
  const count = Number(process.env['RAFT_SIM_SEEDS'] ?? 500);
  const all = single !== undefined ? (part === 0 ? [Number(single)] : []) : Array.from({ length: count }, (_, i) => i + 1);
  const seeds = single !== undefined ? all : all.filter((s) => s % 2 === part);
  describe(`Raft deterministic simulation (part ${part + 1}/2)`, () => {
    it(`holds every invariant on ${seeds.length} seeds (3–7 nodes, loss, dup, reorder, partitions, crash-restart, torn writes)`, () => {
      if (seeds.length === 0) return;
      const totals = { elections: 0, crashes: 0, commits: 0, messages: 0, dropped: 0, snapshots: 0, deferredWitnessChecks: 0 };
      const cpu0 = process.cpuUsage();
      for (const seed of seeds) {
        const sim = new Simulation(simOptionsFor(seed));
        try {
          sim.run();
        } catch (e) {
          if (e instanceof SimFailure || e instanceof Error) {
            const tail = sim.log.slice(-15).join('\n  ');
            throw new Error(`${e.message}\n  replay: RAFT_SIM_SEED=${seed}\n  recent events:\n  ${tail}\n${e.stack ?? ''}`);
          }
          throw e;
        }
        totals.elections += sim.stats.elections;
        totals.crashes += sim.stats.crashes;
        totals.commits += sim.stats.maxCommit;
        totals.messages += sim.stats.messages;
        totals.dropped += sim.stats.dropped;
        totals.snapshots += sim.stats.snapshotsSent;
        totals.deferredWitnessChecks += sim.stats.deferredWitnessChecks;
      }
      const cpu = process.cpuUsage(cpu0);
      console.log(`raft sim: ${seeds.length} seeds, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU`, totals);
      // The faults must actually happen, or the run proves little.
      expect(totals.elections).toBeGreaterThan(seeds.length);
      expect(totals.commits).toBeGreaterThan(seeds.length * 10);
      if (seeds.length >= 100) {
        expect(totals.crashes).toBeGreaterThan(0);
        expect(totals.dropped).toBeGreaterThan(0);
        expect(totals.snapshots).toBeGreaterThan(0);
        expect(totals.deferredWitnessChecks).toBeGreaterThan(0);
      }
    });
  });
}
