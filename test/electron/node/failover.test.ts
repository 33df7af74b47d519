// Five real `revoada node` processes on loopback with target ha_three: SIGKILL the Raft leader (an
// etcd holder); the survivors elect a new leader, replace the dead voter and commit a proposal made
// on a follower; the killed node restarts from its data directory and catches up; every node then
// exports the same chain, byte for byte, and it verifies.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoMesh } from '../../../electron/demo/supervisor';
import type { NodeStatusDto } from '../../../shared/ipc/contract';
import { HA_THREE_TARGET } from '../../../shared/types/target';
import { checkChains, notAtTarget, runningStatuses } from '../../support/failover';
import { cliPath, requireBuiltCli } from '../../support/node-process';

let root: string;
let mesh: DemoMesh | null = null;

async function waitFor<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function running(m: DemoMesh): Promise<NodeStatusDto[] | null> {
  const statuses = (await runningStatuses(m)).map((r) => r.status);
  return statuses.every((s) => s !== null) ? (statuses as NodeStatusDto[]) : null;
}

beforeAll(async () => {
  requireBuiltCli();
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-failover-'));
  mesh = await DemoMesh.start({ nodes: 5, root, cliPath });
}, 60_000);

afterAll(async () => {
  await mesh?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

describe('leader failover with 5 real node processes', () => {
  it('elects a new leader, replaces the dead voter, commits; survives a second leader death; the restarted nodes catch up', async () => {
    const m = mesh!;
    await m.waitConverged(20_000);
    const set = await m.nodes[0]!.client!.call('setTarget', { ...HA_THREE_TARGET });
    expect(set.ok).toBe(true);
    // ha_three: three voters holding etcd (new members wait out the 10 s hysteresis first).
    const formed = await waitFor('the mesh at ha_three', async () => {
      const all = await running(m);
      return all && all.length === 5 && notAtTarget(all, HA_THREE_TARGET) === null ? all : null;
    }, 30_000);
    const oldLeader = formed.find((s) => s.raft.state === 'leader')!;
    expect(oldLeader.raft.voters).toHaveLength(3);
    expect(oldLeader.shape[oldLeader.nodeId]).toContain('etcd');
    const killed = formed.indexOf(oldLeader);

    await m.kill(killed);
    const elected = await waitFor('a new leader among the survivors', async () => {
      const all = await running(m);
      const leader = all?.find((s) => s.raft.state === 'leader' && s.raft.term > oldLeader.raft.term);
      return leader ?? null;
    }, 10_000);
    expect(elected.nodeId).not.toBe(oldLeader.nodeId);

    // A proposal made on a follower commits under the new leader.
    const follower = (await runningStatuses(m)).find((r) => r.status !== null && r.status.raft.state !== 'leader')!.index;
    const changed = { ...HA_THREE_TARGET, minWorkers: 2 };
    const proposed = await m.nodes[follower]!.client!.call('setTarget', changed);
    expect(proposed.ok, proposed.message).toBe(true);

    // The dead voter is replaced: back at target on the four survivors, the killed node out of the voters.
    const healed = await waitFor('the survivors back at target with the new minWorkers', async () => {
      const all = await running(m);
      return all && all.length === 4 && all.every((s) => s.target['minWorkers'] === 2) && notAtTarget(all, changed) === null ? all : null;
    }, 15_000);
    expect(healed[0]!.raft.voters).toHaveLength(3);
    expect(healed[0]!.raft.voters).not.toContain(oldLeader.nodeId);
    expect(healed[0]!.shape[oldLeader.nodeId] ?? []).not.toContain('etcd');

    // A second failure before the first node is back: the next leader dies too. The last node that
    // holds no etcd replaces it, although it may have changed roles moments ago (replacing a dead
    // holder is exempt from the change window, also once the dead holder's demotion has committed).
    const secondLeader = healed.find((s) => s.raft.state === 'leader')!;
    const second = (await runningStatuses(m)).find((r) => r.status?.nodeId === secondLeader.nodeId)!.index;
    await m.kill(second);
    const healed2 = await waitFor('the three survivors back at ha_three', async () => {
      const all = await running(m);
      return all && all.length === 3 && notAtTarget(all, changed) === null ? all : null;
    }, 15_000);
    expect(new Set(healed2[0]!.raft.voters)).toEqual(new Set(healed2.map((s) => s.nodeId)));

    // Restart the killed nodes from their data directories: they rejoin and catch up.
    await Promise.all([m.startNode(killed), m.startNode(second)]);
    const caughtUp = await waitFor('the restarted nodes to catch up', async () => {
      const all = await running(m);
      if (!all || all.length !== 5) return null;
      const heads = new Set(all.map((s) => `${s.raft.leaderId}/${s.raft.appliedIndex}/${s.chain.length}/${s.chain.headHash}`));
      return heads.size === 1 && all.every((s) => s.target['minWorkers'] === 2) ? all : null;
    }, 20_000);
    const restarted = caughtUp.find((s) => s.nodeId === oldLeader.nodeId)!;
    expect(['learner', 'follower']).toContain(restarted.raft.state);
    expect(restarted.raft.leaderId).toBe(caughtUp.find((s) => s.raft.state === 'leader')!.nodeId);
    expect(restarted.chain.length).toBeGreaterThan(oldLeader.chain.length);

    // Witness signatures for the last blocks arrive in batches after the heads agree; compare the
    // exports byte for byte once every node has applied them.
    const chains = await waitFor('identical chain exports from every node', async () => {
      const c = await checkChains(m);
      return c.ok ? c : null;
    }, 10_000);
    expect(chains).toMatchObject({ ok: true, blocks: restarted.chain.length });
  }, 90_000);
});
