import { performance } from 'node:perf_hooks';
import type { Proxy, Toxic, ToxicDirection, ToxicType } from 'toxiproxy-node-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  TestClient,
  closedLoopbackPort,
  metricValue,
  openTarget,
  pace,
  rawRequest,
  startEchoServer,
  startTcpServer,
  uniqueName,
} from './conformance-support.ts';
import type { RawResponse, Target, TcpServerFixture } from './conformance-support.ts';

/**
 * Conformance of the Toxiproxy 2.12 API and toxic behaviour, through
 * toxiproxy-node-client (raw HTTP only for status codes, headers and error
 * bodies the client hides). Runs against the embedded server, or a real
 * Toxiproxy when TOXIPROXY_URL is set. Timing checks hold lower bounds tight
 * and upper bounds loose: CI is a noisy 2-core machine.
 *
 * One file on purpose: vitest runs files in parallel, and against one shared
 * real Toxiproxy a /reset in one file would strip the toxics of tests running
 * in another.
 */

let target: Target;
let echo: TcpServerFixture;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  target = await openTarget();
  echo = await startEchoServer();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await echo.stop();
  await target.stop();
});

function raw(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<RawResponse> {
  return rawRequest(target.url, method, path, body, headers);
}

async function createProxy(label: string, upstream = echo.address, enabled = true): Promise<Proxy> {
  const name = uniqueName(label);
  cleanups.push(() => raw('DELETE', `/proxies/${name}`).then(() => undefined));
  return target.client.createProxy({ name, listen: '127.0.0.1:0', upstream, enabled });
}

function addToxic<T>(
  proxy: Proxy,
  type: ToxicType | 'noop',
  attributes: T,
  options: { stream?: ToxicDirection; toxicity?: number; name?: string } = {},
): Promise<Toxic<T>> {
  const stream = options.stream ?? 'downstream';
  return proxy.addToxic<T>({
    name: options.name ?? `${type}_${stream}`,
    type: type as ToxicType,
    stream,
    toxicity: options.toxicity ?? 1,
    attributes,
  });
}

async function connect(address: string): Promise<TestClient> {
  const client = await TestClient.connect(address);
  cleanups.push(() => client.destroy());
  return client;
}

function expectError(response: RawResponse, status: number, message: string | RegExp): void {
  expect(response.status).toBe(status);
  const body = response.json() as { error: unknown; status: unknown };
  expect(body.status).toBe(status);
  expect(body.error).toMatch(typeof message === 'string' ? new RegExp(`^${message}`) : message);
}

describe('server-wide', () => {
  it('answers /version with a version and a request id header', async () => {
    const response = await raw('GET', '/version');
    expect(response.status).toBe(200);
    expect((response.json() as { version: string }).version).toMatch(/\S/);
    expect(response.headers.get('x-toxiproxy-request-id')).toMatch(/\S/);
    expect(await target.client.getVersion()).toContain('version');
  });

  it('refuses browser user agents with 403 and serves others', async () => {
    const browser = await raw('GET', '/proxies', undefined, { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' });
    expect(browser.status).toBe(403);
    expect(browser.text.trim()).toBe('User agent not allowed');
    expect((await raw('GET', '/proxies', undefined, { 'user-agent': 'curl/8.5.0' })).status).toBe(200);
  });

  it('answers a known path with a wrong method 405', async () => {
    expect((await raw('PUT', '/proxies')).status).toBe(405);
  });
});

describe('proxies', () => {
  it('creates a proxy: 201, the bound address reported, listed and fetched by name', async () => {
    const name = uniqueName('create');
    cleanups.push(() => raw('DELETE', `/proxies/${name}`).then(() => undefined));
    const response = await raw('POST', '/proxies', { name, listen: 'localhost:0', upstream: echo.address });
    expect(response.status).toBe(201);
    const body = response.json() as { name: string; listen: string; upstream: string; enabled: boolean; toxics: unknown[] };
    expect(body).toMatchObject({ name, upstream: echo.address, enabled: true, toxics: [] });
    expect(body.listen).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(body.listen).not.toBe('127.0.0.1:0');

    const all = await target.client.getAll();
    expect(all[name]?.listen).toBe(body.listen);
    const fetched = await target.client.get(name);
    expect(fetched.toJson()).toMatchObject({ name, listen: body.listen, enabled: true });
  });

  it('rejects bad create bodies with 400 and duplicates with 409', async () => {
    expectError(await raw('POST', '/proxies', { upstream: echo.address }), 400, 'missing required field: name');
    expectError(await raw('POST', '/proxies', { name: uniqueName('x') }), 400, 'missing required field: upstream');
    expectError(await raw('POST', '/proxies', '{not json'), 400, 'bad request body');
    const proxy = await createProxy('dup');
    const again = { name: proxy.name, listen: '127.0.0.1:0', upstream: echo.address };
    expectError(await raw('POST', '/proxies', again), 409, 'proxy already exists');
    await expect(target.client.createProxy(again)).rejects.toThrow(/409/);
  });

  it('answers 500 when the listen address cannot be bound, and stores nothing', async () => {
    const holder = await createProxy('holder');
    const name = uniqueName('clash');
    const response = await raw('POST', '/proxies', { name, listen: holder.listen, upstream: echo.address });
    expectError(response, 500, /address already in use/);
    expectError(await raw('GET', `/proxies/${name}`), 404, 'proxy not found');
  });

  it('creates a disabled proxy that does not listen', async () => {
    const proxy = await createProxy('disabled', echo.address, false);
    expect(proxy.enabled).toBe(false);
  });

  it('answers 404 for an unknown proxy on every proxy route', async () => {
    const missing = `/proxies/${uniqueName('missing')}`;
    expectError(await raw('GET', missing), 404, 'proxy not found');
    expectError(await raw('POST', missing, { enabled: false }), 404, 'proxy not found');
    expectError(await raw('PATCH', missing, { enabled: false }), 404, 'proxy not found');
    expectError(await raw('DELETE', missing), 404, 'proxy not found');
    expectError(await raw('GET', `${missing}/toxics`), 404, 'proxy not found');
    expectError(await raw('POST', `${missing}/toxics`, { type: 'latency' }), 404, 'proxy not found');
    expectError(await raw('GET', `${missing}/toxics/t`), 404, 'proxy not found');
    expectError(await raw('DELETE', `${missing}/toxics/t`), 404, 'proxy not found');
  });

  it('updates with POST (the client) and PATCH; a bad body is 400', async () => {
    const proxy = await createProxy('update');
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect(disabled.enabled).toBe(false);
    const patched = await raw('PATCH', `/proxies/${proxy.name}`, { enabled: true });
    expect(patched.status).toBe(200);
    expect(patched.json()).toMatchObject({ name: proxy.name, enabled: true, listen: proxy.listen });
    expectError(await raw('POST', `/proxies/${proxy.name}`, { enabled: 'no' }), 400, 'bad request body');
  });

  it('deletes with 204, then the proxy is gone', async () => {
    const proxy = await createProxy('delete');
    expect((await raw('DELETE', `/proxies/${proxy.name}`)).status).toBe(204);
    expectError(await raw('GET', `/proxies/${proxy.name}`), 404, 'proxy not found');
    expectError(await raw('DELETE', `/proxies/${proxy.name}`), 404, 'proxy not found');
  });
});

describe('populate and reset', () => {
  it('populates: 201 {proxies}, keeping an unchanged proxy and its toxics', async () => {
    const kept = await createProxy('kept');
    await addToxic(kept, 'latency', { latency: 10, jitter: 0 });
    const fresh = uniqueName('fresh');
    cleanups.push(() => raw('DELETE', `/proxies/${fresh}`).then(() => undefined));
    const proxies = await target.client.populate([
      { name: kept.name, listen: kept.listen, upstream: kept.upstream },
      { name: fresh, listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    expect(Object.keys(proxies).sort()).toEqual([kept.name, fresh].sort());
    const toxics = (await raw('GET', `/proxies/${kept.name}/toxics`)).json() as { type: string }[];
    expect(toxics.map((toxic) => toxic.type)).toEqual(['latency']);
    const response = await raw('POST', '/populate', []);
    expect(response.status).toBe(201);
  });

  it('rejects a bad populate entry with 400 naming it, creating nothing', async () => {
    const first = uniqueName('pop_ok');
    const response = await raw('POST', '/populate', [
      { name: first, listen: '127.0.0.1:0', upstream: echo.address },
      { name: '', listen: '127.0.0.1:0', upstream: echo.address },
    ]);
    expectError(response, 400, 'missing required field: name at proxy 2');
    expect((await raw('GET', `/proxies/${first}`)).status).toBe(404);
  });

  it('answers 500 on a populate bind failure, keeping the proxies before it', async () => {
    const holder = await createProxy('pop_holder');
    const first = uniqueName('pop_first');
    const clash = uniqueName('pop_clash');
    cleanups.push(() => raw('DELETE', `/proxies/${first}`).then(() => undefined));
    const response = await raw('POST', '/populate', [
      { name: first, listen: '127.0.0.1:0', upstream: echo.address },
      { name: clash, listen: holder.listen, upstream: echo.address },
    ]);
    expectError(response, 500, /address already in use/);
    expect((await raw('GET', `/proxies/${first}`)).status).toBe(200);
    expect((await raw('GET', `/proxies/${clash}`)).status).toBe(404);
  });

  it('resets: 204, every proxy enabled again and every toxic gone', async () => {
    const proxy = await createProxy('reset');
    await addToxic(proxy, 'latency', { latency: 10, jitter: 0 });
    await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    expect((await raw('POST', '/reset')).status).toBe(204);
    await target.client.reset();
    const after = (await raw('GET', `/proxies/${proxy.name}`)).json();
    expect(after).toMatchObject({ enabled: true, listen: proxy.listen, toxics: [] });
  });
});

describe('toxics API', () => {
  it('creates with 200 and the documented defaults, every attribute present', async () => {
    const proxy = await createProxy('defaults');
    const response = await raw('POST', `/proxies/${proxy.name}/toxics`, { type: 'latency' });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      name: 'latency_downstream',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 0, jitter: 0 },
    });
    const fetched = await proxy.getToxic('latency_downstream');
    expect(fetched.toJson().attributes).toEqual({ latency: 0, jitter: 0 });
  });

  it('shows every attribute of every type', async () => {
    const proxy = await createProxy('attrs');
    const expected: Record<string, string[]> = {
      latency: ['jitter', 'latency'],
      bandwidth: ['rate'],
      slow_close: ['delay'],
      timeout: ['timeout'],
      reset_peer: ['timeout'],
      slicer: ['average_size', 'delay', 'size_variation'],
      limit_data: ['bytes'],
    };
    for (const [type, names] of Object.entries(expected)) {
      const attributes = type === 'slicer' ? { average_size: 10 } : {};
      const toxic = await addToxic(proxy, type as ToxicType, attributes, { name: `t_${type}` });
      expect(Object.keys(toxic.attributes as object).sort(), type).toEqual(names);
    }
  });

  it('lists upstream toxics first', async () => {
    const proxy = await createProxy('order');
    await addToxic(proxy, 'latency', { latency: 1, jitter: 0 }, { name: 'down1' });
    await addToxic(proxy, 'latency', { latency: 1, jitter: 0 }, { name: 'up1', stream: 'upstream' });
    await addToxic(proxy, 'bandwidth', { rate: 1000 }, { name: 'down2' });
    const list = (await raw('GET', `/proxies/${proxy.name}/toxics`)).json() as { name: string }[];
    expect(list.map((toxic) => toxic.name)).toEqual(['up1', 'down1', 'down2']);
    const viaProxy = (await raw('GET', `/proxies/${proxy.name}`)).json() as { toxics: { name: string }[] };
    expect(viaProxy.toxics.map((toxic) => toxic.name)).toEqual(['up1', 'down1', 'down2']);
  });

  it('rejects bad toxic bodies with 400 and a duplicate name with 409', async () => {
    const proxy = await createProxy('bad_toxic');
    const path = `/proxies/${proxy.name}/toxics`;
    expectError(await raw('POST', path, { type: 'latency', stream: 'sideways' }), 400, 'stream was invalid');
    expectError(await raw('POST', path, { type: 'gremlins' }), 400, 'invalid toxic type');
    expectError(await raw('POST', path, { type: 'latency', attributes: { latency: 'slow' } }), 400, 'bad request body');
    expectError(await raw('POST', path, { type: 'latency', toxicity: 'often' }), 400, 'bad request body');
    expectError(await raw('POST', path, '{'), 400, 'bad request body');
    await addToxic(proxy, 'latency', { latency: 1, jitter: 0 }, { name: 'same' });
    expectError(await raw('POST', path, { name: 'same', type: 'bandwidth', stream: 'upstream' }), 409, 'toxic already exists');
  });

  // Real Toxiproxy checks no attribute value (toxics/*.go) and takes any
  // float32 toxicity; edge-values.test.ts covers what these do to data.
  it('accepts any integer attributes and any float32 toxicity', async () => {
    const proxy = await createProxy('lenient');
    const path = `/proxies/${proxy.name}/toxics`;
    // toxiproxy-node-client's own suite adds this slicer.
    const slicer = await addToxic(proxy, 'slicer', { average_size: 10, size_variation: 10, delay: 10 });
    expect(slicer.toJson().attributes).toEqual({ average_size: 10, size_variation: 10, delay: 10 });
    const lax = await raw('POST', path, { name: 'lax', type: 'latency', toxicity: 1.5, attributes: { latency: -5, jitter: -1 } });
    expect(lax.status).toBe(200);
    expect(lax.json()).toMatchObject({ toxicity: 1.5, attributes: { latency: -5, jitter: -1 } });
    expect((await raw('POST', `${path}/lax`, { toxicity: -0.25 })).status).toBe(200);
  });

  it('updates by merging attributes; name, type and stream stay', async () => {
    const proxy = await createProxy('toxic_update');
    const toxic = await addToxic(proxy, 'latency', { latency: 100, jitter: 0 }, { name: 'lag' });
    const response = await raw('PATCH', `/proxies/${proxy.name}/toxics/lag`, {
      attributes: { jitter: 5 },
      type: 'bandwidth',
      stream: 'upstream',
    });
    expect(response.status).toBe(200);
    expect(response.json()).toEqual({
      name: 'lag',
      type: 'latency',
      stream: 'downstream',
      toxicity: 1,
      attributes: { latency: 100, jitter: 5 },
    });
    const updated = await toxic.update({ ...toxic.toJson(), toxicity: 0.5, attributes: { latency: 7, jitter: 5 } });
    expect(updated.toJson()).toMatchObject({ toxicity: 0.5, attributes: { latency: 7, jitter: 5 } });
    expectError(await raw('POST', `/proxies/${proxy.name}/toxics/lag`, { toxicity: 'x' }), 400, 'bad request body');
    expectError(await raw('POST', `/proxies/${proxy.name}/toxics/nope`, {}), 404, 'toxic not found');
  });

  it('fetches and deletes a toxic: 200, 204, then 404', async () => {
    const proxy = await createProxy('toxic_delete');
    await addToxic(proxy, 'noop', {}, { name: 'quiet' });
    expect((await raw('GET', `/proxies/${proxy.name}/toxics/quiet`)).status).toBe(200);
    expect((await raw('DELETE', `/proxies/${proxy.name}/toxics/quiet`)).status).toBe(204);
    expectError(await raw('GET', `/proxies/${proxy.name}/toxics/quiet`), 404, 'toxic not found');
    expectError(await raw('DELETE', `/proxies/${proxy.name}/toxics/quiet`), 404, 'toxic not found');
  });
});

describe('proxying', () => {
  it('carries bytes both ways unchanged', async () => {
    const proxy = await createProxy('bytes');
    const client = await connect(proxy.listen);
    const payload = Buffer.alloc(1024 * 1024, 'edge-chaos ');
    await client.roundTrip(payload);
    expect(client.received.equals(payload)).toBe(true);
  });

  it('closes the client when the upstream cannot be reached', async () => {
    const proxy = await createProxy('no_upstream', `127.0.0.1:${await closedLoopbackPort()}`);
    const client = await connect(proxy.listen);
    await client.waitForClose();
    expect(client.received.length).toBe(0);
  });

  it('counts bytes per proxy and direction in /metrics', async () => {
    const probe = await raw('GET', '/metrics');
    if (probe.status === 404) return; // real Toxiproxy serves /metrics only with --proxy-metrics
    const proxy = await createProxy('metrics');
    const client = await connect(proxy.listen);
    await client.roundTrip('x'.repeat(1000));
    client.destroy();
    await client.waitForClose();
    await vi.waitFor(async () => {
      const text = (await raw('GET', '/metrics')).text;
      for (const direction of ['upstream', 'downstream']) {
        for (const metric of ['toxiproxy_proxy_received_bytes_total', 'toxiproxy_proxy_sent_bytes_total']) {
          expect(metricValue(text, metric, { proxy: proxy.name, direction })).toBeGreaterThanOrEqual(1000);
        }
      }
    }, { timeout: 5_000 });
  });
});

describe('toxic behaviour', () => {
  it('latency: delays each round trip by at least the latency', async () => {
    const proxy = await createProxy('latency');
    await addToxic(proxy, 'latency', { latency: 200, jitter: 0 });
    const client = await connect(proxy.listen);
    const rttMs = await client.roundTrip('ping');
    expect(rttMs).toBeGreaterThanOrEqual(199);
    expect(rttMs).toBeLessThan(2_000);
  });

  it('latency: delays overlap, counted from when each chunk arrived', async () => {
    const proxy = await createProxy('latency_overlap');
    await addToxic(proxy, 'latency', { latency: 600, jitter: 0 });
    const client = await connect(proxy.listen);
    const firstSentMs = performance.now();
    client.send('a');
    await pace(200);
    const secondSentMs = performance.now();
    client.send('b');
    const firstBackMs = await client.waitForBytes(1);
    const secondBackMs = await client.waitForBytes(2);
    expect(firstBackMs - firstSentMs).toBeGreaterThanOrEqual(599);
    expect(secondBackMs - secondSentMs).toBeGreaterThanOrEqual(599);
    // Serialized delays would put 'b' at least a full latency after 'a';
    // overlapping ones put it ~200 ms after, however late the pacing timer.
    expect(secondBackMs - firstBackMs).toBeLessThan(590);
    expect(client.received.toString()).toBe('ab');
  });

  it('acts on an open connection at once when added, updated and removed', async () => {
    const proxy = await createProxy('live');
    const client = await connect(proxy.listen);
    expect(await client.roundTrip('1')).toBeLessThan(500);
    const toxic = await addToxic(proxy, 'latency', { latency: 500, jitter: 0 });
    expect(await client.roundTrip('2')).toBeGreaterThanOrEqual(499);
    const quick = await toxic.update({ ...toxic.toJson(), attributes: { latency: 0, jitter: 0 } });
    expect(await client.roundTrip('3')).toBeLessThan(500);
    await quick.update({ ...quick.toJson(), attributes: { latency: 500, jitter: 0 } });
    expect(await client.roundTrip('4')).toBeGreaterThanOrEqual(499);
    await toxic.remove();
    expect(await client.roundTrip('5')).toBeLessThan(500);
    expect(client.received.toString()).toBe('12345');
  });

  it('loses and reorders nothing while toxics change under a busy connection', async () => {
    const proxy = await createProxy('rebuild');
    const client = await connect(proxy.listen);
    const messages: Buffer[] = [];
    const steps: (() => Promise<unknown>)[] = [
      () => addToxic(proxy, 'latency', { latency: 30, jitter: 25 }, { name: 'lag' }),
      () => addToxic(proxy, 'slicer', { average_size: 300, size_variation: 100, delay: 0 }, { name: 'cut' }),
      () => raw('PATCH', `/proxies/${proxy.name}/toxics/lag`, { attributes: { latency: 5, jitter: 5 } }),
      () => addToxic(proxy, 'bandwidth', { rate: 5_000 }, { name: 'slow' }),
      () => raw('DELETE', `/proxies/${proxy.name}/toxics/lag`),
      () => raw('DELETE', `/proxies/${proxy.name}/toxics/cut`),
      () => raw('DELETE', `/proxies/${proxy.name}/toxics/slow`),
    ];
    for (let round = 0; round <= steps.length; round += 1) {
      for (let index = 0; index < 40; index += 1) {
        const message = Buffer.from(`${String(round * 40 + index).padStart(6, '0')}:${'z'.repeat(1000)}\n`);
        messages.push(message);
        client.send(message);
      }
      await steps[round]?.();
    }
    const expected = Buffer.concat(messages);
    await client.waitForBytes(expected.length, 30_000);
    expect(client.received.equals(expected)).toBe(true);
  });

  it('toxicity 0 never applies', async () => {
    const proxy = await createProxy('toxicity');
    await addToxic(proxy, 'latency', { latency: 2_000, jitter: 0 }, { toxicity: 0 });
    const client = await connect(proxy.listen);
    expect(await client.roundTrip('fast')).toBeLessThan(1_500);
  });

  it('bandwidth: limits the rate, roughly', async () => {
    const proxy = await createProxy('bandwidth');
    await addToxic(proxy, 'bandwidth', { rate: 200 });
    const client = await connect(proxy.listen);
    const rttMs = await client.roundTrip(Buffer.alloc(100_000, 'b'));
    // 100 KB at 200 KB/s is 500 ms.
    expect(rttMs).toBeGreaterThanOrEqual(450);
    expect(rttMs).toBeLessThan(5_000);
  });

  it('slow_close: delays the close after the data', async () => {
    const bye = await startTcpServer((socket) => socket.end('bye'));
    cleanups.push(() => bye.stop());
    const proxy = await createProxy('slow_close', bye.address);
    await addToxic(proxy, 'slow_close', { delay: 300 });
    const connectMs = performance.now();
    const client = await connect(proxy.listen);
    const dataMs = await client.waitForBytes(3);
    const endMs = await client.waitForEnd();
    expect(client.received.toString()).toBe('bye');
    // The server closes as it sends, so the EOF reached the proxy after connect.
    expect(endMs - connectMs).toBeGreaterThanOrEqual(299);
    // The data was not held back with the close (loose: event-loop stalls delay 'data').
    expect(endMs - dataMs).toBeGreaterThanOrEqual(200);
  });

  it('timeout: drops the data, and removing it closes the connection', async () => {
    const proxy = await createProxy('timeout');
    const toxic = await addToxic(proxy, 'timeout', { timeout: 0 });
    const client = await connect(proxy.listen);
    const before = echo.receivedBytes;
    client.send('lost');
    await vi.waitFor(() => expect(echo.receivedBytes).toBeGreaterThanOrEqual(before + 4), { timeout: 5_000 });
    await toxic.remove();
    await client.waitForClose();
    expect(client.received.length).toBe(0);
  });

  it('timeout: closes after the timeout with nothing delivered', async () => {
    const proxy = await createProxy('timeout_ms');
    await addToxic(proxy, 'timeout', { timeout: 300 });
    const startMs = performance.now();
    const client = await connect(proxy.listen);
    client.send('lost');
    const closedMs = await client.waitForClose();
    expect(closedMs - startMs).toBeGreaterThanOrEqual(299);
    expect(client.received.length).toBe(0);
  });

  it('reset_peer: the client sees ECONNRESET', async () => {
    const proxy = await createProxy('reset_peer');
    await addToxic(proxy, 'reset_peer', { timeout: 0 }, { stream: 'upstream' });
    const client = await connect(proxy.listen);
    client.send('hello');
    await client.waitForClose();
    expect(client.error?.code).toBe('ECONNRESET');
  });

  it('reset_peer: removing it once data was swallowed still resets the connection', async () => {
    const proxy = await createProxy('reset_removed');
    const toxic = await addToxic(proxy, 'reset_peer', { timeout: 500 });
    const client = await connect(proxy.listen);
    const before = echo.receivedBytes;
    client.send('swallowed');
    await vi.waitFor(() => expect(echo.receivedBytes).toBeGreaterThanOrEqual(before + 9), { timeout: 5_000 });
    await toxic.remove();
    await client.waitForClose();
    expect(client.error?.code).toBe('ECONNRESET');
    expect(client.received.length).toBe(0);
  });

  it('limit_data: forwards the limit, then closes', async () => {
    const proxy = await createProxy('limit_data');
    await addToxic(proxy, 'limit_data', { bytes: 10 });
    const client = await connect(proxy.listen);
    client.send('0123456789abcdefghij');
    await client.waitForClose();
    expect(client.received.toString()).toBe('0123456789');
  });

  it('slicer: splits chunks, keeping every byte', async () => {
    const proxy = await createProxy('slicer');
    await addToxic(proxy, 'slicer', { average_size: 10, size_variation: 5, delay: 5_000 });
    const client = await connect(proxy.listen);
    const payload = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(3);
    await client.roundTrip(payload);
    expect(client.received.toString()).toBe(payload);
    expect(client.dataEvents).toBeGreaterThan(1);
  });
});

describe('proxy lifecycle with open connections', () => {
  it('disabling drops open connections; re-enabling listens on the same address', async () => {
    const proxy = await createProxy('disable');
    await addToxic(proxy, 'noop', {}, { name: 'kept' });
    const client = await connect(proxy.listen);
    await client.roundTrip('up');
    const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
    await client.waitForClose();
    await expect(TestClient.connect(proxy.listen)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const enabled = await disabled.update({ enabled: true, listen: proxy.listen, upstream: proxy.upstream });
    expect(enabled.listen).toBe(proxy.listen);
    const toxics = (await raw('GET', `/proxies/${proxy.name}/toxics`)).json() as { name: string }[];
    expect(toxics.map((toxic) => toxic.name)).toEqual(['kept']);
    const again = await connect(proxy.listen);
    await again.roundTrip('again');
  });

  it('changing the upstream drops open connections; new ones reach the new upstream', async () => {
    const other = await startEchoServer();
    cleanups.push(() => other.stop());
    const proxy = await createProxy('reroute');
    const client = await connect(proxy.listen);
    await client.roundTrip('old');
    await proxy.update({ enabled: true, listen: proxy.listen, upstream: other.address });
    await client.waitForClose();
    const next = await connect(proxy.listen);
    await next.roundTrip('new');
    expect(other.accepted).toBe(1);
  });

  it('deleting the proxy drops open connections', async () => {
    const proxy = await createProxy('drop');
    const client = await connect(proxy.listen);
    await client.roundTrip('x');
    await proxy.remove();
    await client.waitForClose();
  });
});
