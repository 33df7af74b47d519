import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClusterSecret, readClusterSecret, secretFingerprint } from '../../../electron/raft/secret';

describe('cluster secret file', () => {
  it('is created once (0600), read back, never overwritten, and rejected when malformed', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'revoada-secret-'));
    try {
      const file = path.join(dir, 'cluster.secret');
      const s = createClusterSecret(file);
      expect(s.length).toBe(32);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readClusterSecret(file)).equals(Buffer.from(s))).toBe(true);
      expect(() => createClusterSecret(file)).toThrow(/refusing to overwrite/);
      expect(secretFingerprint(s)).toMatch(/^[0-9a-f]{8}$/);
      writeFileSync(file, 'not-hex\n');
      expect(() => readClusterSecret(file)).toThrow(/expected 64 lowercase hex digits/);
      expect(() => readClusterSecret(path.join(dir, 'missing'))).toThrow(/no cluster secret/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
