// Writing chain files durably: the text goes to a temporary file next to the target, is fsynced,
// renamed over the target and the directory is fsynced, so a crash leaves either the old file or
// the complete new one, never a torn chain.
import { open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { RoleAttestationBlock } from '../../../shared/attestation/block';
import { encodeChainBare, encodeChainEnvelope, type EnvelopeMeta } from '../../../shared/attestation/chain-file';

export type ChainFileForm = 'bare' | 'envelope';

export async function writeFileDurably(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(tmp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  // Persist the rename itself. Not every platform can open a directory (Windows cannot): best effort.
  try {
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  } catch {
    /* directory fsync unsupported here */
  }
}

/** Writes `blocks` as a chain file: the bare engenho-revoada array, or our envelope with `meta`. */
export async function exportChainFile(file: string, blocks: readonly RoleAttestationBlock[], form: ChainFileForm, meta: EnvelopeMeta = {}): Promise<void> {
  const text = form === 'bare' ? encodeChainBare(blocks) : encodeChainEnvelope(blocks, meta);
  await writeFileDurably(file, text);
}
