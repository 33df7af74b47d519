// `revoada node`: run a node headless. Logs to stderr, one line per event (--log-json for JSON).
import path from 'node:path';
import { parseCommandArgs } from '../args';
import { readFile } from 'node:fs/promises';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError, type CliCommand } from '../io';
import { checkFabricStrategyText, detectFormat, formatDiagnostic } from '../../../shared/policy/fabric';
import type { FabricStrategy } from '../../../shared/types/fabric';
import { AddressError, parseHostPort, type HostPort } from '../../node/address';
import { defaultDataDir } from '../../node/data-dir';
import { createEventLog } from '../../node/event-log';
import { NodeHost } from '../../node/host';

const USAGE = `revoada node [--data-dir D] [--cluster-id ID] [--gossip HOST:PORT] [--raft HOST:PORT]
             [--seed HOST:PORT]… [--bootstrap] [--secret-file F] [--strategy FILE]
             [--console HOST:PORT|off] [--allow-remote-console] [--log-json]

Runs a revoada node headless until SIGINT/SIGTERM.
  --data-dir D        identity, cluster secret, Raft log, settings (default: the OS app-data folder)
  --cluster-id ID     gossip cluster id; nodes of other clusters are refused (default: revoada)
  --gossip HOST:PORT  UDP gossip address (default 127.0.0.1:7946)
  --raft HOST:PORT    Raft TCP address (default 127.0.0.1:7947)
  --seed HOST:PORT    a member to join through; repeatable
  --bootstrap         start a new one-voter cluster on an empty data dir (creates the secret)
  --secret-file F     the cluster secret (default D/cluster.secret); copy it to joining nodes
  --strategy FILE     a FabricStrategy (YAML or JSON) to apply through Raft once this node leads
  --console ADDR|off  console server address (default 127.0.0.1:7780) or off
  --log-json          one JSON object per log line`;

function hostPort(option: string, value: string | undefined, fallback: HostPort): HostPort {
  try {
    return value === undefined ? fallback : parseHostPort(option, value);
  } catch (error) {
    if (error instanceof AddressError) throw new UsageError(error.message);
    throw error;
  }
}

export const nodeCommand: CliCommand = {
  name: 'node',
  summary: 'run a node headless (gossip, Raft, policy, console server)',
  usage: USAGE,
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      'data-dir': { type: 'string' },
      'cluster-id': { type: 'string' },
      gossip: { type: 'string' },
      raft: { type: 'string' },
      seed: { type: 'string', multiple: true },
      bootstrap: { type: 'boolean' },
      'secret-file': { type: 'string' },
      strategy: { type: 'string' },
      console: { type: 'string' },
      'allow-remote-console': { type: 'boolean' },
      'log-json': { type: 'boolean' },
    }, false);
    const clusterId = values['cluster-id'] ?? 'revoada';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(clusterId)) throw new UsageError(`--cluster-id must be 1-64 characters of letters, digits, '.', '_' or '-', got '${clusterId}'`);
    const consoleAddress = values.console === 'off' ? null : hostPort('console', values.console, { host: '127.0.0.1', port: 7780 });
    let strategy: FabricStrategy | undefined;
    if (values.strategy !== undefined) {
      const file = path.resolve(io.cwd, values.strategy);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        io.stderr(`revoada node: cannot read strategy ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
        return EXIT_USAGE;
      }
      const report = checkFabricStrategyText(text, {}, detectFormat(text, file));
      if (report.errors > 0 || report.strategy === null) {
        const errors = report.diagnostics.filter((d) => d.severity === 'error').map((d) => formatDiagnostic(d, values.strategy));
        io.stderr(`revoada node: the strategy ${values.strategy} is not valid:\n${errors.join('\n')}\n`);
        return EXIT_USAGE;
      }
      strategy = report.strategy;
    }
    const log = createEventLog(io.stderr, values['log-json'] === true ? 'json' : 'text');
    const options = {
        dataDir: path.resolve(io.cwd, values['data-dir'] ?? defaultDataDir(io.env)),
        clusterId,
        gossip: hostPort('gossip', values.gossip, { host: '127.0.0.1', port: 7946 }),
        raft: hostPort('raft', values.raft, { host: '127.0.0.1', port: 7947 }),
        seeds: (values.seed ?? []).map((s) => hostPort('seed', s, { host: '', port: 0 })),
        bootstrap: values.bootstrap === true,
        ...(values['secret-file'] !== undefined ? { secretFile: path.resolve(io.cwd, values['secret-file']) } : {}),
        console: consoleAddress,
        allowRemoteConsole: values['allow-remote-console'] === true,
        log,
        ...(strategy ? { strategy } : {}),
    };
    let host: NodeHost;
    try {
      host = await NodeHost.start(options);
    } catch (error) {
      io.stderr(`revoada node: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_FAILED;
    }
    if (host.consoleUrl !== null) io.stderr(`revoada node: console: ${host.consoleUrl}\n`);
    const failure = await new Promise<Error | null>((resolve) => {
      process.once('SIGINT', () => resolve(null));
      process.once('SIGTERM', () => resolve(null));
      void host.whenFailed().then(resolve);
    });
    await host.stop();
    // A fatal error may also have come while a signal was being handled.
    const reason = failure ?? host.failure;
    if (reason) {
      io.stderr(`revoada node: stopped: ${reason.message}\n`);
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};
