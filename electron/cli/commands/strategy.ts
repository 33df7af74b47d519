// `revoada strategy check|show|defaults|apply`: the FabricStrategy in the crate's serde form.
// `check` reports every violated rule with its line and column (the crate's prove_liveness rules in
// the crate's order, then ours), and works entirely offline.
import {
  checkFabricStrategyText, detectFormat, describeFabricError, encodeFabricFaceJson, encodeFabricFaceYaml,
  encodeFabricStrategyJson, encodeFabricStrategyYaml, formatDiagnostic, type FabricCheckContext, type SourceFormat,
} from '../../../shared/policy/fabric';
import { isTopologyStrategyName, TOPOLOGY_STRATEGY_NAMES, topologyStrategyByName } from '../../../shared/policy/strategies';
import { canServe } from '../../../shared/policy/view';
import { PRESCRIBED_HOMELAB, PRESCRIBED_KUBERNETES_V1_34 } from '../../../shared/types/fabric';
import { integerOption, parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand, type CliIo } from '../io';
import { openPolicySource, readTextFile, SOURCE_OPTIONS } from '../policy-node';

const USAGE = `revoada strategy check FILE [--topology STRATEGY] [--nodes N] [--from SNAPSHOT] [--strict] [--json]
revoada strategy show [FILE] [--format yaml|json] [--data-dir D | --url URL]
revoada strategy defaults [--format yaml|json] [--face]
revoada strategy apply FILE [--dry-run] [--topology STRATEGY] [--nodes N] [--data-dir D | --url URL]

  check      validate a FabricStrategy (YAML or JSON): every violated rule with line:column, the
             crate's prove_liveness rules first (crate order and messages), then Revoada's own
             (timings against gossip rounds, quorum against the topology strategy, zero cadences).
             Exit 0 when there are no errors (--strict: no warnings either), 1 otherwise.
  (validate is another name for check)
  show       FILE: print it in the crate's canonical serde form; no FILE: the running node's strategy
  defaults   the prescribed homelab strategy (--face: the prescribed Kubernetes v1.34 face)
  apply      check, then hand the strategy to the running node (refused when there are errors)
  --topology ${TOPOLOGY_STRATEGY_NAMES.join(', ')} (for the quorum check; --nodes for mesh_all_peers/phalanx)
  --from     take the topology strategy and node count from a policy snapshot`;

function formatOption(value: string | undefined, fallback: SourceFormat): SourceFormat {
  if (value === undefined) return fallback;
  if (value !== 'yaml' && value !== 'json') throw new UsageError(`--format must be yaml or json, got '${value}'`);
  return value;
}

function contextOf(values: { topology?: string; nodes?: string }): FabricCheckContext {
  let ctx: FabricCheckContext = {};
  if (values.topology !== undefined) {
    const strategy = topologyStrategyByName(values.topology);
    if (!strategy || !isTopologyStrategyName(strategy.name)) throw new UsageError(`--topology must be one of ${TOPOLOGY_STRATEGY_NAMES.join(', ')}, got '${values.topology}'`);
    ctx = { topology: strategy.name };
  }
  if (values.nodes !== undefined) ctx = { ...ctx, nodes: integerOption('nodes', values.nodes, 0, 1, 100_000) };
  return ctx;
}

async function check(file: string, ctx: FabricCheckContext, strict: boolean, json: boolean, io: CliIo): Promise<{ code: number; text: string | null }> {
  const text = await readTextFile(file, io, 'strategy file');
  if (!text.ok) {
    io.stderr(`revoada strategy: ${text.error}\n`);
    return { code: EXIT_FAILED, text: null };
  }
  const report = checkFabricStrategyText(text.value, ctx, detectFormat(text.value, file));
  const failed = report.errors > 0 || (strict && report.warnings > 0);
  if (json) {
    const diags = report.diagnostics.map((d) =>
      `{"severity":"${d.severity}","rule":"${d.rule}","path":"${d.path}","line":${d.line ?? null},"col":${d.col ?? null},"message":${JSON.stringify(d.message)}}`);
    const verdict = report.crateVerdict === null ? 'null' : report.crateVerdict.ok ? '"ok"'
      : `{"kind":"${report.crateVerdict.error.kind}","message":${JSON.stringify(describeFabricError(report.crateVerdict.error))}}`;
    io.stdout(`{"file":${JSON.stringify(file)},"ok":${!failed},"errors":${report.errors},"warnings":${report.warnings},"prove_liveness":${verdict},"diagnostics":[${diags.join(',')}]}\n`);
  } else {
    for (const d of report.diagnostics) io.stdout(`${formatDiagnostic(d, file)}\n`);
    const crate = report.crateVerdict === null ? 'not reached' : report.crateVerdict.ok ? 'ok' : 'fails';
    const summary = `${report.errors} error${report.errors === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}; crate prove_liveness: ${crate}`;
    io.stdout(`${file}: ${failed ? 'REJECTED' : 'ok'} (${summary})\n`);
  }
  return { code: failed ? EXIT_FAILED : EXIT_OK, text: failed ? null : text.value };
}

export const strategyCommand: CliCommand = {
  name: 'strategy',
  summary: 'check, show or apply a FabricStrategy (YAML/JSON, every violated rule with line:column)',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseCommandArgs(rest, {
      ...SOURCE_OPTIONS,
      format: { type: 'string' },
      topology: { type: 'string' },
      nodes: { type: 'string' },
      strict: { type: 'boolean' },
      face: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
    } as const);
    switch (sub) {
      case 'check':
      case 'validate': {
        if (positionals.length !== 1) throw new UsageError(`${sub} expects exactly one FILE`);
        let ctx = contextOf(values);
        if (values.from !== undefined) {
          // Check against a snapshot's mesh: its topology strategy and how many nodes can serve.
          const source = await openPolicySource({ from: values.from }, io);
          if (!source.ok) {
            io.stderr(`revoada strategy: ${source.error}\n`);
            return EXIT_FAILED;
          }
          const snap = await source.value.snapshot();
          ctx = { ...(snap.topology ? { topology: snap.topology } : {}), nodes: snap.view.members.filter(canServe).length, ...ctx };
        }
        return (await check(positionals[0]!, ctx, values.strict === true, values.json === true, io)).code;
      }
      case 'defaults': {
        if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
        const format = formatOption(values.format, 'yaml');
        if (values.face) io.stdout(format === 'json' ? `${encodeFabricFaceJson(PRESCRIBED_KUBERNETES_V1_34)}\n` : encodeFabricFaceYaml(PRESCRIBED_KUBERNETES_V1_34));
        else io.stdout(format === 'json' ? `${encodeFabricStrategyJson(PRESCRIBED_HOMELAB)}\n` : encodeFabricStrategyYaml(PRESCRIBED_HOMELAB));
        return EXIT_OK;
      }
      case 'show': {
        if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
        const format = formatOption(values.format, 'yaml');
        let strategy;
        if (positionals.length === 1) {
          const file = positionals[0]!;
          const text = await readTextFile(file, io, 'strategy file');
          if (!text.ok) {
            io.stderr(`revoada strategy: ${text.error}\n`);
            return EXIT_FAILED;
          }
          const report = checkFabricStrategyText(text.value, {}, detectFormat(text.value, file));
          if (!report.strategy) {
            for (const d of report.diagnostics) io.stderr(`${formatDiagnostic(d, file)}\n`);
            return EXIT_FAILED;
          }
          strategy = report.strategy;
        } else {
          if (values.from !== undefined) throw new UsageError('show reads a FILE or a running node; --from snapshots carry no strategy');
          const source = await openPolicySource(values, io);
          if (!source.ok) {
            io.stderr(`revoada strategy: ${source.error}\n`);
            return EXIT_FAILED;
          }
          strategy = await source.value.strategy();
        }
        io.stdout(format === 'json' ? `${encodeFabricStrategyJson(strategy)}\n` : encodeFabricStrategyYaml(strategy));
        return EXIT_OK;
      }
      case 'apply': {
        if (positionals.length !== 1) throw new UsageError('apply expects exactly one FILE');
        const file = positionals[0]!;
        const checked = await check(file, contextOf(values), false, false, io);
        if (checked.text === null) {
          io.stderr(`revoada strategy: refused: ${file} does not pass the checks above\n`);
          return EXIT_FAILED;
        }
        if (values['dry-run'] === true) {
          io.stdout('dry run: nothing applied\n');
          return EXIT_OK;
        }
        const source = await openPolicySource(values, io);
        if (!source.ok) {
          io.stderr(`revoada strategy: ${source.error}\n`);
          return EXIT_FAILED;
        }
        const report = checkFabricStrategyText(checked.text, {}, detectFormat(checked.text, file));
        const applied = await source.value.applyStrategy(report.strategy!);
        if (!applied.ok) {
          io.stderr(`revoada strategy: refused: ${applied.error}\n`);
          return EXIT_FAILED;
        }
        io.stdout(`${applied.value}\n`);
        return EXIT_OK;
      }
      default:
        throw new UsageError(sub === undefined ? 'expected check, show, defaults or apply' : `unknown subcommand '${sub}'; expected check, show, defaults or apply`);
    }
  },
};
