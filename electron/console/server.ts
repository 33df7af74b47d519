// The console server: serves the built renderer and speaks the typed console contract over a
// WebSocket, for browsers pointed at a headless node. Loopback only unless the caller explicitly
// allows another address. Every request needs the random token: the first page load carries it in
// the URL (?token=…), which sets an HttpOnly SameSite=Strict cookie used by assets and the socket.
// Requests from other origins and Host headers that are not ours (DNS rebinding) are refused.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ConsoleHandlers, EventName, Events, ServerFrame } from '../../shared/ipc/contract';
import { dispatch } from '../../shared/ipc/dispatch';

export interface ConsoleServerOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string;
  readonly staticDir: string;
  readonly handlers: ConsoleHandlers;
  /** Required to bind anything but a loopback address. */
  readonly allowNonLoopback?: boolean;
  /** A client whose unsent data exceeds this is cut off (it stopped reading). */
  readonly clientBufferBytesMax?: number;
  readonly frameBytesMax?: number;
}

export interface ConsoleServer {
  readonly url: string;
  readonly port: number;
  publish<E extends EventName>(event: E, payload: Events[E]): void;
  clientCount(): number;
  close(): Promise<void>;
}

const COOKIE = 'revoada_token';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.map': 'application/json',
  '.ico': 'image/x-icon', '.woff2': 'font/woff2',
};

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return rest.join('=');
  }
  return undefined;
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  if (!isLoopback(options.host) && !options.allowNonLoopback) {
    throw new Error(`refusing to serve the console on non-loopback address ${options.host}; pass the explicit flag to allow it`);
  }
  const clientBufferBytesMax = options.clientBufferBytesMax ?? 4 * 1024 * 1024;
  const frameBytesMax = options.frameBytesMax ?? 256 * 1024;
  const staticRoot = path.resolve(options.staticDir);
  let boundPort = options.port;

  const allowedHosts = (): Set<string> => {
    const names = new Set([options.host, 'localhost', '127.0.0.1', '[::1]']);
    return new Set([...names].map((h) => `${h}:${boundPort}`));
  };
  const ownOrigins = (): Set<string> => new Set([...allowedHosts()].map((h) => `http://${h}`));

  function refuseForeign(req: IncomingMessage): string | null {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) return 'unexpected Host header';
    const origin = req.headers.origin;
    if (origin !== undefined && !ownOrigins().has(origin)) return 'cross-origin request refused';
    return null;
  }

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const relative = pathname === '/' ? 'index.html' : decodeURIComponent(pathname).replace(/^\/+/, '');
    const file = path.resolve(staticRoot, relative);
    if (!file.startsWith(staticRoot + path.sep)) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; img-src 'self' data:",
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(relative === 'index.html'
        ? 'The console is not built yet: run `npm run build`.' : 'not found');
    }
  }

  const server = createServer((req, res) => {
    const refused = refuseForeign(req);
    if (refused) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end(refused);
      return;
    }
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const queryToken = url.searchParams.get('token');
    if (tokenMatches(options.token, queryToken)) {
      res.setHeader('set-cookie', `${COOKIE}=${options.token}; HttpOnly; SameSite=Strict; Path=/`);
    } else if (!tokenMatches(options.token, cookieToken(req))) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('missing or wrong console token: open the URL printed by revoada');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end('method not allowed');
      return;
    }
    void serveStatic(req, res, url.pathname);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: frameBytesMax });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    const refused = refuseForeign(req);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const authorised = tokenMatches(options.token, cookieToken(req)) || tokenMatches(options.token, url.searchParams.get('token'));
    if (refused || !authorised || url.pathname !== '/ws') {
      socket.write(`HTTP/1.1 ${refused ? '403 Forbidden' : '401 Unauthorized'}\r\nconnection: close\r\n\r\n`);
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data, isBinary) => void onFrame(ws, data.toString(), isBinary));
    });
  });

  function send(ws: WebSocket, frame: ServerFrame): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > clientBufferBytesMax) {
      // The client stopped reading: cut it off rather than buffer without bound.
      clients.delete(ws);
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(frame));
  }

  async function onFrame(ws: WebSocket, text: string, isBinary: boolean): Promise<void> {
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(text);
    } catch {
      frame = undefined;
    }
    if (typeof frame !== 'object' || frame === null || !Number.isSafeInteger((frame as { id?: unknown }).id)) {
      send(ws, { kind: 'result', id: null, ok: false, error: 'malformed frame: expected {"id": integer, "method": string, "arg": …}' });
      return;
    }
    const { id, method, arg } = frame as { id: number; method: unknown; arg: unknown };
    const outcome = await dispatch(options.handlers, method, arg ?? null);
    send(ws, outcome.ok ? { kind: 'result', id, ok: true, value: outcome.value } : { kind: 'result', id, ok: false, error: outcome.error });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  boundPort = typeof address === 'object' && address ? address.port : options.port;
  const hostForUrl = options.host.includes(':') && !options.host.startsWith('[') ? `[${options.host}]` : options.host;

  return {
    url: `http://${hostForUrl}:${boundPort}/?token=${options.token}`,
    port: boundPort,
    publish(event, payload) {
      const frame: ServerFrame = { kind: 'event', event, payload };
      for (const ws of clients) send(ws, frame);
    },
    clientCount: () => clients.size,
    async close() {
      for (const ws of clients) ws.terminate();
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
