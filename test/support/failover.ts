// Shared checks for the failover benchmark and the multi-process failover test: is a mesh of real
// node processes at its target, and do the chains exported from every running node agree and verify?
import type { DemoMesh } from '../../electron/demo/supervisor';
import { nodeEd25519 } from '../../electron/node/ed25519-node';
import { parseChainFile } from '../../shared/attestation/chain-file';
import { verifyChain } from '../../shared/attestation/verify';
import type { NodeStatusDto } from '../../shared/ipc/contract';
import { REPLACED_ROLES } from '../../shared/policy/auto-replacement';
import type { NodeRole } from '../../shared/types/roles';
import { targetFor, type TargetTopology } from '../../shared/types/target';

/** The running nodes' statuses (null where a running node did not answer). */
export async function runningStatuses(mesh: DemoMesh): Promise<{ index: number; status: NodeStatusDto | null }[]> {
  const all = await mesh.statuses();
  return mesh.nodes.filter((n) => n.child !== null).map((n) => ({ index: n.index, status: all[n.index] ?? null }));
}

/**
 * Why the running nodes are not (yet) at `target`, or null when they are: every running node
 * answers, all follow one leader and have applied the same chain head; in the shape, each control-
 * plane role has exactly its target count of holders, all of them running; the Raft voters are
 * exactly the etcd holders.
 */
export function notAtTarget(statuses: readonly (NodeStatusDto | null)[], target: TargetTopology): string | null {
  if (statuses.some((s) => s === null)) return 'a running node did not answer';
  const all = statuses as readonly NodeStatusDto[];
  const leader = all.find((s) => s.raft.state === 'leader');
  if (!leader) return 'no leader';
  const heads = new Set(all.map((s) => `${s.raft.leaderId}/${s.chain.length}/${s.chain.headHash}`));
  if (heads.size !== 1) return `nodes disagree on leader or chain head: ${[...heads].join(' ')}`;
  const running = new Set(all.map((s) => s.nodeId));
  const holders = (role: NodeRole) => Object.entries(leader.shape).filter(([, roles]) => roles.includes(role)).map(([id]) => id);
  for (const role of REPLACED_ROLES) {
    const h = holders(role);
    const dead = h.filter((id) => !running.has(id));
    if (dead.length > 0) return `${role} still held by stopped node ${dead[0]!.slice(0, 8)}`;
    if (h.length !== targetFor(target, role)) return `${role}: ${h.length} holders, target ${targetFor(target, role)}`;
  }
  const etcd = holders('etcd').sort().join(',');
  const voters = [...leader.raft.voters].sort().join(',');
  if (etcd !== voters) return 'raft voters differ from the etcd holders';
  return null;
}

/** Exports the chain (crate form) from every running node; they must be byte-identical and verify. */
export async function checkChains(mesh: DemoMesh): Promise<{ ok: true; blocks: number; text: string } | { ok: false; error: string }> {
  const texts: string[] = [];
  for (const node of mesh.nodes) {
    if (!node.client) continue;
    const exported = await node.client.call('exportChain', { form: 'rust' });
    if (!exported) return { ok: false, error: `node ${node.index} has no chain` };
    texts.push(exported.text);
  }
  if (new Set(texts).size !== 1) return { ok: false, error: `chains differ between nodes (${texts.map((t) => t.length).join(', ')} bytes)` };
  const parsed = parseChainFile(texts[0]!);
  if (!parsed.ok) return { ok: false, error: `exported chain does not parse: ${parsed.error.message}` };
  const verified = verifyChain(parsed.value.blocks, nodeEd25519);
  if (!verified.ok) return { ok: false, error: `chain does not verify: ${JSON.stringify(verified.error)}` };
  return { ok: true, blocks: parsed.value.blocks.length, text: texts[0]! };
}
