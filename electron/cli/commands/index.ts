// The command table. Each command lives in its own file in this folder; add one line here.
import type { CliCommand } from '../io';
import { chainCommand } from './chain';
import { demoCommand } from './demo';
import { gossipNodeCommand } from './gossip-node';
import { nodeCommand } from './node';
import { proposeCommand } from './propose';
import { startCommand } from './start';
import { statusCommand } from './status';
import { strategyCommand } from './strategy';
import { targetCommand } from './target';
import { verifyCommand } from './verify';
import { versionCommand } from './version';

export const COMMANDS: readonly CliCommand[] = [
  chainCommand,
  demoCommand,
  gossipNodeCommand,
  nodeCommand,
  proposeCommand,
  startCommand,
  statusCommand,
  strategyCommand,
  targetCommand,
  verifyCommand,
  versionCommand,
];
