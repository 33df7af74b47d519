// The console contract answered by a host that runs no node (yet): queries return null and
// commands say plainly why they cannot be carried out.
import { PRODUCT_NAME, PRODUCT_VERSION } from '../product';
import type { AppInfoDto, CommandResult, ConsoleHandlers } from './contract';

const NO_NODE: CommandResult = { ok: false, message: 'no node is running in this host' };

export function noNodeHandlers(carrier: AppInfoDto['host']): ConsoleHandlers {
  return {
    getAppInfo: () => ({ product: PRODUCT_NAME, version: PRODUCT_VERSION, host: carrier, nodeRunning: false }),
    getStatus: () => null,
    exportChain: () => null,
    getPolicySnapshot: () => null,
    getStrategy: () => null,
    setTarget: () => NO_NODE,
    applyStrategy: () => NO_NODE,
    propose: () => NO_NODE,
  };
}
