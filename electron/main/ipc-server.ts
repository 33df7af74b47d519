// The ONLY file that touches ipcMain. Registers one invoke channel for every contract method,
// checks that the caller is our own renderer frame, validates the argument (shared dispatch),
// and pushes events on the single event channel.
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../shared/ipc/channels';
import type { ConsoleHandlers, EventName, Events } from '../../shared/ipc/contract';
import { dispatch, type DispatchOutcome } from '../../shared/ipc/dispatch';

export interface IpcServer {
  publish<E extends EventName>(event: E, payload: Events[E]): void;
  dispose(): void;
}

export function startIpcServer(handlers: ConsoleHandlers, trustedOrigin: string, targets: () => readonly WebContents[]): IpcServer {
  ipcMain.handle(CALL_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, arg: unknown): Promise<DispatchOutcome> => {
    const frameUrl = event.senderFrame?.url ?? '';
    let origin = '';
    try {
      origin = new URL(frameUrl).origin;
    } catch {
      origin = '';
    }
    if (origin !== trustedOrigin || event.senderFrame?.parent) {
      return { ok: false, error: 'refused: IPC from an untrusted frame' };
    }
    return dispatch(handlers, method, arg);
  });
  return {
    publish(event, payload) {
      for (const contents of targets()) {
        if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, { event, payload });
      }
    },
    dispose() {
      ipcMain.removeHandler(CALL_CHANNEL);
    },
  };
}
