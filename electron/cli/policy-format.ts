// Text and JSON renderings of policy results shared by the policy commands.
import type { PlanResult } from '../../shared/policy/plan';
import { encodeTargetJson, TARGET_FIELDS } from '../../shared/policy/snapshot';
import { shortNodeId } from '../../shared/types/node-id';
import { describeRoleAssignment, type RoleAssignment } from '../../shared/types/roles';
import type { TargetTopology } from '../../shared/types/target';

/** A RoleAssignment for scripts: hex node id (the serde form's 32-integer array is unreadable). */
export function commandJson(cmd: RoleAssignment): string {
  switch (cmd.kind) {
    case 'promote': return `{"kind":"promote","node_id":"${cmd.nodeId}","roles":${JSON.stringify(cmd.roles)},"reason":"${cmd.reason}"}`;
    case 'demote': return `{"kind":"demote","node_id":"${cmd.nodeId}","roles_relinquished":${JSON.stringify(cmd.rolesRelinquished)},"reason":"${cmd.reason}"}`;
    case 'quarantine': return `{"kind":"quarantine","node_id":"${cmd.nodeId}","reason":"${cmd.reason}"}`;
    case 'restore': return `{"kind":"restore","node_id":"${cmd.nodeId}"}`;
  }
}

export function targetText(t: TargetTopology, before?: TargetTopology): string {
  return TARGET_FIELDS.map(([wire, field]) => {
    const change = before && before[field] !== t[field] ? `   (was ${before[field]})` : '';
    return `  ${wire.padEnd(20)} ${t[field]}${change}\n`;
  }).join('');
}

export function planText(p: PlanResult): string {
  const lines: string[] = [];
  lines.push(p.proposals.length === 0 ? 'proposals: none' : `proposals (${p.proposals.length}):`);
  for (const cmd of p.proposals) lines.push(`  ${describeRoleAssignment(cmd)}`);
  lines.push('nodes:');
  for (const n of p.nodes) {
    const before = n.before.length ? n.before.join(',') : '-';
    const after = n.after.length ? n.after.join(',') : '-';
    const mark = before === after ? ' ' : '*';
    const note = n.canServe ? '' : n.raft === 'none' ? '  (gossip-only: never promoted)' : n.health !== 'healthy' ? `  (${n.health})` : '  (not caught up)';
    lines.push(`  ${mark} ${shortNodeId(n.id)}  ${n.health.padEnd(7)} ${n.raft.padEnd(7)} ${before} -> ${after}${note}`);
  }
  if (p.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of p.warnings) lines.push(`  ! ${w.code}: ${w.message}`);
  }
  for (const d of p.withheld) if (d.reason === 'not_enough_nodes') lines.push(`  withheld (${d.reason}): ${d.detail}`);
  return `${lines.join('\n')}\n`;
}

export function planJson(p: PlanResult, extra: Record<string, string> = {}): string {
  const nodes = p.nodes.map((n) => `{"id":"${n.id}","health":"${n.health}","raft":"${n.raft}","can_serve":${n.canServe},"before":${JSON.stringify(n.before)},"after":${JSON.stringify(n.after)}}`);
  const warnings = p.warnings.map((w) => `{"code":"${w.code}","message":${JSON.stringify(w.message)}}`);
  const withheld = p.withheld.map((d) => `{"policy":"${d.policy}","reason":"${d.reason}","detail":${JSON.stringify(d.detail)}}`);
  const head = Object.entries(extra).map(([k, v]) => `"${k}":${v},`).join('');
  return `{${head}"converged":${p.converged},"rounds":${p.rounds},"proposals":[${p.proposals.map(commandJson).join(',')}],"nodes":[${nodes.join(',')}],"warnings":[${warnings.join(',')}],"withheld":[${withheld.join(',')}]}\n`;
}

export { encodeTargetJson };
