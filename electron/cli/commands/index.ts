// The command table. Each command lives in its own file in this folder; add one line here.
import type { CliCommand } from '../io';
import { gossipNodeCommand } from './gossip-node';
import { startCommand } from './start';
import { versionCommand } from './version';

export const COMMANDS: readonly CliCommand[] = [startCommand, versionCommand, gossipNodeCommand];
