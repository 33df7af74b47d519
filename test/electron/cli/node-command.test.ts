// The real `revoada node` and `revoada status` binaries: one node, its data dir and its console.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
    const node = await startNodeProcess(['--data-dir', dataDir, '--console', '127.0.0.1:0', '--bootstrap', '--cluster-id', 'lab']);
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
    expect(JSON.parse(byUrl.stdout)).toEqual(dto);

    const second = await runCliProcess(['node', '--data-dir', dataDir, '--console', 'off']);
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

    const first = await startNodeProcess(['--data-dir', path.join(root, 'a'), '--console', '127.0.0.1:0']);
    running.push(first);
    const port = new URL(first.consoleUrl).port;
    const busy = await runCliProcess(['node', '--data-dir', path.join(root, 'b'), '--console', `127.0.0.1:${port}`]);
    expect(busy.code).toBe(1);
    expect(busy.stderr.trim().split('\n')).toHaveLength(1);
    expect(busy.stderr).toContain(`console port 127.0.0.1:${port} is already in use`);
    // The refused process released its data dir.
    await expect(fs.access(path.join(root, 'b', 'node.lock'))).rejects.toThrow();
  });
});
