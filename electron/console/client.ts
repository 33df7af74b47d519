// A Node-side client of the console contract over the console server's WebSocket: what
// `revoada status --url`, `chain export --url` and the tests use to talk to a running node.
import WebSocket from 'ws';
import type { EventName, Events, Method, Request, Responses, ServerFrame } from '../../shared/ipc/contract';

export class ConsoleClientError extends Error {
  override name = 'ConsoleClientError';
}

export interface ConsoleClient {
  call<M extends Method>(method: M, arg: Request<M>): Promise<Responses[M]>;
  subscribe<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** Resolves when the connection closes (by either side). */
  readonly closed: Promise<void>;
  close(): void;
}

/** Turns a console URL (as printed by revoada, with ?token=…) into its WebSocket endpoint. */
export function webSocketUrl(consoleUrl: string): string {
  let url: URL;
  try {
    url = new URL(consoleUrl);
  } catch {
    throw new ConsoleClientError(`'${consoleUrl}' is not a URL; expected the console URL revoada printed, like http://127.0.0.1:7780/?token=…`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConsoleClientError(`unsupported console URL scheme ${url.protocol} (expected http: or https:)`);
  const token = url.searchParams.get('token');
  if (token === null || token === '') throw new ConsoleClientError('the console URL has no ?token=…; use the full URL revoada printed (or --data-dir on the same machine)');
  return `${url.protocol === 'https:' ? 'wss' : 'ws'}://${url.host}/ws?token=${encodeURIComponent(token)}`;
}

export async function connectConsole(consoleUrl: string, timeoutMs = 5000): Promise<ConsoleClient> {
  const endpoint = webSocketUrl(consoleUrl);
  const ws = new WebSocket(endpoint, { handshakeTimeout: timeoutMs, maxPayload: 64 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => reject(new ConsoleClientError(res.statusCode === 401
      ? 'the console refused the token (401): the node was restarted with a new token, or the URL is wrong'
      : `the console refused the connection (HTTP ${res.statusCode ?? '?'})`)));
    ws.once('error', (error) => reject(new ConsoleClientError(`cannot reach the console at ${new URL(endpoint).host}: ${(error as NodeJS.ErrnoException).code ?? error.message} — is the node running?`)));
  });

  let nextId = 1;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const closed = new Promise<void>((resolve) => ws.once('close', () => {
    for (const waiter of pending.values()) waiter.reject(new ConsoleClientError('the console connection closed'));
    pending.clear();
    resolve();
  }));
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data.toString()) as ServerFrame;
    } catch {
      return;
    }
    if (frame.kind === 'event') {
      for (const listener of listeners.get(frame.event) ?? []) listener(frame.payload);
      return;
    }
    if (frame.id === null) return;
    const waiter = pending.get(frame.id);
    if (!waiter) return;
    pending.delete(frame.id);
    if (frame.ok) waiter.resolve(frame.value);
    else waiter.reject(new ConsoleClientError(frame.error));
  });

  return {
    call(method, arg) {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, arg }));
      });
    },
    subscribe(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => set.delete(wrapped);
    },
    closed,
    close: () => ws.close(),
  };
}
