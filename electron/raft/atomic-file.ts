// Atomic file replacement: write a temporary file, fsync it, rename it over the target, fsync the
// directory — after a crash the target holds either the old or the new bytes, never a mix.

import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `bytes` to `file` (created or truncated, mode 0600) and fsyncs it. */
export function writeFileSynced(file: string, bytes: Uint8Array): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.tmp`;
  writeFileSynced(tmp, bytes);
  renameSync(tmp, file);
  fsyncDir(path.dirname(file));
}
