// Subscribes to host events ONCE, outside React, and turns them into store actions.
import type { ConsoleApi } from '../../shared/ipc/contract';
import { setAppInfo, setError, setStatus } from '../store/index';

export function startSubscriptions(api: ConsoleApi): () => void {
  const unsubscribe = api.subscribe('onDidChangeStatus', (status) => setStatus(status, Date.now()));
  api.call('getAppInfo', null).then(setAppInfo, (error: Error) => setError(error.message));
  api.call('getStatus', null).then((status) => setStatus(status, Date.now()), (error: Error) => setError(error.message));
  return unsubscribe;
}
