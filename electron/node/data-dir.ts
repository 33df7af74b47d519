// The node's data directory: identity key, cluster secret, Raft log and snapshots, the active
// strategy and target, console settings. One process owns it at a time (node.lock).
//
//   D/node.lock       {"pid":…, "hostname":…, "startedAt":…}; removed on clean exit, stale ones
//                     (their process is gone) are taken over.
//   D/identity.key    the ed25519 seed, 64 hex characters, mode 0600. Created once, never logged,
//                     never sent over IPC. The node id is its public key.
//   D/console.json    {"token":…, "url":…}, mode 0600: how the CLI and browsers reach the console.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { publicKeyFromSeed } from '../../shared/crypto/ed25519';
import { fromHex, toHex } from '../../shared/kit/bytes';
import { nodeIdFromBytes, type NodeId } from '../../shared/types/node-id';
import { readFileIfExists, writeFileAtomic } from './fs-atomic';

export const LOCK_FILE = 'node.lock';
export const IDENTITY_FILE = 'identity.key';
export const CONSOLE_FILE = 'console.json';

/** A problem the user can fix; `message` is one line saying what and what to do. */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** The OS application-data folder for Revoada (what `--data-dir` overrides). */
export function defaultDataDir(env: Readonly<Record<string, string | undefined>> = process.env, platform: NodeJS.Platform = process.platform, home = os.homedir()): string {
  if (platform === 'win32') return path.join(env['APPDATA'] ?? path.join(home, 'AppData', 'Roaming'), 'Revoada', 'node');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Revoada', 'node');
  const xdg = env['XDG_DATA_HOME'];
  return path.join(xdg !== undefined && xdg !== '' ? xdg : path.join(home, '.local', 'share'), 'revoada', 'node');
}

interface LockRecord {
  readonly pid: number;
  readonly hostname: string;
  readonly startedAt: string;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code !== undefined ? `${e.code} ${e.message.replace(/^[A-Z]+: /, '')}` : String(error);
}

export interface Identity {
  readonly seed: Uint8Array;
  readonly nodeId: NodeId;
  /** True when the key was created by this call. */
  readonly created: boolean;
}

/** An opened, locked data directory. `close()` releases the lock. */
export class DataDir {
  private released = false;

  private constructor(readonly root: string, private readonly lockPath: string) {}

  /** Creates the directory (0700) if needed and takes the lock, or fails with a clear message. */
  static async open(root: string): Promise<DataDir> {
    const dir = path.resolve(root);
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await fs.access(dir, fs.constants.R_OK | fs.constants.W_OK);
    } catch (error) {
      throw new DataDirError(`cannot use data dir ${dir}: ${describeFsError(error)} — fix its permissions or choose another with --data-dir`);
    }
    const lockPath = path.join(dir, LOCK_FILE);
    await DataDir.takeLock(dir, lockPath);
    return new DataDir(dir, lockPath);
  }

  private static async takeLock(dir: string, lockPath: string): Promise<void> {
    const record: LockRecord = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await fs.open(lockPath, 'wx', 0o600);
        try {
          await handle.writeFile(`${JSON.stringify(record)}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new DataDirError(`cannot lock data dir ${dir}: ${describeFsError(error)} — fix its permissions or choose another with --data-dir`);
        }
      }
      const holder = await DataDir.readLock(lockPath);
      if (holder !== null && holder.hostname === os.hostname() && holder.pid !== process.pid && processAlive(holder.pid)) {
        throw new DataDirError(`data dir ${dir} is in use by another revoada process (pid ${holder.pid}, since ${holder.startedAt}) — stop it first, or use a different --data-dir`);
      }
      if (holder !== null && holder.hostname !== os.hostname()) {
        throw new DataDirError(`data dir ${dir} is locked by a process on host ${holder.hostname} (pid ${holder.pid}) — a data dir must not be shared between machines; remove ${lockPath} only if that process is gone`);
      }
      // The holder is gone (crash, kill -9) or the lock is unreadable: take it over.
      await fs.rm(lockPath, { force: true });
    }
    throw new DataDirError(`could not lock data dir ${dir}: another process keeps taking ${LOCK_FILE}`);
  }

  private static async readLock(lockPath: string): Promise<LockRecord | null> {
    try {
      const value: unknown = JSON.parse(await fs.readFile(lockPath, 'utf8'));
      if (typeof value === 'object' && value !== null) {
        const { pid, hostname, startedAt } = value as Record<string, unknown>;
        if (typeof pid === 'number' && Number.isInteger(pid) && pid > 0 && typeof hostname === 'string' && typeof startedAt === 'string') return { pid, hostname, startedAt };
      }
      return null;
    } catch {
      return null;
    }
  }

  file(name: string): string {
    return path.join(this.root, name);
  }

  /** Loads the node identity, creating it (mode 0600) on first use. Never logs the seed. */
  async identity(): Promise<Identity> {
    const file = this.file(IDENTITY_FILE);
    const raw = await readFileIfExists(file).catch((error: unknown) => {
      throw new DataDirError(`cannot read identity ${file}: ${describeFsError(error)}`);
    });
    if (raw === null) {
      const seed = new Uint8Array(randomBytes(32));
      await writeFileAtomic(file, `${toHex(seed)}\n`, 0o600);
      return { seed, nodeId: nodeIdFromBytes(publicKeyFromSeed(seed)), created: true };
    }
    const text = raw.toString('latin1').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) {
      throw new DataDirError(`identity ${file} is corrupt (expected 64 lowercase hex characters, found ${text.length} characters) — restore it from a backup; removing it gives this node a new id`);
    }
    if (process.platform !== 'win32') {
      const stat = await fs.stat(file);
      if ((stat.mode & 0o077) !== 0) await fs.chmod(file, 0o600);
    }
    const seed = fromHex(text);
    if (seed === null) throw new DataDirError(`identity ${file} is corrupt (not hex)`);
    return { seed, nodeId: nodeIdFromBytes(publicKeyFromSeed(seed)), created: false };
  }

  /** Releases the lock (idempotent). */
  async close(): Promise<void> {
    if (this.released) return;
    this.released = true;
    const holder = await DataDir.readLock(this.lockPath);
    if (holder !== null && holder.pid === process.pid) await fs.rm(this.lockPath, { force: true });
  }
}
