import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataDir, DataDirError, defaultDataDir, IDENTITY_FILE, LOCK_FILE } from '../../../electron/node/data-dir';
import { writeFileAtomic } from '../../../electron/node/fs-atomic';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'revoada-dd-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('data directory', () => {
  it('uses the OS application-data folder by default', () => {
    expect(defaultDataDir({}, 'linux', '/home/ana')).toBe('/home/ana/.local/share/revoada/node');
    expect(defaultDataDir({ XDG_DATA_HOME: '/data' }, 'linux', '/home/ana')).toBe('/data/revoada/node');
    expect(defaultDataDir({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/Revoada/node');
  });

  it('creates the identity once with mode 0600 and returns the same node id afterwards', async () => {
    const dir = await DataDir.open(path.join(root, 'd'));
    const first = await dir.identity();
    const second = await dir.identity();
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.nodeId).toBe(first.nodeId);
    expect(first.nodeId).toMatch(/^[0-9a-f]{64}$/);
    const stat = await fs.stat(dir.file(IDENTITY_FILE));
    if (process.platform !== 'win32') expect(stat.mode & 0o777).toBe(0o600);
    await dir.close();
  });

  it('refuses a corrupt identity with a message that says where and what to do', async () => {
    const dir = await DataDir.open(path.join(root, 'd'));
    await fs.writeFile(dir.file(IDENTITY_FILE), 'not a key\n');
    await expect(dir.identity()).rejects.toThrow(/identity .*identity\.key is corrupt .*restore it from a backup/);
    await dir.close();
  });

  it('refuses a second opener while the first holds the lock, and releases it on close', async () => {
    const d = path.join(root, 'd');
    const first = await DataDir.open(d);
    // Same pid would be treated as our own lock, so simulate another live process: our parent.
    await fs.writeFile(first.file(LOCK_FILE), JSON.stringify({ pid: process.ppid, hostname: os.hostname(), startedAt: 'x' }));
    const error = await DataDir.open(d).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DataDirError);
    expect(String((error as Error).message)).toContain(`is in use by another revoada process (pid ${process.ppid}`);
    await fs.writeFile(first.file(LOCK_FILE), JSON.stringify({ pid: process.pid, hostname: os.hostname(), startedAt: 'x' }));
    await first.close();
    await expect(fs.access(path.join(d, LOCK_FILE))).rejects.toThrow();
    const again = await DataDir.open(d);
    await again.close();
  });

  it('takes over the stale lock of a process that died', async () => {
    const d = path.join(root, 'd');
    await fs.mkdir(d);
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid ?? 0;
    await new Promise((resolve) => child.on('exit', resolve));
    await fs.writeFile(path.join(d, LOCK_FILE), JSON.stringify({ pid, hostname: os.hostname(), startedAt: 'x' }));
    const dir = await DataDir.open(d);
    const record = JSON.parse(await fs.readFile(path.join(d, LOCK_FILE), 'utf8')) as { pid: number };
    expect(record.pid).toBe(process.pid);
    await dir.close();
  });

  it('reports an unusable directory in one line', async () => {
    const file = path.join(root, 'plain-file');
    await fs.writeFile(file, '');
    await expect(DataDir.open(path.join(file, 'sub'))).rejects.toThrow(/^cannot use data dir .*plain-file\/sub: ENOTDIR .*--data-dir$/);
  });

  it('replaces files atomically and leaves no temporary files', async () => {
    const target = path.join(root, 'settings.json');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    expect(await fs.readFile(target, 'utf8')).toBe('two');
    expect(await fs.readdir(root)).toEqual(['settings.json']);
  });
});
