import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest, startEchoServer } from './conformance-support.ts';
import type { RawResponse, TcpServerFixture } from './conformance-support.ts';
import { MAX_NAME_URL_BYTES } from './bodies.ts';
import { startToxiproxyServer } from './server.ts';
import type { StartedToxiproxyServer } from './server.ts';

/**
 * One rule for names: a name the API accepts can be read, changed and
 * deleted through its URL. Up to MAX_NAME_URL_BYTES once percent-encoded it
 * is addressable; past that it is refused at creation with 400.
 */

let server: StartedToxiproxyServer;
let echo: TcpServerFixture;

beforeAll(async () => {
  server = await startToxiproxyServer({ port: 0 });
  echo = await startEchoServer();
});

afterAll(async () => {
  await echo.stop();
  await server.stop();
});

function raw(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return rawRequest(server.url, method, path, body);
}

async function roundTrip(proxyName: string, toxicName: string): Promise<void> {
  const proxyPath = `/proxies/${encodeURIComponent(proxyName)}`;
  const toxicPath = `${proxyPath}/toxics/${encodeURIComponent(toxicName)}`;
  expect((await raw('POST', '/proxies', { name: proxyName, listen: '127.0.0.1:0', upstream: echo.address })).status).toBe(201);
  expect((await raw('GET', proxyPath)).status).toBe(200);
  expect((await raw('POST', `${proxyPath}/toxics`, { name: toxicName, type: 'latency' })).status).toBe(200);
  const toxic = await raw('GET', toxicPath);
  expect(toxic.status).toBe(200);
  expect((toxic.json() as { name: string }).name).toBe(toxicName);
  expect((await raw('POST', toxicPath, { attributes: { latency: 5 } })).status).toBe(200);
  expect((await raw('DELETE', toxicPath)).status).toBe(204);
  expect((await raw('POST', proxyPath, { enabled: false })).status).toBe(200);
  expect((await raw('DELETE', proxyPath)).status).toBe(204);
  expect((await raw('GET', proxyPath)).status).toBe(404);
}

describe('long names', () => {
  it('a name of 1,500 characters can be created, read, updated and deleted', async () => {
    await roundTrip('p'.repeat(1_500), 't'.repeat(1_500));
  });

  it('names right at the limit, proxy and toxic in one URL, are addressable', async () => {
    await roundTrip('p'.repeat(MAX_NAME_URL_BYTES), 't'.repeat(MAX_NAME_URL_BYTES));
  });

  it('the limit counts percent-encoded bytes: é is 6 (%C3%A9)', async () => {
    await roundTrip('é'.repeat(Math.floor(MAX_NAME_URL_BYTES / 6)), 'ü'.repeat(Math.floor(MAX_NAME_URL_BYTES / 6)));
  });

  it('a longer name is refused at creation with 400 naming the limit, and nothing is created', async () => {
    const name = 'p'.repeat(MAX_NAME_URL_BYTES + 1);
    const refused = await raw('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: echo.address });
    expect(refused.status).toBe(400);
    expect((refused.json() as { error: string }).error).toContain(String(MAX_NAME_URL_BYTES));
    const populate = await raw('POST', '/populate', [{ name, listen: '127.0.0.1:0', upstream: echo.address }]);
    expect(populate.status).toBe(400);
    expect(Object.keys((await raw('GET', '/proxies')).json() as object)).toEqual([]);

    expect((await raw('POST', '/proxies', { name: 'short', listen: '127.0.0.1:0', upstream: echo.address })).status).toBe(201);
    const toxic = await raw('POST', '/proxies/short/toxics', { name: 'é'.repeat(Math.floor(MAX_NAME_URL_BYTES / 6) + 1), type: 'latency' });
    expect(toxic.status).toBe(400);
    expect(((await raw('GET', '/proxies/short/toxics')).json() as unknown[]).length).toBe(0);
    expect((await raw('DELETE', '/proxies/short')).status).toBe(204);
  });
});
