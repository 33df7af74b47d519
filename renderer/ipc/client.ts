// The renderer's only door to the host. Inside Electron the preload exposes `window.revoada`
// (the same contract over IPC); in a browser we speak the contract over the console server's
// WebSocket. Nothing else in the renderer touches `window.revoada` or the socket.
import type { ConsoleApi, EventName, Events, Method, Request, Responses, ServerFrame } from '../../shared/ipc/contract';

declare global {
  interface Window {
    revoada?: ConsoleApi;
  }
}

type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void };

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export function createWebSocketApi(url: string, onState: (state: ConnectionState) => void): ConsoleApi {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const pending = new Map<number, Pending>();
  const queue: string[] = [];
  let nextId = 1;
  let socket: WebSocket | null = null;
  let retryMs = 250;

  const connect = (): void => {
    onState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      retryMs = 250;
      onState('connected');
      for (const frame of queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as ServerFrame;
      if (frame.kind === 'event') {
        for (const listener of listeners.get(frame.event) ?? []) listener(frame.payload);
        return;
      }
      if (frame.id === null) return;
      const waiter = pending.get(frame.id);
      pending.delete(frame.id);
      if (!waiter) return;
      if (frame.ok) waiter.resolve(frame.value);
      else waiter.reject(new Error(frame.error));
    };
    ws.onclose = () => {
      onState('disconnected');
      for (const waiter of pending.values()) waiter.reject(new Error('connection to the console server closed'));
      pending.clear();
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5000);
    };
  };
  connect();

  return {
    call<M extends Method>(method: M, arg: Request<M>): Promise<Responses[M]> {
      const id = nextId++;
      const frame = JSON.stringify({ id, method, arg });
      return new Promise<Responses[M]>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
        else queue.push(frame);
      });
    },
    subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set!.delete(wrapped);
    },
  };
}

export function connectToHost(onState: (state: ConnectionState) => void): ConsoleApi {
  if (window.revoada) {
    onState('connected');
    return window.revoada;
  }
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return createWebSocketApi(`${scheme}://${window.location.host}/ws`, onState);
}
