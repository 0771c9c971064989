import { afterEach, expect, test } from 'vitest';
import { encodeBatch, NDJSON } from '../fleet/shard/wire.ts';
import { startMetricsServer, type StartedMetricsServer } from '../metrics-server.ts';
import { RunMetrics } from '../run-metrics.ts';
import { History } from '../../history/history.ts';
import { blast, collectorProbes, halfSentRequests, holdConnection, metricsProbes, sendProbe } from './hostile-client.test-support.ts';
import { startCollector, type StartedCollector } from './server.ts';

/** The collector and the metrics port against a hostile client, over real sockets on port 0 (the same probes hit a whole run in hostile-run.test.ts). */
const TOKEN = 'run-token-1';
const started: (StartedCollector | StartedMetricsServer)[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function collector(timeouts?: { headersMs: number; requestMs: number; keepAliveMs: number }) {
  const events: unknown[] = [];
  const c = await startCollector({
    token: TOKEN,
    slices: [
      { firstIndex: 0, count: 2 },
      { firstIndex: 2, count: 2 },
    ],
    sink: (e) => events.push(e),
    timeouts,
  });
  started.push(c);
  return { c, events };
}

test('every collector probe is answered with its status before its body is read, and the connection closes', async () => {
  const { c } = await collector();
  const answers = await Promise.all(collectorProbes(2).map(async (probe) => ({ probe: probe.name, ...(await sendProbe(c.url, probe, TOKEN)) })));
  expect(answers.map((a) => [a.probe, a.status])).toEqual(collectorProbes(2).map((p) => [p.name, p.status]));
  for (const a of answers) {
    expect(a.closes, a.probe).toBe(true);
    // Every refusal names what was wrong.
    expect(JSON.parse(a.body).error, a.probe).toMatch(/\w/);
  }
    const error = (probe: string) => JSON.parse(answers.find((a) => a.probe === probe)!.body).error as string;
  expect(error('POST /shards/0x1/events')).toBe('this run has shard indexes 0..1, not "0x1": a shard\'s index is its JOB_COMPLETION_INDEX, written in decimal');
  expect(error('POST /healthz, 50 MB JSON, no token')).toBe('/healthz takes GET or HEAD, not POST');
  // None of them reached a shard's stream.
  expect(c.collector.streams.map((s) => [s.instance, s.lastSeq])).toEqual([
    [undefined, 0],
    [undefined, 0],
  ]);
});

test('the routes a shard uses still answer, with and without a charset, and HEAD works where GET does', async () => {
  const { c, events } = await collector();
  const call = (method: string, path: string, body?: string, type?: string) => fetch(`${c.url}${path}`, { method, body, headers: { authorization: `Bearer ${TOKEN}`, ...(type ? { 'content-type': type } : {}) } });
  expect((await call('GET', '/clock')).status).toBe(200);
  expect((await call('HEAD', '/metrics')).status).toBe(200);
  expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
  const hello = { instance: 'a', firstIndex: 2, agents: 2, clock: { offsetMs: 0, uncertaintyMs: 0.4, rttMs: 0.8, samples: 8 }, host: 'h', pid: 1 };
  expect((await call('POST', '/shards/1/hello', JSON.stringify(hello), 'application/json; charset=utf-8')).status).toBe(200);
  const batch = encodeBatch({ seq: 1, events: [{ t: 1, agent: 'agent-3', type: 'ws.open', conn: 1 }], sentEvents: 1, counts: { connected: 1, polling: 0, down: 1 }, lost: {}, started: true, final: false });
  expect((await call('POST', '/shards/1/events', batch, `${NDJSON}; charset=utf-8`)).status).toBe(200);
  expect(events).toHaveLength(1);
  // A malformed hello is the handler's 400, not a 500.
  expect((await call('POST', '/shards/0/hello', 'null', 'application/json')).status).toBe(400);
  expect((await call('POST', '/shards/0/hello', '{', 'application/json')).status).toBe(400);
});

test('five 50 MB posts at once are cut off after a few KiB each', async () => {
  const { c } = await collector();
  const results = await Promise.all(Array.from({ length: 5 }, (_, i) => blast(c.url, i % 2 ? '/healthz' : '/shards/0/events', 50_000_000)));
  for (const r of results) {
    // The server answered and closed long before the body was through: what went out is what the socket buffers took.
    expect(r.sentBytes).toBeLessThan(16_000_000);
    if (r.status !== undefined) expect([401, 405]).toContain(r.status);
  }
  expect((await fetch(`${c.url}/healthz`)).status).toBe(200);
});

test('idle and half-sent connections are closed after the timeouts, an idle keep-alive one too', async () => {
  const { c } = await collector({ headersMs: 300, requestMs: 600, keepAliveMs: 300 });
  const held = Object.entries(halfSentRequests(TOKEN)).map(([name, prefix]) => ({ name, connection: holdConnection(c.url, prefix) }));
  // A finished request on a keep-alive connection, then nothing.
  const keptAlive = holdConnection(c.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n');
  for (const { name, connection } of held) {
    const { received, heldMs } = await connection.closed;
    // Well under the 10 s a leaked connection would take to be noticed, and not before the bound.
    expect(heldMs, name).toBeGreaterThanOrEqual(250);
    expect(heldMs, name).toBeLessThan(8_000);
    expect(received, name).toMatch(/^HTTP\/1\.1 408 /);
  }
  const { received, heldMs } = await keptAlive.closed;
  expect(received).toMatch(/^HTTP\/1\.1 200 /);
  expect(heldMs).toBeLessThan(8_000);
});

test('the metrics port serves GET and HEAD /metrics only, refusing the rest before any body', async () => {
  const metrics = new RunMetrics({ history: new History(), agents: 1, counts: () => undefined, shards: () => 0, clock: () => 0 });
  const server = await startMetricsServer(metrics.registry, 0);
  started.push(server);
  const base = server.url.replace(/\/metrics$/, '');
  const answers = await Promise.all(metricsProbes().map((probe) => sendProbe(base, probe, TOKEN)));
  expect(answers.map((a) => a.status)).toEqual(metricsProbes().map((p) => p.status));
  expect(answers.every((a) => a.closes)).toBe(true);
  expect((await fetch(server.url)).status).toBe(200);
  expect((await fetch(server.url, { method: 'HEAD' })).status).toBe(200);
  const idle = holdConnection(base, 'GET /metr');
  // The default headers timeout (10 s) is not waited for here; stop() must still end it.
  await server.stop();
  expect((await idle.closed).heldMs).toBeLessThan(8_000);
  metrics.close();
});
