import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { WebSocketServer } from 'ws';
import v1 from '../../protocol/profiles/v1.ts';
import { RawHub } from '../../protocol/raw-hub.test-support.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { CheckResult } from '../checks/types.ts';
import { compileProtocol } from '../../protocol/define.ts';
import { resolveParams } from './params.ts';
import { runScenario } from './run.ts';

const loop = SCENARIOS.get('loop')!;
const quick = { agents: 4, durationMs: 3_000, seed: '7', hubPingIntervalMs: 500 } as const;

function check(checks: CheckResult[], id: string): CheckResult {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('a protocol that does not fit the hub is our misreading, never the hub failing (exit 2)', () => {
  test('every upgrade refused with 404 and no agent connected: invalid, naming the status, the path and --protocol', async () => {
    const wrongPath = { ...v1, name: 'wrong-path', socket: { ...v1.socket, path: '/agents/socket' } };
    const result = await runScenario(loop, { ...quick, protocol: wrongPath });
    expect(result.verdict).toBe('invalid');
    const fit = check(result.checks, 'wire-fit');
    expect(fit.status).toBe('failed');
    expect(fit.summary).toMatch(/the hub refused every upgrade \(HTTP 404 x\d+ to ws:\/\/127\.0\.0\.1:\d+\/agents\/socket\?edge_agent_id=agent-1\)/);
    expect(fit.summary).toContain('--protocol');
    // What to do is the profile's fix, not the generic advice about load or Toxiproxy.
    expect(result.invalid?.fix).toMatch(/^the protocol does not fit the hub \(wire-fit\).*correct protocol "wrong-path"'s profile/);
    expect(result.replayNote).toContain('protocol wrong-path was given as an object');
  });

  test('a frame no rule recognises: invalid, the frame quoted', async () => {
    await using hub = await RawHub.start({ pingIntervalMs: 500 });
    hub.on('connection', (ws) => ws.send(JSON.stringify({ event: 'job', job: { id: 'j1' } })));
    const result = await runScenario(loop, { ...quick, hubUrl: hub.url });
    expect(result.verdict).toBe('invalid');
    const fit = check(result.checks, 'wire-fit');
    expect(fit.summary).toContain('protocol "v1" could not read what the hub sent');
    expect(fit.summary).toContain('{\\"event\\":\\"job\\",\\"job\\":{\\"id\\":\\"j1\\"}}');
    expect(result.events.some((e) => e.type === 'wire.unrecognised')).toBe(true);
  });
});

describe('connection-only (--protocol ws)', () => {
  test('any WebSocket endpoint: connection checks judge, delivery skips saying why, health is a TCP probe', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end());
    const wss = new WebSocketServer({ server, path: '/feed' });
    const paths: string[] = [];
    wss.on('connection', (socket, req) => {
      paths.push(req.url ?? '');
      socket.send('hello, whoever you are');
    });
    const pinger = setInterval(() => wss.clients.forEach((c) => c.ping()), 250);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/feed?room=7`;
      const result = await runScenario(loop, { ...quick, hubUrl: url, protocol: 'ws' });
      expect(result.verdict).toBe('passed');
      expect(paths).toHaveLength(4);
      expect(new Set(paths)).toEqual(new Set(['/feed?room=7']));
      expect(check(result.checks, 'connection-loop').status).toBe('passed');
      expect(check(result.checks, 'hub-health').status).toBe('passed');
      // A TCP probe: the 'up' carries no HTTP status.
      expect(result.events.find((e) => e.type === 'hub.health' && e.state === 'up')).not.toHaveProperty('status');
      const delivery = check(result.checks, 'command-delivery');
      expect(delivery.status).toBe('skipped');
      expect(delivery.summary).toContain('protocol "ws" carries no commands');
      expect(check(result.checks, 'hub-connections-replaced').summary).toContain('protocol "ws" names no hub metric for replaced');
      expect(result.replay).toContain('--protocol ws');
      // The user names an HTTP probe instead: GET /status, whose 404 still says the hub is up.
      const http = await runScenario(loop, { ...quick, hubUrl: url, protocol: 'ws', healthPath: '/status' });
      expect(http.events.find((e) => e.type === 'hub.health' && e.state === 'up')).toMatchObject({ status: 404 });
      expect(http.replay).toContain('--health-path /status');
    } finally {
      clearInterval(pinger);
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the heartbeat interval on a protocol whose agents send the heartbeat', () => {
  const beat = compileProtocol({ name: 'beat', socket: { path: '/ws' }, heartbeat: { by: 'agent', everyMs: 5_000, send: { op: 'hb' }, answer: { op: 'hb_ack' } } }, { source: 'x' });

  test("is the agents' own, whatever the scenario says", () => {
    expect(resolveParams(loop, { hubUrl: 'http://127.0.0.1:9' }, beat).pingIntervalMs).toBe(5_000);
    expect(resolveParams(loop, {}, beat).pingIntervalMs).toBe(5_000);
  });

  test('--hub-ping-interval that says otherwise is refused, naming both', () => {
    expect(() => resolveParams(loop, { hubPingIntervalMs: 2_000 }, beat)).toThrow(/--hub-ping-interval 2s does not apply: protocol beat's agents send the heartbeat themselves, every 5s/);
    expect(resolveParams(loop, { hubPingIntervalMs: 5_000 }, beat).pingIntervalMs).toBe(5_000);
  });
});
