import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Toxiproxy } from 'toxiproxy-node-client';
import { describe, expect, it } from 'vitest';
import { TestClient, startTcpServer } from './conformance-support.ts';
import { ToxiproxyServerError } from './errors.ts';
import { startToxiproxyServer } from './server.ts';

/** What only the embedded server promises (the conformance suite covers the shared API). */

/**
 * Starts a server, proxies three connections with toxics holding their data
 * for a minute, stops the server, and lets the process end by itself. Node
 * ends only when no socket, server or timer is left, so "it exited in time"
 * is the proof that stop() left nothing behind.
 */
const LEAK_PROBE = `
import net from 'node:net';
import { startToxiproxyServer } from './toxiproxy/server.ts';
let echoed = 0;
let onEchoed = () => {};
const echo = net.createServer((socket) => {
  socket.on('error', () => {});
  socket.on('data', (data) => { echoed += data.length; onEchoed(); });
  socket.pipe(socket);
});
await new Promise((resolve) => echo.listen(0, '127.0.0.1', resolve));
const server = await startToxiproxyServer({ port: 0 });
const post = (path, body) => fetch(server.url + path, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json());
const proxy = await post('/proxies', { name: 'leak', listen: '127.0.0.1:0', upstream: '127.0.0.1:' + echo.address().port });
await post('/proxies/leak/toxics', { type: 'latency', attributes: { latency: 60000 } });
await post('/proxies/leak/toxics', { type: 'slow_close', stream: 'upstream', attributes: { delay: 60000 } });
const [host, port] = proxy.listen.split(':');
const clients = await Promise.all([1, 2, 3].map(() => new Promise((resolve) => {
  const socket = net.connect(Number(port), host, () => resolve(socket));
  socket.on('error', () => {});
})));
const allEchoed = new Promise((resolve) => { onEchoed = () => echoed >= 3 * 17 && resolve(); });
for (const socket of clients) socket.end('held for a minute');
await allEchoed;
await server.stop();
await server.stop();
await Promise.all(clients.map((socket) => socket.closed ? undefined : new Promise((resolve) => socket.once('close', resolve))));
echo.close();
console.log('stopped');
`;

describe('startToxiproxyServer', () => {
  it('leaves no server, socket or timer behind after stop(), with toxics holding data', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', LEAK_PROBE], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    child.stderr.on('data', (data: Buffer) => (output += data.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    // The toxics hold data for 60 s; anything close to that means a leak.
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = await exited;
    clearTimeout(timer);
    expect({ code, signal, output: output.trim() }).toEqual({ code: 0, signal: null, output: 'stopped' });
  });

  it('works with await using', async () => {
    let url = '';
    {
      await using server = await startToxiproxyServer({ port: 0 });
      url = server.url;
      expect((await fetch(`${url}/version`)).status).toBe(200);
    }
    await expect(fetch(`${url}/version`)).rejects.toThrow();
  });

  it('reports a taken API port as a coded error with a fix', async () => {
    await using first = await startToxiproxyServer({ port: 0 });
    const failure = await startToxiproxyServer({ port: first.port }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ToxiproxyServerError);
    expect(failure).toMatchObject({ code: 'EC_TOXIPROXY_LISTEN' });
    expect((failure as ToxiproxyServerError).fix).toMatch(/--port/);
  });

  it('carries a half-close through: the client can still read after ending its side', async () => {
    // Answers only once the client has finished sending, as HTTP/1.0 or a
    // shutdown(SHUT_WR) client expects; real Toxiproxy closes both sides on
    // the first EOF instead.
    const upstream = await startTcpServer((socket) => {
      let total = 0;
      socket.on('data', (data: Buffer) => {
        total += data.length;
      });
      socket.on('end', () => socket.end(`got ${total}`));
    });
    await using server = await startToxiproxyServer({ port: 0 });
    const proxy = await new Toxiproxy(server.url).createProxy({ name: 'half', listen: '127.0.0.1:0', upstream: upstream.address });
    const client = await TestClient.connect(proxy.listen);
    client.socket.end('12345');
    await client.waitForEnd();
    expect(client.received.toString()).toBe('got 5');
    await upstream.stop();
  });

  it('rejects a listen address that is not host:port with 400', async () => {
    await using server = await startToxiproxyServer({ port: 0 });
    const response = await fetch(`${server.url}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'bad', listen: 'local373', upstream: '127.0.0.1:1' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 400, error: expect.stringMatching(/^bad listen address/) });
  });
});
