// Real multi-process Raft on loopback: 5 OS processes (own WAL dirs, authenticated TCP), SIGKILL
// the leader → a new leader is elected and proposals commit; restart it → it catches up; the
// replicated state (MeshShape, settings, chain with witnesses) is byte-identical on all nodes.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcCluster } from './proc-cluster';

const root = mkdtempSync(path.join(os.tmpdir(), 'revoada-raft-proc-'));
const script = path.join(root, 'node.mjs');
let cluster: ProcCluster;

beforeAll(async () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  await build({
    entryPoints: [path.join(here, 'proc-entry.ts')], bundle: true, platform: 'node', format: 'esm', outfile: script, logLevel: 'error',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  cluster = new ProcCluster(script, [], root, 5, randomBytes(32).toString('hex'));
}, 60_000);

afterAll(async () => {
  await cluster?.stopAll();
  rmSync(root, { recursive: true, force: true });
});

describe('multi-process Raft (5 nodes on loopback)', () => {
  it('SIGKILL the leader → new leader commits; restart → catch-up; identical state everywhere', async () => {
    const [first, ...rest] = cluster.nodes;
    await first!.start(true);
    for (const n of rest) await n.start();
    cluster.wire();
    await cluster.waitLeader(5000);
    for (const n of rest) await cluster.propose({ kind: 'add-learner', id: n.id });
    for (const n of rest) await cluster.propose({ kind: 'promote', id: n.id, roles: ['etcd'] });
    for (let i = 0; i < 5; i++) await cluster.propose({ kind: 'promote', id: rest[i % 4]!.id, roles: ['worker'] });
    const leader = await cluster.waitLeader(5000);
    expect((await leader.status())!.voters.length).toBe(5);

    const t0 = Date.now();
    leader.kill();
    const next = await cluster.waitLeader(5000);
    expect(next).not.toBe(leader);
    await cluster.propose({ kind: 'promote', id: next.id, roles: ['api_server'] });
    console.log(`multi-process failover: SIGKILL → new leader → commit in ${Date.now() - t0} ms`);

    await leader.start();
    cluster.wire();
    await cluster.propose({ kind: 'promote', id: leader.id, roles: ['scheduler'] });
    const deadline = Date.now() + 15_000;
    let statuses = await Promise.all(cluster.nodes.map((n) => n.status(true)));
    while (Date.now() < deadline) {
      statuses = await Promise.all(cluster.nodes.map((n) => n.status(true)));
      const ok = statuses.every((s) => s && s.applied === statuses[0]!.applied && s.stateHash !== undefined && s.stateHash === statuses[0]!.stateHash && s.applied === s.last);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of statuses) {
      expect(s).not.toBeNull();
      expect(s!.stateHash).toBe(statuses[0]!.stateHash);
      expect(s!.faults).toBe(0);
      expect(s!.blocks).toBeGreaterThanOrEqual(11);
    }
  }, 60_000);
});
