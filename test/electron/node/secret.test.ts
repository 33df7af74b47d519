import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClusterSecret } from '../../../electron/node/secret';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-secret-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('cluster secret file', () => {
  it('is created only when asked (bootstrap), mode 0600, and read back identically', async () => {
    const file = path.join(root, 'cluster.secret');
    expect(await loadClusterSecret(file, false)).toBeNull();
    const created = await loadClusterSecret(file, true);
    expect(created?.created).toBe(true);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    const again = await loadClusterSecret(file, true);
    expect(again?.created).toBe(false);
    expect(Buffer.from(again!.key).equals(Buffer.from(created!.key))).toBe(true);
    expect(again?.fingerprint).toMatch(/^[0-9a-f]{8}$/);
  });

  it('refuses a malformed or world-readable secret with what to do', async () => {
    const file = path.join(root, 'cluster.secret');
    await fs.writeFile(file, 'short\n', { mode: 0o600 });
    await expect(loadClusterSecret(file, false)).rejects.toThrow(/malformed .*copy it again from the bootstrap node/);
    await fs.writeFile(file, `${'ab'.repeat(32)}\n`);
    await fs.chmod(file, 0o644);
    await expect(loadClusterSecret(file, false)).rejects.toThrow(/readable by other users .*chmod 600/);
  });
});
