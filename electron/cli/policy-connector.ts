// Connects the policy commands (`revoada target|strategy|propose`) to a running node through its
// console server — the same typed contract the UI uses.
import { err, ok } from '../../shared/kit/result';
import { encodeFabricStrategyJson, parseFabricStrategy } from '../../shared/policy/fabric';
import { parseSnapshot } from '../../shared/policy/snapshot';
import { encodeRoleAssignment } from '../../shared/types/roles';
import { connectConsole } from '../console/client';
import type { CommandResult } from '../../shared/ipc/contract';
import type { PolicyNodeConnector } from './policy-node';
import { resolveConsoleUrl } from './commands/status';

export const consolePolicyConnector: PolicyNodeConnector = async (locator, io) => {
  let url: string;
  try {
    url = await resolveConsoleUrl({ 'data-dir': locator.dataDir, url: locator.url }, io);
  } catch (error) {
    return err(error instanceof Error ? error.message : String(error));
  }
  const where = `node at ${url.replace(/\?token=.*/, '')}`;
  const withClient = async <T>(run: (client: Awaited<ReturnType<typeof connectConsole>>) => Promise<T>): Promise<T> => {
    const client = await connectConsole(url);
    try {
      return await run(client);
    } finally {
      client.close();
    }
  };
  const command = (result: CommandResult) => (result.ok ? ok(result.message) : err(result.message));
  try {
    // Fail now, with the reason, if the node cannot be reached.
    await withClient((c) => c.call('getAppInfo', null));
  } catch (error) {
    return err(error instanceof Error ? error.message : String(error));
  }
  return ok({
    description: where,
    live: true,
    async snapshot() {
      const reply = await withClient((c) => c.call('getPolicySnapshot', null));
      if (reply === null) throw new Error(`the ${where} has no Raft state (no cluster secret)`);
      const parsed = parseSnapshot(reply.text, where);
      if (!parsed.ok) throw new Error(parsed.error);
      return parsed.value;
    },
    async strategy() {
      const reply = await withClient((c) => c.call('getStrategy', null));
      if (reply === null) throw new Error(`the ${where} has no Raft state (no cluster secret)`);
      const parsed = parseFabricStrategy(reply.json, 'json');
      if (parsed.value === null) throw new Error(`the ${where} sent a strategy this CLI cannot read: ${parsed.diagnostics[0]?.message ?? 'unknown error'}`);
      return parsed.value;
    },
    setTarget: async (target) => command(await withClient((c) => c.call('setTarget', { ...target }))),
    applyStrategy: async (strategy) => command(await withClient((c) => c.call('applyStrategy', { text: encodeFabricStrategyJson(strategy) }))),
    propose: async (assignment) => command(await withClient((c) => c.call('propose', { text: encodeRoleAssignment(assignment) }))),
  });
};
