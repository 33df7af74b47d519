// Three real `revoada node` processes on loopback: one leader, one shape, one chain — exported
// byte-identical from every node and accepted by `revoada verify`; target changes through the CLI;
// SIGTERM leaves no stale lock; a node without the cluster secret is never made a member.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../support/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoMesh } from '../../../electron/demo/supervisor';
import type { NodeStatusDto } from '../../../shared/ipc/contract';
import { HOMELAB_TARGET } from '../../../shared/types/target';
import { notAtTarget } from '../../support/failover';
import { cliPath, requireBuiltCli, runCliProcess, startNodeProcess } from '../../support/node-process';

let root: string;
let mesh: DemoMesh;


beforeAll(async () => {
  requireBuiltCli();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-mesh-'));
  mesh = await DemoMesh.start({ nodes: 3, root, cliPath });
}, 60_000);

afterAll(async () => {
  await mesh?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

describe('a 3-node mesh of real processes', () => {
  it('agrees on one leader, one shape and one chain, which every node exports byte for byte', async () => {
    await mesh.waitConverged(20_000);
    const statuses = await waitFor('every node to have applied the same chain', async () => {
      const all = (await mesh.statuses()) as NodeStatusDto[];
      const heads = new Set(all.map((s) => `${s.chain.length}:${s.chain.headHash}:${s.raft.appliedIndex}`));
      // …and at the target, so the policy is done forming and the chain no longer grows while we
      // export it.
      return all.every((s) => s.chain.length > 0 && s.raft.learners.length + s.raft.voters.length === 3) && heads.size === 1 &&
        notAtTarget(all, HOMELAB_TARGET) === null ? all : null;
    });
    console.log('DBG mesh chain', statuses.map((s) => `${s.chain.length}/${s.raft.state}/${s.raft.term}/${s.raft.appliedIndex}`).join(','), 'members', JSON.stringify(statuses.map((s) => s.members.map((m) => m.health[0]).join(''))));
    const leaders = statuses.filter((s) => s.raft.state === 'leader');
    expect(leaders).toHaveLength(1);
    for (const s of statuses) {
      expect(s.raft.leaderId).toBe(leaders[0]!.nodeId);
      expect(s.shape).toEqual(statuses[0]!.shape);
      expect(s.members.filter((m) => m.health === 'healthy')).toHaveLength(3);
    }

    // status --json through the real CLI, and chain export from every node.
    const exports: string[] = [];
    for (const node of mesh.nodes) {
      const status = await runCliProcess(['status', '--data-dir', node.dataDir, '--json']);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ raft: { leaderId: leaders[0]!.nodeId } });
      const exported = await runCliProcess(['chain', 'export', '--data-dir', node.dataDir, '--rust']);
      expect(exported.code).toBe(0);
      exports.push(exported.stdout);
    }
    expect(new Set(exports).size).toBe(1);
    const file = path.join(root, 'chain.json');
    await fs.writeFile(file, exports[0]!);
    const verified = await runCliProcess(['verify', file, '--json']);
    console.log('DBG mesh after', JSON.stringify((await mesh.statuses() as NodeStatusDto[]).map((s) => `${s.chain.length}/${s.raft.state}/${s.raft.term}/${s.raft.appliedIndex}`)));
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, blocks: statuses[0]!.chain.length, head: statuses[0]!.chain.headHash });
  });

  it('changes the target through `revoada target set` on a follower and replicates it', async () => {
    const statuses = (await mesh.statuses()) as NodeStatusDto[];
    const follower = mesh.nodes[statuses.findIndex((s) => s.raft.state !== 'leader')]!;
    const set = await runCliProcess(['target', 'set', '--data-dir', follower.dataDir, '--etcd-replicas', '3']);
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    await waitFor('etcdReplicas 3 on every node', async () => {
      const all = (await mesh.statuses()) as NodeStatusDto[];
      return all.every((s) => s.target['etcdReplicas'] === 3) ? true : null;
    });
  });

  it('never admits a node that does not hold the cluster secret', async () => {
    const intruderDir = path.join(root, 'intruder');
    const intruder = await startNodeProcess(['--data-dir', intruderDir, '--console', '127.0.0.1:0', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0',
      '--cluster-id', 'revoada-demo', '--seed', `127.0.0.1:${mesh.nodes[0]!.gossipPort}`, '--secret-file', path.join(root, 'wrong.secret'), '--bootstrap']);
    try {
      const intruderId = (JSON.parse((await runCliProcess(['status', '--data-dir', intruderDir, '--json'])).stdout) as NodeStatusDto).nodeId;
      // Gossip sees it (it speaks chitchat with our cluster id) …
      await waitFor('the mesh to see the intruder on gossip', async () => {
        const all = (await mesh.statuses()) as NodeStatusDto[];
        return all.every((s) => s.members.some((m) => m.nodeId === intruderId)) ? true : null;
      });
      // … but after several policy rounds it is neither a voter nor a learner anywhere.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      for (const s of (await mesh.statuses()) as NodeStatusDto[]) {
        expect(s.raft.voters).not.toContain(intruderId);
        expect(s.raft.learners).not.toContain(intruderId);
      }
    } finally {
      expect(await intruder.stop()).toBe(0);
    }
    await expect(fs.access(path.join(intruderDir, 'node.lock'))).rejects.toThrow();
  });

  it('stops every node cleanly on SIGTERM and leaves no lock behind', async () => {
    await mesh.stop();
    for (const node of mesh.nodes) await expect(fs.access(path.join(node.dataDir, 'node.lock'))).rejects.toThrow();
  });
});
