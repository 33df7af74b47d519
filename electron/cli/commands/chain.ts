// `revoada chain export`: the running node's attestation chain as a chain file on stdout.
import { connectConsole } from '../../console/client';
import { parseCommandArgs } from '../args';
import { EXIT_FAILED, EXIT_OK, UsageError, type CliCommand } from '../io';
import { resolveConsoleUrl } from './status';

export const chainCommand: CliCommand = {
  name: 'chain',
  summary: "export a running node's attestation chain (our envelope, or --rust for the bare crate form)",
  usage: 'revoada chain export [--data-dir D | --url URL] [--rust] > chain.json',
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      'data-dir': { type: 'string' },
      url: { type: 'string' },
      rust: { type: 'boolean' },
    });
    if (positionals[0] !== 'export' || positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing subcommand: export' : `unknown subcommand '${positionals.join(' ')}' (expected: export)`);
    try {
      const client = await connectConsole(await resolveConsoleUrl(values, io));
      try {
        const exported = await client.call('exportChain', { form: values.rust === true ? 'rust' : 'envelope' });
        if (exported === null) {
          io.stderr('revoada chain export: no node is running in this host\n');
          return EXIT_FAILED;
        }
        io.stdout(exported.text);
        io.stderr(`revoada chain export: ${exported.blocks} blocks\n`);
        return EXIT_OK;
      } finally {
        client.close();
      }
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr(`revoada chain export: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_FAILED;
    }
  },
};
