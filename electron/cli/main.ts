// `revoada` entry point: dispatches to one command per file in ./commands.
import { COMMANDS } from './commands/index';
import { EXIT_USAGE, UsageError, type CliIo } from './io';
import { consolePolicyConnector } from './policy-connector';
import { setPolicyNodeConnector } from './policy-node';

setPolicyNodeConnector(consolePolicyConnector);

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: revoada <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nRun 'revoada help <command>' for a command's options.\n`;
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = name === 'help' ? rest[0] : undefined;
    const command = topic ? COMMANDS.find((c) => c.name === topic) : undefined;
    if (topic && !command) {
      io.stderr(`revoada: unknown command '${topic}'\n`);
      return EXIT_USAGE;
    }
    io.stdout(command ? `${command.usage}\n` : helpText());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`revoada: unknown command '${name}'. Run 'revoada help' for the list.\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`revoada ${name}: ${error.message}\nusage: ${command.usage.split('\n')[0]}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

const isEntry = typeof process !== 'undefined' && process.argv[1] !== undefined && /cli\.m?js$/.test(process.argv[1]);
if (isEntry) {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
  runCli(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`revoada: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 70;
    },
  );
}
