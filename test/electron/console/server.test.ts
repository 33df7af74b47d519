import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startConsoleServer, type ConsoleServer } from '../../../electron/console/server';
import { noNodeHandlers } from '../../../shared/ipc/no-node';

const TOKEN = 'a'.repeat(48);
let server: ConsoleServer;
let port = 0;

beforeAll(async () => {
  const staticDir = mkdtempSync(path.join(tmpdir(), 'revoada-console-'));
  writeFileSync(path.join(staticDir, 'index.html'), '<h1>console</h1>');
  server = await startConsoleServer({
    host: '127.0.0.1', port: 0, token: TOKEN, staticDir, clientBufferBytesMax: 64 * 1024,
    handlers: { ...noNodeHandlers('console-server'), getAppInfo: () => ({ product: 'p', version: 'v', host: 'console-server', nodeRunning: false }) },
  });
  port = server.port;
});
afterAll(async () => server.close());

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function open(headers: Record<string, string> = {}, query = ''): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function nextFrame(ws: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(JSON.parse(data.toString()))));
}

describe('console server', () => {
  it('answers 401 without the token and serves the page with it', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    const ok = await get(`/?token=${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('console');
    expect((await get('/', { cookie: `revoada_token=${TOKEN}` })).status).toBe(200);
  });

  it('refuses other origins and foreign Host headers (DNS rebinding)', async () => {
    expect((await get(`/?token=${TOKEN}`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/?token=${TOKEN}`, { host: `evil.example:${port}` })).status).toBe(403);
    await expect(open({ cookie: `revoada_token=${TOKEN}`, origin: 'http://evil.example' })).rejects.toThrow('403');
    await expect(open({})).rejects.toThrow('401');
  });

  it('refuses to bind a non-loopback address without the explicit flag', async () => {
    await expect(startConsoleServer({ host: '0.0.0.0', port: 0, token: TOKEN, staticDir: '.', handlers: noNodeHandlers('console-server') })).rejects.toThrow('non-loopback');
  });

  it('answers calls, rejects malformed frames and bad arguments, and keeps serving', async () => {
    const ws = await open({ cookie: `revoada_token=${TOKEN}` });
    ws.send('not json');
    expect(await nextFrame(ws)).toMatchObject({ kind: 'result', ok: false, id: null });
    ws.send(JSON.stringify({ id: 1, method: 'dropDatabase', arg: null }));
    expect(await nextFrame(ws)).toMatchObject({ id: 1, ok: false, error: 'unknown method "dropDatabase"' });
    ws.send(JSON.stringify({ id: 2, method: 'getStatus', arg: { sneaky: true } }));
    expect(await nextFrame(ws)).toMatchObject({ id: 2, ok: false });
    ws.send(JSON.stringify({ id: 3, method: 'getAppInfo', arg: null }));
    expect(await nextFrame(ws)).toMatchObject({ id: 3, ok: true, value: { host: 'console-server' } });
    ws.close();
  });

  it('cuts off a client that stops reading instead of buffering without bound', async () => {
    const slow = await open({ cookie: `revoada_token=${TOKEN}` });
    const healthy = await open({ cookie: `revoada_token=${TOKEN}` });
    expect(server.clientCount()).toBe(2);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    let received = 0;
    healthy.on('message', () => received++);
    const big = { nodeId: 'x'.repeat(32 * 1024) } as never;
    for (let i = 0; i < 400 && server.clientCount() > 1; i++) {
      server.publish('onDidChangeStatus', big);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(server.clientCount()).toBe(1);
    expect(received).toBeGreaterThan(0);
    healthy.close();
    slow.terminate();
  });
});
