// Real processes, real UDP on 127.0.0.1: 5 nodes discover each other from one seed, a SIGKILLed
// node is marked dead by every survivor, and a restarted one (new generation) rejoins.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allHealthy, buildCli, startCluster, startMember, type GossipProc } from './procs';

let cli = '';
const procs: GossipProc[] = [];

beforeAll(async () => {
  cli = await buildCli();
});

afterAll(async () => {
  await Promise.all(procs.map((p) => p.stop()));
});

describe('gossip on loopback with 5 processes', () => {
  it('discover from one seed, detect a SIGKILL, and take a restarted node back', async () => {
    const o = { count: 5, exitAfterMs: 40_000, cluster: 'loopback-test' };
    procs.push(...(await startCluster(cli, o)));
    await Promise.all(procs.map((p) => p.waitFor(() => allHealthy(procs), 10_000, 'all 5 healthy everywhere')));

    const victim = procs[3]!;
    const survivors = procs.filter((p) => p !== victim);
    const killedAt = performance.now();
    victim.kill('SIGKILL');
    await Promise.all(survivors.map((p) => p.waitFor(() => p.healthOf(victim.nodeId, victim.generation) === 'dead', 10_000, 'victim dead')));
    const detection = Math.max(...survivors.map((p) => p.lines.find((l) => l.event === 'health' && l.node === victim.nodeId && l.generation === victim.generation && l.to === 'dead' && l.from !== 'new')!.at)) - killedAt;
    expect(detection).toBeGreaterThan(0);
    expect(detection).toBeLessThan(10_000);

    const reborn = startMember(cli, o, 3, procs[0]!.addr);
    procs[3] = reborn;
    await reborn.waitFor(() => reborn.addr !== '', 10_000, 'restarted node ready');
    expect(reborn.nodeId).toBe(victim.nodeId);
    expect(reborn.generation).not.toBe(victim.generation);
    await Promise.all(procs.map((p) => p.waitFor(() => allHealthy(procs), 10_000, 'all healthy again')));
    for (const p of survivors) expect(p.healthOf(victim.nodeId, victim.generation)).toBe('dead');
  }, 60_000);
});
