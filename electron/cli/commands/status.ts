// `revoada status`: what a running node sees, from its console server (same contract as the UI).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { NodeStatusDto } from '../../../shared/ipc/contract';
import { connectConsole, ConsoleClientError } from '../../console/client';
import { defaultDataDir } from '../../node/data-dir';
import { consoleSettingsPath } from '../../node/host';
import { parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand, type CliIo } from '../io';

/** Finds the console URL from --url or D/console.json. */
export async function resolveConsoleUrl(values: { 'data-dir'?: string | undefined; url?: string | undefined }, io: CliIo): Promise<string> {
  if (values.url !== undefined && values['data-dir'] !== undefined) throw new UsageError('pass either --url or --data-dir, not both');
  if (values.url !== undefined) return values.url;
  const dir = path.resolve(io.cwd, values['data-dir'] ?? defaultDataDir(io.env));
  const file = consoleSettingsPath(dir);
  let settings: unknown;
  try {
    settings = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConsoleClientError(code === 'ENOENT' ? `no node has run in ${dir} (no ${path.basename(file)}); start one with 'revoada node --data-dir ${dir}' or pass --url` : `cannot read ${file}: ${code ?? String(error)}`);
  }
  const url = (settings as { url?: unknown } | null)?.url;
  if (typeof url !== 'string') throw new ConsoleClientError(`the node in ${dir} is not running (or runs with --console off); start it, or pass --url`);
  return url;
}

function describe(status: NodeStatusDto): string {
  const lines = [
    `node     ${status.nodeId}`,
    `cluster  ${status.clusterId}    strategy ${status.strategy}`,
    `raft     ${status.raft.state} term ${status.raft.term}  leader ${status.raft.leaderId ?? '—'}  commit ${status.raft.commitIndex} applied ${status.raft.appliedIndex}`,
    `voters   ${status.raft.voters.map((v) => v.slice(0, 12)).join(' ') || '—'}   learners ${status.raft.learners.map((v) => v.slice(0, 12)).join(' ') || '—'}`,
    `chain    ${status.chain.length} blocks, head ${status.chain.headHash ?? '—'}`,
    `members  ${status.members.length}`,
    ...status.members.map((m) => `  ${m.nodeId.slice(0, 12)}  ${m.gossipAddr.padEnd(21)} ${m.health.padEnd(7)} phi ${m.phi === null ? '—' : m.phi.toFixed(2)}  heard ${m.lastHeardMs === null ? '—' : `${m.lastHeardMs} ms ago`}  ${(status.shape[m.nodeId] ?? []).join(',')}`),
  ];
  return `${lines.join('\n')}\n`;
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: "show a running node's view: raft, members, shape, target, chain",
  usage: 'revoada status [--data-dir D | --url URL] [--json] [--watch]',
  async run(args, io) {
    const { values } = parseCommandArgs(args, {
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
    }, false);
    const print = (status: NodeStatusDto | null) => io.stdout(values.json === true ? `${JSON.stringify(status)}\n` : status === null ? 'no node is running in this host\n' : describe(status));
    try {
      const url = await resolveConsoleUrl(values, io);
      const client = await connectConsole(url);
      try {
        print(await client.call('getStatus', null));
        if (values.watch === true) {
          client.subscribe('onDidChangeStatus', print);
          await Promise.race([client.closed, new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          })]);
        }
      } finally {
        client.close();
      }
      return EXIT_OK;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr(`revoada status: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_FAILED;
    }
  },
};
