// `revoada target show|set`: the control-plane role counts the policy engine keeps the mesh at.
// `set --dry-run` prints the plan (proposals, per-node before/after roles, warnings) without
// changing anything; it works offline against a snapshot file with --from.
import { plan } from '../../../shared/policy/plan';
import { TARGET_COUNT_MAX, TARGET_FIELDS } from '../../../shared/policy/snapshot';
import { topologyStrategyByName, TOPOLOGY_STRATEGY_NAMES } from '../../../shared/policy/strategies';
import { TARGET_PRESETS, type TargetPresetName, type TargetTopology } from '../../../shared/types/target';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../io';
import { encodeTargetJson, planJson, planText, targetText } from '../policy-format';
import { openPolicySource, SOURCE_OPTIONS } from '../policy-node';

const USAGE = `revoada target show [--json] [--data-dir D | --url URL | --from FILE]
revoada target set [--preset homelab|ha-three] [--api-servers N] [--etcd-replicas N] [--schedulers N]
                   [--controller-managers N] [--min-workers N] [--topology STRATEGY] [--dry-run] [--json]
                   [--data-dir D | --url URL | --from FILE]

  show       print the target role counts
  set        change them; --preset first, then the single counts on top of it
  --dry-run  print the proposals the change would cause, each node's roles before and after, and
             warnings (even etcd count, fewer nodes than the target, voters that cannot survive a failure)
  --topology (with --dry-run) plan with a formation strategy too (${TOPOLOGY_STRATEGY_NAMES.join(', ')})
  --from     an offline policy snapshot (JSON: members, shape, target, topology); plans only`;

const COUNT_OPTIONS = TARGET_FIELDS.map(([wire, field]) => [wire.replace(/_/g, '-'), field] as const);

export const targetCommand: CliCommand = {
  name: 'target',
  summary: 'show or change the control-plane role counts (set --dry-run plans the change)',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'show' && sub !== 'set') throw new UsageError(sub === undefined ? 'expected show or set' : `unknown subcommand '${sub}'; expected show or set`);
    const { values, positionals } = parseCommandArgs(rest, {
      ...SOURCE_OPTIONS,
      preset: { type: 'string' },
      topology: { type: 'string' },
      'dry-run': { type: 'boolean' },
      ...Object.fromEntries(COUNT_OPTIONS.map(([flag]) => [flag, { type: 'string' }])),
    } as const);
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const v = values as Record<string, string | boolean | undefined>;

    if (sub === 'show') {
      for (const flag of ['preset', 'topology', 'dry-run', ...COUNT_OPTIONS.map(([f]) => f)]) {
        if (v[flag] !== undefined) throw new UsageError(`--${flag} belongs to 'target set'`);
      }
    }
    let preset: TargetTopology | null = null;
    if (typeof v['preset'] === 'string') {
      if (!(v['preset'] in TARGET_PRESETS)) throw new UsageError(`--preset must be homelab or ha-three, got '${v['preset']}'`);
      preset = TARGET_PRESETS[v['preset'] as TargetPresetName];
    }
    const topologyName = v['topology'];
    const topology = typeof topologyName === 'string' ? topologyStrategyByName(topologyName) : undefined;
    if (topology === null) throw new UsageError(`--topology must be one of ${TOPOLOGY_STRATEGY_NAMES.join(', ')}, got '${String(topologyName)}'`);
    const counts: Array<[keyof TargetTopology, number]> = [];
    for (const [flag, field] of COUNT_OPTIONS) {
      const raw = v[flag];
      if (typeof raw === 'string') counts.push([field, integerOption(flag, raw, 0, 0, TARGET_COUNT_MAX)]);
    }
    if (topology !== undefined && v['dry-run'] !== true) throw new UsageError('--topology only shapes a plan: use it with --dry-run');
    if (sub === 'set' && preset === null && counts.length === 0 && topology === undefined) {
      throw new UsageError('nothing to set: give --preset or at least one count (--api-servers N …)');
    }

    const source = await openPolicySource(values, io);
    if (!source.ok) {
      io.stderr(`revoada target: ${source.error}\n`);
      return EXIT_FAILED;
    }
    const snap = await source.value.snapshot();
    if (sub === 'show') {
      io.stdout(values.json ? `${encodeTargetJson(snap.target)}\n` : `target (${source.value.description}):\n${targetText(snap.target)}`);
      return EXIT_OK;
    }

    const next: Record<string, number> = { ...(preset ?? snap.target) };
    for (const [field, n] of counts) next[field] = n;
    const target = next as unknown as TargetTopology;
    const strategy = topology !== undefined ? topology : snap.topology ? topologyStrategyByName(snap.topology) : null;
    const result = plan(snap.view, snap.shape, target, { topology: strategy });
    if (values['dry-run'] === true) {
      if (values.json) {
        io.stdout(planJson(result, { dry_run: 'true', target_before: encodeTargetJson(snap.target), target_after: encodeTargetJson(target) }));
      } else {
        io.stdout(`dry run against ${source.value.description}; nothing changed\ntarget:\n${targetText(target, snap.target)}${planText(result)}`);
      }
      return EXIT_OK;
    }
    const applied = await source.value.setTarget(target);
    if (!applied.ok) {
      io.stderr(`revoada target: refused: ${applied.error}\n`);
      return EXIT_FAILED;
    }
    if (values.json) io.stdout(planJson(result, { dry_run: 'false', target_before: encodeTargetJson(snap.target), target_after: encodeTargetJson(target) }));
    else {
      io.stdout(`${applied.value}\ntarget:\n${targetText(target, snap.target)}`);
      for (const w of result.warnings) io.stderr(`revoada target: warning: ${w.code}: ${w.message}\n`);
    }
    return EXIT_OK;
  },
};
