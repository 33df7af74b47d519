// Group commit and durability ordering on a real 3-node loopback cluster (real WALs with fsync,
// authenticated TCP): under 32 concurrent proposers many entries share one fsync, yet no node ever
// acknowledges (app-resp) an index before that index is durable in its own WAL, and a whole Ready's
// messages for one peer leave in one socket write.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RaftHost } from '../../../electron/raft/raft-host';
import { nodeEd25519, nodeSignerFromSeed } from '../../../electron/node/ed25519-node';
import type { Message } from '../../../shared/consensus/types';
import { promote } from '../../../shared/types/roles';

const root = mkdtempSync(path.join(os.tmpdir(), 'revoada-raft-group-'));
const hosts: RaftHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.stop();
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const secret = new Uint8Array(randomBytes(32));

describe('group commit keeps "fsync before ack"', () => {
  it.each(['inline', 'background'] as const)('acks never leave before their entries are fsynced; entries share fsyncs under concurrency (WAL sync %s)', async (walSync) => {
    for (const h of hosts.splice(0)) await h.stop();
    for (let i = 0; i < 3; i++) {
      hosts.push(await RaftHost.start({ dir: path.join(root, `${walSync}-n${i}`), signer: nodeSignerFromSeed(new Uint8Array(32).fill(i + 1)), verifier: nodeEd25519, secret, bootstrap: i === 0, walSync }));
    }
    for (const a of hosts) for (const b of hosts) if (a !== b) a.setPeer(b.id, b.address());
    // Every node: the last index its WAL has fsynced, and every acknowledgement it sends checked
    // against it at the moment it is handed to the transport.
    const violations: string[] = [];
    const asyncSavesOf = new Map<RaftHost, () => number>();
    let acks = 0;
    for (const h of hosts) {
      let durable = 0;
      const save = h.wal.save.bind(h.wal);
      h.wal.save = (rd): void => {
        save(rd);
        const last = rd.entries[rd.entries.length - 1];
        if (last) durable = last.index; // save() returned: fsynced (entries always force a sync)
      };
      // The hosts' usual path: written at once, fdatasynced on the thread pool, `done` after.
      let asyncSaves = 0;
      const saveAsync = h.wal.saveAsync.bind(h.wal);
      h.wal.saveAsync = (rd, done): void => {
        asyncSaves++;
        saveAsync(rd, (error) => {
          const last = rd.entries[rd.entries.length - 1];
          if (!error && last) durable = last.index;
          done(error);
        });
      };
      asyncSavesOf.set(h, () => asyncSaves);
      const send = h.transport.send.bind(h.transport);
      h.transport.send = (ms: readonly Message[]): void => {
        for (const m of ms) {
          if (m.type !== 'app-resp' || m.reject) continue;
          acks++;
          if (m.index > durable && m.index > h.node.raft.log.stableIndex) violations.push(`${h.id.slice(0, 8)} acked ${m.index} with ${durable} durable`);
        }
        send(ms);
      };
    }
    const a = hosts[0]!;
    for (let t = 0; !a.node.isLeader(); t++) {
      if (t > 1000) throw new Error('no leader');
      await sleep(5);
    }
    for (const h of hosts.slice(1)) {
      while (!(await a.proposeAndWait((n) => n.addLearner(h.id))).ok) await sleep(5);
      while (!(await a.proposeAndWait((n) => n.proposeRole(promote(h.id, ['etcd'], 'scaling_up')))).ok) await sleep(5);
    }
    const syncs0 = hosts.map((h) => h.wal.syncs);
    const writes0 = a.transport.stats.writes;
    const sent0 = a.transport.stats.sent;
    const PER = 8;
    const results = await Promise.all(Array.from({ length: 32 }, async (_, w) => {
      let ok = 0;
      for (let k = 0; k < PER; k++) if ((await a.proposeAndWait((n) => n.proposeRole(promote(a.id, (w + k) % 2 ? ['worker'] : ['observer'], 'operator')))).ok) ok++;
      return ok;
    }));
    const committed = results.reduce((x, y) => x + y, 0);
    expect(committed).toBe(32 * PER);
    expect(violations).toEqual([]);
    expect(acks).toBeGreaterThan(0);
    // The entries went through the chosen path on every node (the fsync off the event loop, or not).
    for (const h of hosts) {
      if (walSync === 'background') expect(asyncSavesOf.get(h)!()).toBeGreaterThan(0);
      else expect(asyncSavesOf.get(h)!()).toBe(0);
    }
    // Group commit: far fewer fsyncs than entries on every node (one per entry would be ≥ 256).
    for (const [i, h] of hosts.entries()) expect(h.wal.syncs - syncs0[i]!).toBeLessThan(committed);
    // Coalesced writes: the leader sent more messages than it made socket writes.
    expect(a.transport.stats.sent - sent0).toBeGreaterThan(a.transport.stats.writes - writes0);
  }, 30_000);
});
