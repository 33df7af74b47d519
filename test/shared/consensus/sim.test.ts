// ≥ 500 seeds of the deterministic simulator (see sim.ts). A failure prints its seed; replay one
// with RAFT_SIM_SEED=<seed> npx vitest run --config build/vitest.config.ts test/shared/consensus/sim.test.ts
// RAFT_SIM_SEEDS=<n> runs more.

import { describe, expect, it } from 'vitest';
import { SimFailure, Simulation, simOptionsFor } from './sim';

const single = process.env['RAFT_SIM_SEED'];
const count = Number(process.env['RAFT_SIM_SEEDS'] ?? 500);
const seeds = single !== undefined ? [Number(single)] : Array.from({ length: count }, (_, i) => i + 1);

describe('Raft deterministic simulation', () => {
  it(`holds every invariant on ${seeds.length} seeds (3–7 nodes, loss, dup, reorder, partitions, crash-restart, torn writes)`, () => {
    const totals = { elections: 0, crashes: 0, commits: 0, messages: 0, dropped: 0, snapshots: 0 };
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
    }
    console.log(`raft sim: ${seeds.length} seeds`, totals);
    // The faults must actually happen, or the run proves little.
    expect(totals.elections).toBeGreaterThan(seeds.length);
    expect(totals.commits).toBeGreaterThan(seeds.length * 10);
    if (seeds.length >= 100) {
      expect(totals.crashes).toBeGreaterThan(0);
      expect(totals.dropped).toBeGreaterThan(0);
      expect(totals.snapshots).toBeGreaterThan(0);
    }
  });
});
