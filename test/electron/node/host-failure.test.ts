// A node whose Raft log cannot be synced stops by itself: the command waiting on the failed write
// gets an answer, whenFailed() resolves with the reason, the data directory is released (another
// host can start on it), and the log says why.

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createEventLog } from '../../../electron/node/event-log';
import { NodeHost, type NodeHostOptions } from '../../../electron/node/host';
import { Wal } from '../../../electron/raft/wal';
import type { NodeId } from '../../../shared/types/node-id';
import { encodeRoleAssignment, promote } from '../../../shared/types/roles';

const root = mkdtempSync(path.join(os.tmpdir(), 'revoada-host-failure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('a failed fdatasync stops the node with the reason; the waiting command is answered and the data dir released', async () => {
  const lines: string[] = [];
  const options: NodeHostOptions = {
    dataDir: path.join(root, 'node'), clusterId: 'revoada', gossip: { host: '127.0.0.1', port: 0 }, raft: { host: '127.0.0.1', port: 0 },
    seeds: [], bootstrap: true, console: null, allowRemoteConsole: false, log: createEventLog((line) => lines.push(line), 'json'),
  };
  const host = await NodeHost.start(options);
  const handlers = host.handlers('electron');
  for (let t = 0; (await handlers.getStatus(null))?.raft.state !== 'leader'; t++) {
    if (t > 400) throw new Error('no leader');
    await new Promise((r) => setTimeout(r, 25));
  }
  const id = (await handlers.getStatus(null))!.nodeId;
  Wal.failpoints.syncError = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
  let result;
  try {
    result = await handlers.propose({ text: encodeRoleAssignment(promote(id as NodeId, ['worker'], 'operator')) });
  } finally {
    Wal.failpoints.syncError = null;
  }
  expect(result.ok).toBe(false);
  const reason = await host.whenFailed();
  expect(reason.message).toMatch(/the Raft log could not be written or synced: EIO/);
  expect(host.failure).toBe(reason);
  expect(lines.some((l) => l.includes('"event":"node.failed"') && l.includes('EIO'))).toBe(true);
  expect(lines.some((l) => l.includes('stopped cleanly'))).toBe(false);
  // The lock is released: the node can start again on the same data dir, from what is on disk.
  const again = await NodeHost.start({ ...options, bootstrap: false });
  expect((await again.handlers('electron').getStatus(null))?.nodeId).toBe(id);
  await again.stop();
}, 30_000);
