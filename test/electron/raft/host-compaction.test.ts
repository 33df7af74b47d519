// RaftHost under load with frequent compaction: background snapshots complete while the host keeps
// a WAL fsync in flight almost all the time (each completion starts the next one). Installing a
// snapshot rewrites the log (forced here at every snapshot, instead of only past 8 MiB), and must
// never do so under an in-flight fsync: every entry the host reported committed is in the WAL after.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { RaftHost } from '../../../electron/raft/raft-host';
import { Wal } from '../../../electron/raft/wal';
import { nodeEd25519, nodeSignerFromSeed } from '../../../electron/node/ed25519-node';
import type { Snapshot } from '../../../shared/consensus/types';
import { promote } from '../../../shared/types/roles';

const root = mkdtempSync(path.join(os.tmpdir(), 'revoada-raft-compaction-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('compaction under load never rewrites the log under an in-flight fsync; every committed entry survives', async () => {
  const dir = path.join(root, 'solo');
  const host = await RaftHost.start({ dir, signer: nodeSignerFromSeed(new Uint8Array(32).fill(9)), verifier: nodeEd25519, secret: new Uint8Array(randomBytes(32)), bootstrap: true, walSync: 'background', tuning: { snapshotIntervalEntries: 50 } });
  const wal = host.wal as unknown as { installSnapshot: (s: Snapshot, always: boolean) => void; rewriteLog: () => void };
  const install = wal.installSnapshot.bind(host.wal);
  wal.installSnapshot = (s): void => install(s, true);
  const rewrite = wal.rewriteLog.bind(host.wal);
  const rewrites: boolean[] = [];
  wal.rewriteLog = (): void => {
    rewrites.push(host.wal.syncPending);
    rewrite();
  };
  for (let t = 0; !host.node.isLeader(); t++) {
    if (t > 1000) throw new Error('no leader');
    await new Promise((r) => setTimeout(r, 5));
  }
  // Proposals from a timer, not from completions: new entries are waiting whenever an fsync
  // completes, so the host starts the next one from inside the completion (the busy case).
  let committed = 0;
  const pending: Promise<void>[] = [];
  const timer = setInterval(() => {
    for (let k = 0; k < 4; k++) {
      pending.push(host.proposeAndWait((n) => n.proposeRole(promote(n.id, ['worker'], 'scaling_up'))).then((r) => {
        if (r.ok) committed = Math.max(committed, r.value);
      }));
    }
  }, 1);
  await new Promise((r) => setTimeout(r, 1500));
  clearInterval(timer);
  await Promise.all(pending);
  await host.stop();
  expect(committed).toBeGreaterThan(200);
  expect(rewrites.length).toBeGreaterThan(2);
  expect(rewrites.filter((underSync) => underSync)).toEqual([]);
  const back = Wal.open(dir);
  const last = back.restored.entries.at(-1)?.index ?? back.restored.snapshot?.index ?? 0;
  expect(back.restored.snapshot?.index ?? 0).toBeGreaterThan(0);
  expect(last).toBeGreaterThanOrEqual(committed);
  back.close();
}, 30_000);

it.each(['inline', 'background'] as const)('a failed fdatasync (%s) stops the host: the proposal fails, nothing is acknowledged after it, the failure is reported', async (walSync) => {
  const dir = path.join(root, `failing-${walSync}`);
  const notices: string[] = [];
  const host = await RaftHost.start({ dir, signer: nodeSignerFromSeed(new Uint8Array(32).fill(8)), verifier: nodeEd25519, secret: new Uint8Array(randomBytes(32)), bootstrap: true, walSync, onNotice: (t) => notices.push(t) });
  for (let t = 0; !host.node.isLeader(); t++) {
    if (t > 1000) throw new Error('no leader');
    await new Promise((r) => setTimeout(r, 5));
  }
  expect((await host.proposeAndWait((n) => n.proposeRole(promote(n.id, ['worker'], 'scaling_up')))).ok).toBe(true);
  const committedBefore = host.node.raft.log.committed;
  Wal.failpoints.syncError = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  try {
    const r = await host.proposeAndWait((n) => n.proposeRole(promote(n.id, ['observer'], 'scaling_up')));
    expect(r).toEqual({ ok: false, error: 'stopped' });
  } finally {
    Wal.failpoints.syncError = null;
  }
  expect(notices.some((t) => t.includes('could not be written or synced, stopping: EIO'))).toBe(true);
  // The entry whose sync failed was never counted: the commit index did not move.
  expect(host.node.raft.log.committed).toBe(committedBefore);
  await host.stop();
});
