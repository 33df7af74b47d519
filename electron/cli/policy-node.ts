// The seam between the policy commands (`revoada target`, `strategy`, `propose`) and a node.
// A command asks `openPolicySource` for the policy state: `--from FILE` reads an offline snapshot
// (see shared/policy/snapshot.ts); `--data-dir D` / `--url URL` (or neither: the default data dir)
// go to a running node through the connector that the node host installs with
// `setPolicyNodeConnector` — until then those report clearly that no node can be reached.

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { err, ok, type Result } from '../../shared/kit/result';
import { parseSnapshot, type PolicySnapshot } from '../../shared/policy/snapshot';
import { PRESCRIBED_HOMELAB, type FabricStrategy } from '../../shared/types/fabric';
import type { RoleAssignment } from '../../shared/types/roles';
import type { TargetTopology } from '../../shared/types/target';
import type { CliIo } from './io';

/** What the policy commands need from a node (or from an offline snapshot). */
export interface PolicySource {
  /** For messages: "snapshot file plan.json", "node at http://127.0.0.1:7780". */
  readonly description: string;
  /** Offline sources can plan but not change anything. */
  readonly live: boolean;
  snapshot(): Promise<PolicySnapshot>;
  strategy(): Promise<FabricStrategy>;
  /** Each resolves to a one-line confirmation, or a refusal (not leader and cannot forward, no quorum…). */
  setTarget(target: TargetTopology): Promise<Result<string, string>>;
  applyStrategy(strategy: FabricStrategy): Promise<Result<string, string>>;
  propose(cmd: RoleAssignment): Promise<Result<string, string>>;
}

export interface NodeLocator {
  readonly dataDir?: string;
  readonly url?: string;
}

export type PolicyNodeConnector = (locator: NodeLocator, io: CliIo) => Promise<Result<PolicySource, string>>;

const noNodeHost: PolicyNodeConnector = async (locator) => {
  const where = locator.url ? `at ${locator.url}` : locator.dataDir ? `for data dir ${locator.dataDir}` : 'in the default data dir';
  return err(`no running node found ${where} (this build cannot reach a running node yet); pass --from FILE with a policy snapshot to work offline`);
};

let connector: PolicyNodeConnector = noNodeHost;

/** Installed by the node host (issue 7) so the policy commands reach a running node. */
export function setPolicyNodeConnector(next: PolicyNodeConnector | null): void {
  connector = next ?? noNodeHost;
}

export const SNAPSHOT_BYTES_MAX = 4 << 20;

export async function readTextFile(path: string, io: CliIo, what: string): Promise<Result<string, string>> {
  const full = resolve(io.cwd, path);
  try {
    const data = await readFile(full);
    if (data.length > SNAPSHOT_BYTES_MAX) return err(`${path}: ${what} is ${data.length} bytes; the limit is ${SNAPSHOT_BYTES_MAX}`);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(data);
    return ok(text);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return err(`${path}: no such file`);
    if (code === 'EISDIR') return err(`${path}: is a directory, expected a ${what}`);
    if (error instanceof TypeError) return err(`${path}: not valid UTF-8 text`);
    return err(`${path}: cannot read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** An offline snapshot file: plans work, changes are refused. */
export async function fileSource(path: string, io: CliIo): Promise<Result<PolicySource, string>> {
  const text = await readTextFile(path, io, 'policy snapshot');
  if (!text.ok) return text;
  const snap = parseSnapshot(text.value, path);
  if (!snap.ok) return snap;
  const refuse = async (): Promise<Result<string, string>> =>
    err(`${path} is an offline snapshot: nothing to change there; add --dry-run to see the plan, or point at a running node with --data-dir/--url`);
  return ok({
    description: `snapshot file ${path}`,
    live: false,
    snapshot: async () => snap.value,
    strategy: async () => PRESCRIBED_HOMELAB,
    setTarget: refuse,
    applyStrategy: refuse,
    propose: refuse,
  });
}

export interface SourceOptions {
  readonly from?: string;
  readonly 'data-dir'?: string;
  readonly url?: string;
}

export async function openPolicySource(options: SourceOptions, io: CliIo): Promise<Result<PolicySource, string>> {
  if (options.from !== undefined) return fileSource(options.from, io);
  return connector({ dataDir: options['data-dir'], url: options.url }, io);
}

/** Options every policy command accepts for finding its node or snapshot. */
export const SOURCE_OPTIONS = {
  from: { type: 'string' },
  'data-dir': { type: 'string' },
  url: { type: 'string' },
  json: { type: 'boolean' },
} as const;
