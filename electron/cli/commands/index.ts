// The command table. Each command lives in its own file in this folder; add one line here.
import type { CliCommand } from '../io';
import { proposeCommand } from './propose';
import { startCommand } from './start';
import { strategyCommand } from './strategy';
import { targetCommand } from './target';
import { versionCommand } from './version';

export const COMMANDS: readonly CliCommand[] = [startCommand, versionCommand, targetCommand, strategyCommand, proposeCommand];
