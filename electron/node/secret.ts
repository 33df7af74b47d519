// The cluster secret: 32 random bytes, hex in a file (mode 0600) created by the bootstrap node and
// copied to joining nodes. Raft traffic is authenticated with it. It is never logged or sent over
// IPC; only its fingerprint (first 8 hex of BLAKE3) is shown, so two operators can compare files.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { blake3 } from '../../shared/crypto/blake3';
import { fromHex, toHex } from '../../shared/kit/bytes';
import { readFileIfExists, writeFileAtomic } from './fs-atomic';

export class SecretError extends Error {
  override name = 'SecretError';
}

export interface ClusterSecret {
  readonly key: Uint8Array;
  readonly fingerprint: string;
  readonly created: boolean;
}

export function secretFingerprint(key: Uint8Array): string {
  return toHex(blake3(key)).slice(0, 8);
}

/** Loads the secret; creates it only when `create` is set (bootstrap). Null when absent. */
export async function loadClusterSecret(file: string, create: boolean): Promise<ClusterSecret | null> {
  let raw: Buffer | null;
  try {
    raw = await readFileIfExists(file);
  } catch (error) {
    throw new SecretError(`cannot read cluster secret ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (raw === null) {
    if (!create) return null;
    const key = new Uint8Array(randomBytes(32));
    await writeFileAtomic(file, `${toHex(key)}\n`, 0o600);
    return { key, fingerprint: secretFingerprint(key), created: true };
  }
  const text = raw.toString('latin1').trim();
  const key = /^[0-9a-f]{64}$/.test(text) ? fromHex(text) : null;
  if (key === null) throw new SecretError(`cluster secret ${file} is malformed (expected 64 lowercase hex characters) — copy it again from the bootstrap node`);
  if (process.platform !== 'win32') {
    const stat = await fs.stat(file);
    if ((stat.mode & 0o077) !== 0) throw new SecretError(`cluster secret ${file} is readable by other users (mode ${(stat.mode & 0o777).toString(8)}) — run: chmod 600 ${file}`);
  }
  return { key, fingerprint: secretFingerprint(key), created: false };
}
