import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';

/**
 * The acme hub (hub.py) on its own wire, before edge-chaos judges it: each
 * promise of its docstring and each --misbehave switch, seen by a plain `ws`
 * client over loopback. acme.test.ts relies on the hub doing what it says;
 * this is what says so.
 */
const HUB = fileURLToPath(new URL('./hub.py', import.meta.url));
const KEY = 'k-1';
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-acme-hub-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PYTHON_MISSING = (() => {
  try {
    return execFileSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 11))'], { encoding: 'utf8' }).trim() === 'True' ? undefined : 'python3 is older than 3.11';
  } catch {
    return 'no python3 on PATH';
  }
})();

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

interface StartedHub extends AsyncDisposable {
  url: string;
  child: ChildProcess;
}

async function startHub(args: string[] = [], env: Record<string, string> = {}, port?: number): Promise<StartedHub> {
  port ??= await freePort();
  const child = spawn('python3', [HUB, ...args], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ACME_KEY: KEY, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes(' on http://')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`hub exited (${code}) before listening: ${output}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

type Frame = { type: string; [key: string]: unknown };

/** A client that speaks the acme wire by hand: `next(type)` resolves with the next frame of that type. */
async function connect(hubUrl: string, agent: string, options: { hello?: boolean } = {}) {
  const ws = new WebSocket(`${hubUrl.replace('http', 'ws')}/agents/${agent}/socket`, { headers: { 'x-acme-key': KEY } });
  const seen: Frame[] = [];
  const waiting: { type: string; resolve: (f: Frame) => void }[] = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Frame;
    if (frame.type === 'welcome' && options.hello !== false) ws.send(JSON.stringify({ type: 'hello', agent, session: frame.session }));
    const i = waiting.findIndex((w) => w.type === frame.type);
    if (i >= 0) waiting.splice(i, 1)[0]!.resolve(frame);
    else seen.push(frame);
  });
  const closed = once(ws, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  await once(ws, 'open');
  const next = (type: string) =>
    new Promise<Frame>((resolve) => {
      const i = seen.findIndex((f) => f.type === type);
      if (i >= 0) resolve(seen.splice(i, 1)[0]!);
      else waiting.push({ type, resolve });
    });
  return { ws, next, closed, seen };
}

const api = (hubUrl: string, path: string, init: RequestInit = {}) => fetch(`${hubUrl}${path}`, { ...init, headers: { 'x-acme-key': KEY, 'content-type': 'application/json', ...init.headers } });

async function issue(hubUrl: string, agent: string, kind = 'reboot'): Promise<string> {
  const response = await api(hubUrl, '/api/jobs', { method: 'POST', body: JSON.stringify({ agent, kind, args: { n: 1 } }) });
  expect(response.status).toBe(201);
  return ((await response.json()) as { job_id: string }).job_id;
}

describe.skipIf(PYTHON_MISSING !== undefined).concurrent(`acme hub on its wire${PYTHON_MISSING ? ` (skipped: ${PYTHON_MISSING})` : ''}`, () => {
  test('routes: /health needs no key, everything else does (401), unknown paths 404, a bad job 400', async () => {
    await using hub = await startHub();
    expect((await fetch(`${hub.url}/health`)).status).toBe(200);
    expect((await fetch(`${hub.url}/agents/a-1/jobs`)).status).toBe(401);
    expect((await fetch(`${hub.url}/api/jobs`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await api(hub.url, '/nowhere')).status).toBe(404);
    expect((await api(hub.url, '/api/jobs', { method: 'POST', body: JSON.stringify({ agent: 'a-1' }) })).status).toBe(400);
    const refused = new WebSocket(`${hub.url.replace('http', 'ws')}/agents/a-1/socket`);
    const [, response] = (await once(refused, 'unexpected-response')) as [unknown, { statusCode: number; resume(): void }];
    response.resume();
    expect(response.statusCode).toBe(401);
  });

  test('welcome, hello, then jobs; "done" removes a job, an unacked one comes again after the next hello', async () => {
    await using hub = await startHub();
    const first = await connect(hub.url, 'a-1');
    const kept = await issue(hub.url, 'a-1');
    const acked = await issue(hub.url, 'a-1');
    expect((await first.next('job')).job).toEqual({ id: kept, kind: 'reboot', args: { n: 1 } });
    expect(((await first.next('job')).job as { id: string }).id).toBe(acked);
    first.ws.send(JSON.stringify({ type: 'done', job_id: acked }));
    first.ws.close();
    await first.closed;
    const again = await connect(hub.url, 'a-1');
    expect(((await again.next('job')).job as { id: string }).id).toBe(kept);
    again.ws.close();
    // Polling: the bare jobs, each acked by its own POST.
    const polled = (await (await api(hub.url, '/agents/a-1/jobs')).json()) as { jobs: { id: string }[]; more: boolean };
    expect(polled).toEqual({ jobs: [{ id: kept, kind: 'reboot', args: { n: 1 } }], more: false });
    expect((await api(hub.url, `/agents/a-1/jobs/${kept}/done`, { method: 'POST' })).status).toBe(204);
    expect(await (await api(hub.url, '/agents/a-1/jobs')).json()).toEqual({ jobs: [], more: false });
  });

  test('app pings every PING_INTERVAL_MS, numbered per connection; a newer connection closes the older 4000 "superseded"', async () => {
    await using hub = await startHub([], { PING_INTERVAL_MS: '100' });
    const older = await connect(hub.url, 'a-1');
    expect(await older.next('ping')).toEqual({ type: 'ping', seq: 1 });
    expect(await older.next('ping')).toEqual({ type: 'ping', seq: 2 });
    const newer = await connect(hub.url, 'a-1');
    expect(await older.closed).toEqual({ code: 4000, reason: 'superseded' });
    expect(await newer.next('ping')).toEqual({ type: 'ping', seq: 1 });
    newer.ws.close();
  });

  test('no hello within 5 s: closed 4001 "no hello", and no job was pushed before it', async () => {
    await using hub = await startHub();
    const silent = await connect(hub.url, 'a-1', { hello: false });
    await issue(hub.url, 'a-1');
    expect(await silent.closed).toEqual({ code: 4001, reason: 'no hello' });
    expect(silent.seen.map((f) => f.type)).toEqual(['welcome']);
  }, 20_000);

  test('SIGTERM closes every socket 1001 "going away" and exits 0; with --state the next hub has the pending job', async () => {
    const state = join(tmp, 'jobs.json');
    const port = await freePort();
    let id: string;
    {
      await using hub = await startHub(['--state', state], {}, port);
      const client = await connect(hub.url, 'a-1');
      id = await issue(hub.url, 'a-2');
      const exited = once(hub.child, 'exit');
      hub.child.kill('SIGTERM');
      expect(await client.closed).toEqual({ code: 1001, reason: 'going away' });
      expect(await exited).toEqual([0, null]);
    }
    await using next = await startHub(['--state', state], {}, port);
    expect(await (await api(next.url, '/agents/a-2/jobs')).json()).toEqual({ jobs: [{ id, kind: 'reboot', args: { n: 1 } }], more: false });
  });

  test('--misbehave double-register closes each connection 4000 "superseded" right after its hello', async () => {
    await using hub = await startHub(['--misbehave', 'double-register']);
    const client = await connect(hub.url, 'a-1');
    expect(await client.closed).toEqual({ code: 4000, reason: 'superseded' });
  });

  test('--misbehave misroute delivers a job for a-1 to another connected agent', async () => {
    await using hub = await startHub(['--misbehave', 'misroute'], { PING_INTERVAL_MS: '100' });
    const [one, two] = [await connect(hub.url, 'a-1'), await connect(hub.url, 'a-2')];
    // Pings go only to connections that said hello: one each, and both are registered.
    await Promise.all([one.next('ping'), two.next('ping')]);
    const id = await issue(hub.url, 'a-1');
    expect(((await two.next('job')).job as { id: string }).id).toBe(id);
    expect(one.seen.filter((f) => f.type === 'job')).toEqual([]);
    one.ws.close();
    two.ws.close();
  });

  test('--misbehave no-heartbeat-at:MS: pings, jobs and closes stop from MS on while the socket stays open and HTTP answers', async () => {
    await using hub = await startHub(['--misbehave', 'no-heartbeat-at:600'], { PING_INTERVAL_MS: '100' });
    const client = await connect(hub.url, 'a-1');
    await client.next('ping');
    let last = performance.now();
    client.ws.on('message', () => (last = performance.now()));
    // Wait for a stretch of 10 intervals without a frame: the hub went quiet.
    while (performance.now() - last < 1_000) await new Promise((resolve) => setTimeout(resolve, 100));
    await issue(hub.url, 'a-1');
    const newer = await connect(hub.url, 'a-1', { hello: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(newer.seen).toEqual([]);
    expect(client.seen.filter((f) => f.type === 'job')).toEqual([]);
    expect((await fetch(`${hub.url}/health`)).status).toBe(200);
    client.ws.terminate();
    newer.ws.terminate();
  });
});
