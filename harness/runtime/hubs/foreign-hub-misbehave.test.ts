import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../free-port.ts';
import { ProcessTreeReader } from '../process-tree.ts';

/**
 * Each --misbehave switch of the foreign hub fixture, proven on the wire: the
 * fixture as a child process on a free port, a real `ws` client, and the
 * misbehaviour observed. The matrix (harness/matrix/) relies on each switch
 * doing what its name says; these tests are what says so.
 */
const FOREIGN_HUB = fileURLToPath(new URL('./zoo/foreign-hub.mjs', import.meta.url));

interface StartedFixture extends AsyncDisposable {
  url: string;
  child: ChildProcess;
  /** performance.now() when the hub printed its listening line (its misbehaviour clock starts a little before). */
  listeningAt: number;
}

async function startFixture(...args: string[]): Promise<StartedFixture> {
  const port = await freePort();
  const child = spawn(process.execPath, [FOREIGN_HUB, ...args], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes(' on http://')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before listening: ${output}`)));
  });
  const listeningAt = performance.now();
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    listeningAt,
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

interface Client {
  ws: WebSocket;
  /** Command frames received so far, in order. */
  commands: { id: string; name: string }[];
  /** Resolves with the n-th command frame (1-based) once it has arrived. */
  command(n: number): Promise<{ id: string; name: string }>;
}

async function connect(hubUrl: string, agent: string): Promise<Client> {
  const ws = new WebSocket(`${hubUrl.replace('http', 'ws')}/ws?edge_agent_id=${agent}`);
  const commands: Client['commands'] = [];
  const arrived = new EventTarget();
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; id: string; name: string };
    if (message.type !== 'command') return;
    commands.push(message);
    arrived.dispatchEvent(new Event('command'));
  });
  await once(ws, 'open');
  const command = (n: number) =>
    new Promise<Client['commands'][number]>((resolve) => {
      const check = () => {
        if (commands.length < n) return;
        arrived.removeEventListener('command', check);
        resolve(commands[n - 1]!);
      };
      arrived.addEventListener('command', check);
      check();
    });
  return { ws, commands, command };
}

async function issue(hubUrl: string, agent: string, name = 'cmd-1', signal?: AbortSignal): Promise<Response> {
  return fetch(`${hubUrl}/admin/commands`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ edge_agent_id: agent, name }), signal });
}

async function issueOk(hubUrl: string, agent: string, name = 'cmd-1'): Promise<string> {
  const response = await issue(hubUrl, agent, name);
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

async function pending(hubUrl: string, agent: string): Promise<{ id: string }[]> {
  const response = await fetch(`${hubUrl}/edge/commands?edge_agent_id=${agent}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { commands: { id: string }[] }).commands;
}

describe.concurrent('foreign hub fixture --misbehave', () => {
  test('replace-loop:300 closes each connection with 1000 "New connection established" about 300 ms after it opened', async () => {
    await using hub = await startFixture('--misbehave', 'replace-loop:300');
    const { ws } = await connect(hub.url, 'a-1');
    const openedAt = performance.now();
    const [code, reason] = (await once(ws, 'close')) as [number, Buffer];
    const openMs = performance.now() - openedAt;
    expect({ code, reason: reason.toString() }).toEqual({ code: 1000, reason: 'New connection established' });
    // The client sees 'open' a little after the hub started its timer, and a loaded machine widens that.
    expect(openMs).toBeGreaterThanOrEqual(150);
    expect(openMs).toBeLessThan(5_000);
  });

  test('die-at:300 exits with code 1 about 300 ms after listening, dropping its sockets without a close frame', async () => {
    await using hub = await startFixture('--misbehave', 'die-at:300');
    const { ws } = await connect(hub.url, 'a-1');
    const [[code], [wsCode]] = (await Promise.all([once(hub.child, 'exit'), once(ws, 'close')])) as [[number], [number]];
    expect(code).toBe(1);
    expect(wsCode).toBe(1006);
    expect(performance.now() - hub.listeningAt).toBeGreaterThanOrEqual(150);
  });

  test('hang-at:1500 then answers nothing: HTTP hangs, no pong, no command frame, but the socket stays open', async () => {
    await using hub = await startFixture('--misbehave', 'hang-at:1500', '--ping-interval', '100');
    const client = await connect(hub.url, 'a-1');
    let pings = 0;
    client.ws.on('ping', () => pings++);
    // Wait for the first poll that does not come back: the hang has begun.
    for (;;) {
      const answered = await fetch(`${hub.url}/edge/commands?edge_agent_id=a-1`, { signal: AbortSignal.timeout(500) }).then(
        () => true,
        () => false,
      );
      if (!answered) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const pingsAtHang = pings;
    const pongOrTimeout = new Promise<string>((resolve) => {
      client.ws.once('pong', () => resolve('pong'));
      setTimeout(() => resolve('silence'), 700);
    });
    client.ws.ping();
    const admin = await issue(hub.url, 'a-1', 'cmd-1', AbortSignal.timeout(700)).then(
      (r) => `HTTP ${r.status}`,
      () => 'no answer',
    );
    expect(await pongOrTimeout).toBe('silence');
    expect(admin).toBe('no answer');
    expect(client.commands).toEqual([]);
    expect(pings).toBe(pingsAtHang);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(hub.child.exitCode).toBeNull();
  }, 20_000);

  test('no-ping sends no pings where the healthy hub, same interval, does', async () => {
    await using healthy = await startFixture('--ping-interval', '100');
    await using silent = await startFixture('--ping-interval', '100', '--misbehave', 'no-ping');
    const control = await connect(healthy.url, 'a-1');
    const probe = await connect(silent.url, 'a-1');
    let silentPings = 0;
    probe.ws.on('ping', () => silentPings++);
    let controlPings = 0;
    await new Promise<void>((resolve) => control.ws.on('ping', () => ++controlPings === 5 && resolve()));
    expect(silentPings).toBe(0);
  });

  test('misroute delivers a command issued for a-1 to a-2 (the next connected agent), and queues it there', async () => {
    await using hub = await startFixture('--misbehave', 'misroute');
    const a1 = await connect(hub.url, 'a-1');
    const a2 = await connect(hub.url, 'a-2');
    const id = await issueOk(hub.url, 'a-1');
    expect((await a2.command(1)).id).toBe(id);
    expect(a1.commands).toEqual([]);
    expect(await pending(hub.url, 'a-1')).toEqual([]);
    expect((await pending(hub.url, 'a-2')).map((c) => c.id)).toEqual([id]);
  });

  test('phantom-duplicate delivers each command twice, the second under an id the issuer never got', async () => {
    await using hub = await startFixture('--misbehave', 'phantom-duplicate');
    const a1 = await connect(hub.url, 'a-1');
    const id = await issueOk(hub.url, 'a-1', 'reboot');
    const [one, two] = await Promise.all([a1.command(1), a1.command(2)]);
    expect(one).toMatchObject({ id, name: 'reboot' });
    expect(two.name).toBe('reboot');
    expect(two.id).not.toBe(id);
  });

  test('redeliver-after-ack sends a command again after the agent acked it', async () => {
    await using hub = await startFixture('--misbehave', 'redeliver-after-ack');
    const a1 = await connect(hub.url, 'a-1');
    const id = await issueOk(hub.url, 'a-1');
    expect((await a1.command(1)).id).toBe(id);
    a1.ws.send(JSON.stringify({ type: 'ack', id }));
    expect((await a1.command(2)).id).toBe(id);
  });

  test('ignore-acks keeps an acked command pending: the next poll and the next connection deliver it again', async () => {
    await using hub = await startFixture('--misbehave', 'ignore-acks');
    const id = await issueOk(hub.url, 'a-1');
    const ackResponse = await fetch(`${hub.url}/edge/acks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ edge_agent_id: 'a-1', ids: [id] }) });
    expect(await ackResponse.json()).toEqual({ acked: 1 });
    expect((await pending(hub.url, 'a-1')).map((c) => c.id)).toEqual([id]);
    const a1 = await connect(hub.url, 'a-1');
    expect((await a1.command(1)).id).toBe(id);
  });

  test('poll-500 answers GET /edge/commands with 500', async () => {
    await using hub = await startFixture('--misbehave', 'poll-500');
    await issueOk(hub.url, 'a-1');
    const response = await fetch(`${hub.url}/edge/commands?edge_agent_id=a-1`);
    expect(response.status).toBe(500);
  });

  test('admin-404-for:1500 answers POST /admin/commands with 404 at first, then 201 from about 1.5 s after listening', async () => {
    await using hub = await startFixture('--misbehave', 'admin-404-for:1500');
    expect((await issue(hub.url, 'a-1')).status).toBe(404);
    let status = 404;
    while (status === 404) {
      status = (await issue(hub.url, 'a-1')).status;
      if (status === 404) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(201);
    expect(performance.now() - hub.listeningAt).toBeGreaterThanOrEqual(1_200);
  });

  test('leak keeps 2 MiB per connection and 512 KiB per acked command in its RSS; the same traffic without it keeps nothing', async () => {
    const MIB = 1024 * 1024;
    const reader = new ProcessTreeReader();
    /** RSS growth (MiB) over 10 connections with 4 acked commands each: 20 MiB + 20 MiB with the leak. */
    const growth = async (...args: string[]): Promise<number> => {
      await using hub = await startFixture(...args);
      const before = (await reader.read(hub.child.pid!))!.rssBytes;
      for (let a = 1; a <= 10; a++) {
        const client = await connect(hub.url, `a-${a}`);
        for (let n = 1; n <= 4; n++) {
          const id = await issueOk(hub.url, `a-${a}`, `cmd-${n}`);
          await client.command(n);
          const ack = await fetch(`${hub.url}/edge/acks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ edge_agent_id: `a-${a}`, ids: [id] }) });
          expect(await ack.json()).toEqual({ acked: 1 });
        }
        client.ws.close();
      }
      return ((await reader.read(hub.child.pid!))!.rssBytes - before) / MIB;
    };
    expect(await growth('--misbehave', 'leak')).toBeGreaterThan(35); // 40 MiB kept; a GC in the baseline may hand a little back
    expect(await growth()).toBeLessThan(15);
  }, 30_000);

  test('without --misbehave a command reaches its own agent and an ack removes it', async () => {
    await using hub = await startFixture();
    const a1 = await connect(hub.url, 'a-1');
    await connect(hub.url, 'a-2');
    const id = await issueOk(hub.url, 'a-1');
    expect((await a1.command(1)).id).toBe(id);
    const ackResponse = await fetch(`${hub.url}/edge/acks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ edge_agent_id: 'a-1', ids: [id] }) });
    expect(await ackResponse.json()).toEqual({ acked: 1 });
    expect(await pending(hub.url, 'a-1')).toEqual([]);
    expect(await pending(hub.url, 'a-2')).toEqual([]);
  });

  test('an unknown or malformed --misbehave exits 2 and names the known ones', async () => {
    for (const spec of ['teleport', 'die-at', 'no-ping:5']) {
      const port = await freePort();
      const child = spawn(process.execPath, [FOREIGN_HUB, '--misbehave', spec], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const [code] = (await once(child, 'exit')) as [number];
      expect(code, spec).toBe(2);
      expect(stderr, spec).toContain('replace-loop:MS');
    }
  });
});
