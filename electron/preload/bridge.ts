// The ONLY file that touches ipcRenderer. Builds the typed ConsoleApi from the contract: calls go
// through one invoke channel, events arrive on one channel; the raw IPC event (which carries
// `sender`) never reaches the page.
import { ipcRenderer } from 'electron';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../shared/ipc/channels';
import type { ConsoleApi, EventName } from '../../shared/ipc/contract';

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

export function createBridge(): ConsoleApi {
  return {
    async call(method, arg) {
      const outcome = (await ipcRenderer.invoke(CALL_CHANNEL, method, arg)) as Outcome;
      if (!outcome.ok) throw new Error(outcome.error);
      return outcome.value as never;
    },
    subscribe(event: EventName, listener) {
      const wrapped = (_event: unknown, message: { event: EventName; payload: unknown }) => {
        if (message?.event === event) (listener as (payload: unknown) => void)(message.payload);
      };
      ipcRenderer.on(EVENT_CHANNEL, wrapped);
      return () => {
        ipcRenderer.removeListener(EVENT_CHANNEL, wrapped);
      };
    },
  };
}
