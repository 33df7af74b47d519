// The real `revoada node` and `revoada status` binaries: one node, its data dir and its console.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../../support/wait';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliProcess, startNodeProcess, type NodeProcess } from '../../support/node-process';

let root: string;
const running: NodeProcess[] = [];
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-node-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((n) => n.stop('SIGKILL')));
  await fs.rm(root, { recursive: true, force: true });
});

describe('revoada node (real process)', () => {
  it('serves its status to `revoada status`, refuses a second process on the data dir, and leaves no lock on SIGTERM', async () => {
    const dataDir = path.join(root, 'n1');
    const node = await startNodeProcess(['--data-dir', dataDir, '--console', '127.0.0.1:0', '--bootstrap', '--cluster-id', 'lab', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    running.push(node);
    const identity = (await fs.readFile(path.join(dataDir, 'identity.key'), 'utf8')).trim();
    expect(identity).toMatch(/^[0-9a-f]{64}$/);
    expect(node.output()).not.toContain(identity);
    const consoleFile = await fs.stat(path.join(dataDir, 'console.json'));
    expect(consoleFile.mode & 0o777).toBe(0o600);

    const status = await runCliProcess(['status', '--data-dir', dataDir, '--json']);
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const dto = JSON.parse(status.stdout) as { nodeId: string; clusterId: string; raft: { state: string } };
    expect(dto.clusterId).toBe('lab');
    expect(dto.nodeId).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(dto)).not.toContain(identity);

    const byUrl = await runCliProcess(['status', '--url', node.consoleUrl, '--json']);
    expect(JSON.parse(byUrl.stdout)).toMatchObject({ nodeId: dto.nodeId, clusterId: 'lab' });

    const second = await runCliProcess(['node', '--data-dir', dataDir, '--console', 'off', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/^revoada node: data dir .* is in use by another revoada process \(pid \d+/);

    expect(await node.stop('SIGTERM')).toBe(0);
    await expect(fs.access(path.join(dataDir, 'node.lock'))).rejects.toThrow();
    const after = await runCliProcess(['status', '--data-dir', dataDir]);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('is not running');
  });

  it('gives one clear line for bad arguments and a busy console port', async () => {
    const bad = await runCliProcess(['node', '--gossip', 'nope', '--data-dir', path.join(root, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--gossip expects HOST:PORT (IPv6 as [::1]:PORT), got 'nope'");

    const first = await startNodeProcess(['--data-dir', path.join(root, 'a'), '--console', '127.0.0.1:0', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    running.push(first);
    const port = new URL(first.consoleUrl).port;
    const busy = await runCliProcess(['node', '--data-dir', path.join(root, 'b'), '--console', `127.0.0.1:${port}`, '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    expect(busy.code).toBe(1);
    expect(busy.stderr.trim().split('\n')).toHaveLength(1);
    expect(busy.stderr).toContain(`console port 127.0.0.1:${port} is already in use`);
    // The refused process released its data dir.
    await expect(fs.access(path.join(root, 'b', 'node.lock'))).rejects.toThrow();
  });
});


interface StatusJson {
  nodeId: string;
  raft: { state: string; term: number; leaderId: string | null; voters: string[]; commitIndex: number };
  shape: Record<string, string[]>;
  chain: { length: number; headHash: string | null };
}

describe('a bootstrapped one-voter cluster (real process)', () => {
  it('elects itself, takes the target roles through Raft, exports a chain that verifies, and keeps it across a restart', async () => {
    const dataDir = path.join(root, 'solo');
    let node = await startNodeProcess(['--data-dir', dataDir, '--console', '127.0.0.1:0', '--bootstrap', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    running.push(node);
    const status = async () => JSON.parse((await runCliProcess(['status', '--data-dir', dataDir, '--json'])).stdout) as StatusJson;
    const settled = await waitFor('leader with api_server, etcd, scheduler and controller_manager', async () => {
      const s = await status();
      const roles = s.shape[s.nodeId] ?? [];
      return s.raft.state === 'leader' && ['api_server', 'etcd', 'scheduler', 'controller_manager'].every((r) => roles.includes(r)) ? s : null;
    });
    expect(settled.raft.leaderId).toBe(settled.nodeId);
    expect(settled.raft.voters).toEqual([settled.nodeId]);
    expect(settled.chain.length).toBeGreaterThanOrEqual(4);

    const chainFile = path.join(root, 'chain.json');
    const rust = await runCliProcess(['chain', 'export', '--data-dir', dataDir, '--rust']);
    expect(rust.code).toBe(0);
    expect(rust.stdout.startsWith('[{"prev_hash":[0,0,0,')).toBe(true);
    await fs.writeFile(chainFile, rust.stdout);
    const verified = await runCliProcess(['verify', chainFile, '--json']);
    expect(verified.code).toBe(0);
    const verdict = JSON.parse(verified.stdout) as { ok: boolean; blocks: number; head: string };
    expect(verdict).toMatchObject({ ok: true, blocks: settled.chain.length, head: settled.chain.headHash });

    const envelope = await runCliProcess(['chain', 'export', '--data-dir', dataDir]);
    expect(JSON.parse(envelope.stdout)).toMatchObject({ format: 'revoada-attestation-chain', cluster_id: 'revoada', node_keys: [settled.nodeId] });

    // Restart on the same data dir: the WAL brings back the term, the shape and the chain. A
    // snapshot write cut short by a crash (its temporary file) is removed and reported.
    expect(await node.stop('SIGTERM')).toBe(0);
    const staleSnapshot = path.join(dataDir, 'raft', 'snapshot.bin.bg');
    await fs.writeFile(staleSnapshot, new Uint8Array(4096).fill(7));
    node = await startNodeProcess(['--data-dir', dataDir, '--console', '127.0.0.1:0', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    running.push(node);
    expect(node.output()).toContain('removed snapshot.bin.bg left by an interrupted write');
    await expect(fs.access(staleSnapshot)).rejects.toThrow();
    const again = await waitFor('the restarted node to lead again', async () => {
      const s = await status();
      return s.raft.state === 'leader' ? s : null;
    });
    expect(again.raft.term).toBeGreaterThan(settled.raft.term);
    expect(again.shape).toEqual(settled.shape);
    const rustAgain = await runCliProcess(['chain', 'export', '--data-dir', dataDir, '--rust']);
    expect(rustAgain.stdout.startsWith(rust.stdout.slice(0, -1))).toBe(true);
  });
});

describe('revoada node --strategy', () => {
  it('refuses an invalid strategy with its position, and applies a valid one through Raft', async () => {
    const { encodeFabricStrategyYaml } = await import('../../../shared/policy/fabric');
    const { PRESCRIBED_HOMELAB } = await import('../../../shared/types/fabric');
    const bad = path.join(root, 'bad.yaml');
    await fs.writeFile(bad, encodeFabricStrategyYaml(PRESCRIBED_HOMELAB).replace(/phi_threshold: .*/, 'phi_threshold: -1.0'));
    const refused = await runCliProcess(['node', '--data-dir', path.join(root, 'x'), '--strategy', bad, '--console', 'off']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/bad\.yaml:\d+:\d+/);

    const good = path.join(root, 'good.yaml');
    await fs.writeFile(good, encodeFabricStrategyYaml({ ...PRESCRIBED_HOMELAB, name: 'lab-strategy' }));
    const dataDir = path.join(root, 's');
    const node = await startNodeProcess(['--data-dir', dataDir, '--bootstrap', '--strategy', good, '--console', '127.0.0.1:0', '--gossip', '127.0.0.1:0', '--raft', '127.0.0.1:0']);
    running.push(node);
    const applied = await waitFor('the strategy to be replicated', async () => {
      const s = JSON.parse((await runCliProcess(['status', '--data-dir', dataDir, '--json'])).stdout) as { strategy: string };
      return s.strategy === 'lab-strategy' ? s : null;
    });
    expect(applied.strategy).toBe('lab-strategy');
  });
});
