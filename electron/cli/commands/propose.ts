// `revoada propose promote|demote|quarantine|restore NODE [ROLES]`: an operator override, proposed
// through Raft like any policy decision. --dry-run shows the node's roles before and after and what
// the policies would do next; it works offline against a snapshot file with --from.
import { engineQuorum } from '../../../shared/policy/engine';
import { plan } from '../../../shared/policy/plan';
import { topologyStrategyByName } from '../../../shared/policy/strategies';
import type { NodeId } from '../../../shared/types/node-id';
import { parseNodeIdHex } from '../../../shared/types/node-id';
import {
  demote, describeRoleAssignment, isNodeRole, isReason, NODE_ROLES, promote, quarantine, REASONS, restore,
  type NodeRole, type Reason, type RoleAssignment,
} from '../../../shared/types/roles';
import { parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../io';
import { commandJson, planText } from '../policy-format';
import { openPolicySource, SOURCE_OPTIONS } from '../policy-node';

const USAGE = `revoada propose promote NODE ROLES [--reason R] [--dry-run] [--json] [--data-dir D | --url URL | --from FILE]
revoada propose demote NODE ROLES [--reason R] …
revoada propose quarantine NODE [--reason R] …
revoada propose restore NODE …

  NODE   a node id (64 hex characters) or, with a node or snapshot to look it up in, a unique prefix
  ROLES  comma-separated: ${NODE_ROLES.join(', ')}
  --reason  ${REASONS.join(', ')} (default operator)`;

function parseRoles(text: string | undefined): NodeRole[] {
  if (text === undefined) throw new UsageError('expected ROLES, e.g. api_server,etcd');
  const roles = text.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
  if (roles.length === 0) throw new UsageError('ROLES is empty');
  for (const r of roles) if (!isNodeRole(r)) throw new UsageError(`unknown role '${r}'; expected ${NODE_ROLES.join(', ')}`);
  return roles as NodeRole[];
}

export const proposeCommand: CliCommand = {
  name: 'propose',
  summary: 'operator override: promote, demote, quarantine or restore a node through Raft',
  usage: USAGE,
  async run(args, io) {
    const [verb, ...rest] = args;
    if (verb !== 'promote' && verb !== 'demote' && verb !== 'quarantine' && verb !== 'restore') {
      throw new UsageError(verb === undefined ? 'expected promote, demote, quarantine or restore' : `unknown action '${verb}'; expected promote, demote, quarantine or restore`);
    }
    const { values, positionals } = parseCommandArgs(rest, { ...SOURCE_OPTIONS, reason: { type: 'string' }, 'dry-run': { type: 'boolean' } } as const);
    const wantsRoles = verb === 'promote' || verb === 'demote';
    if (positionals.length !== (wantsRoles ? 2 : 1)) throw new UsageError(wantsRoles ? `${verb} expects NODE and ROLES` : `${verb} expects NODE`);
    const roles = wantsRoles ? parseRoles(positionals[1]) : [];
    const reasonText = values.reason ?? 'operator';
    if (!isReason(reasonText)) throw new UsageError(`--reason must be one of ${REASONS.join(', ')}, got '${reasonText}'`);
    if (verb === 'restore' && values.reason !== undefined) throw new UsageError('restore takes no --reason');
    const reason: Reason = reasonText;

    const nodeArg = positionals[0]!.toLowerCase();
    if (!/^[0-9a-f]+$/.test(nodeArg)) throw new UsageError(`NODE must be hex, got '${positionals[0]}'`);
    const source = await openPolicySource(values, io);
    if (!source.ok) {
      io.stderr(`revoada propose: ${source.error}\n`);
      return EXIT_FAILED;
    }
    const snap = await source.value.snapshot();
    let id: NodeId | null = nodeArg.length === 64 ? parseNodeIdHex(nodeArg) : null;
    if (id === null) {
      const known = [...new Set([...snap.view.members.map((m) => m.id), ...snap.shape.nodes()])];
      const matches = known.filter((k) => k.startsWith(nodeArg));
      if (matches.length !== 1) {
        io.stderr(`revoada propose: ${matches.length === 0 ? `no known node starts with '${nodeArg}'` : `'${nodeArg}' matches ${matches.length} nodes; give more characters`}\n`);
        return EXIT_FAILED;
      }
      id = matches[0]!;
    }
    const cmd: RoleAssignment = verb === 'promote' ? promote(id, roles, reason)
      : verb === 'demote' ? demote(id, roles, reason)
        : verb === 'quarantine' ? quarantine(id, reason) : restore(id);

    const quorum = engineQuorum(snap.view, snap.shape);
    if (values['dry-run'] === true) {
      const after = snap.shape.clone();
      after.apply(cmd, after.lastAppliedTerm, after.lastAppliedIndex + 1);
      const next = plan(snap.view, after, snap.target, { topology: snap.topology ? topologyStrategyByName(snap.topology) : null });
      if (values.json) {
        io.stdout(`{"dry_run":true,"command":${commandJson(cmd)},"quorum":${quorum.ok},"before":${JSON.stringify(snap.shape.rolesOf(id))},"after":${JSON.stringify(after.rolesOf(id))},"policy_follow_up":[${next.proposals.map(commandJson).join(',')}]}\n`);
      } else {
        io.stdout(`dry run against ${source.value.description}; nothing changed\n${describeRoleAssignment(cmd)}\n`);
        io.stdout(`  ${id.slice(0, 12)}: ${snap.shape.rolesOf(id).join(',') || '-'} -> ${after.rolesOf(id).join(',') || '-'}\n`);
        if (!quorum.ok) io.stdout(`  ! no quorum (${quorum.detail}): the node would refuse this proposal\n`);
        io.stdout(`what the policies would do after it:\n${planText(next)}`);
      }
      return EXIT_OK;
    }
    const done = await source.value.propose(cmd);
    if (!done.ok) {
      io.stderr(`revoada propose: refused: ${done.error}\n`);
      return EXIT_FAILED;
    }
    io.stdout(values.json ? `{"command":${commandJson(cmd)},"result":${JSON.stringify(done.value)}}\n` : `${done.value}\n`);
    return EXIT_OK;
  },
};
