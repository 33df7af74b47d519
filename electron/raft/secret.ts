// The cluster secret: 32 random bytes created at bootstrap (file mode 0600, written atomically),
// copied by the operator to joining nodes. Never logged: only its fingerprint is ever shown.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-file';

export const CLUSTER_SECRET_BYTES = 32;

export class ClusterSecretError extends Error {
  override name = 'ClusterSecretError';
}

export function createClusterSecret(file: string): Uint8Array {
  if (existsSync(file)) throw new ClusterSecretError(`${file} already exists; refusing to overwrite a cluster secret`);
  const secret = new Uint8Array(randomBytes(CLUSTER_SECRET_BYTES));
  writeFileAtomic(file, new TextEncoder().encode(`${Buffer.from(secret).toString('hex')}\n`));
  return secret;
}

export function readClusterSecret(file: string): Uint8Array {
  if (!existsSync(file)) throw new ClusterSecretError(`${file}: no cluster secret (copy it from a node of the cluster)`);
  const text = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new ClusterSecretError(`${file}: expected 64 lowercase hex digits`);
  return new Uint8Array(Buffer.from(text, 'hex'));
}

/** Safe to display: first 8 hex digits of SHA-256(secret). */
export function secretFingerprint(secret: Uint8Array): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 8);
}
