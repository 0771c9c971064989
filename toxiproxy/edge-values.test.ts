import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, rawRequest, startEchoServer, uniqueName } from './conformance-support.ts';
import type { RawResponse, TcpServerFixture } from './conformance-support.ts';
import { startToxiproxyServer } from './server.ts';
import type { StartedToxiproxyServer } from './server.ts';

/**
 * Values at the edges of what real Toxiproxy 2.12 accepts (toxics/*.go and
 * toxic_collection.go): the API takes them as real does, and where real
 * would crash or misbehave on the first byte, the embedded server keeps
 * working. Embedded only: several of these take a real Toxiproxy down.
 */

let server: StartedToxiproxyServer;
let echo: TcpServerFixture;
const cleanups: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  server = await startToxiproxyServer({ port: 0 });
  echo = await startEchoServer();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await echo.stop();
  await server.stop();
});

function raw(method: string, path: string, body?: unknown): Promise<RawResponse> {
  return rawRequest(server.url, method, path, body);
}

async function proxyWith(label: string, toxic: Record<string, unknown>): Promise<{ name: string; listen: string; response: RawResponse }> {
  const name = uniqueName(label);
  const created = await raw('POST', '/proxies', { name, listen: '127.0.0.1:0', upstream: echo.address });
  expect(created.status).toBe(201);
  cleanups.push(() => raw('DELETE', `/proxies/${name}`).then(() => undefined));
  const response = await raw('POST', `/proxies/${name}/toxics`, toxic);
  return { name, listen: (created.json() as { listen: string }).listen, response };
}

async function connect(address: string): Promise<TestClient> {
  const client = await TestClient.connect(address);
  cleanups.push(() => void client.socket.destroy());
  return client;
}

describe('accepted as real Toxiproxy accepts them', () => {
  // toxiproxy-node-client's own suite adds exactly this one.
  it('slicer with size_variation equal to average_size: 200, and every byte arrives', async () => {
    const { listen, response } = await proxyWith('slicer_eq', { type: 'slicer', attributes: { average_size: 10, size_variation: 10, delay: 0 } });
    expect(response.status).toBe(200);
    const client = await connect(listen);
    const payload = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(20);
    await client.roundTrip(payload);
    expect(client.received.toString()).toBe(payload);
  });

  it('slicer with a negative size_variation (real: pieces of at most average + variation)', async () => {
    const { listen, response } = await proxyWith('slicer_neg', { type: 'slicer', attributes: { average_size: 20, size_variation: -5 } });
    expect(response.status).toBe(200);
    const client = await connect(listen);
    const payload = 'x'.repeat(500);
    await client.roundTrip(payload);
    expect(client.received.toString()).toBe(payload);
  });

  // Real Toxiproxy recurses forever (average 0) or slices out of range and
  // panics (variation above average) on the first byte; we cut 1-byte pieces at worst.
  for (const attributes of [{ average_size: 0 }, { average_size: -3 }, { average_size: 2, size_variation: 50 }, { average_size: 1, size_variation: 1 }]) {
    it(`slicer ${JSON.stringify(attributes)}: 200, and the proxy keeps carrying data`, async () => {
      const { listen, response } = await proxyWith('slicer_bad', { type: 'slicer', attributes });
      expect(response.status).toBe(200);
      const client = await connect(listen);
      const payload = 'hello through a slicer that would crash real Toxiproxy';
      await client.roundTrip(payload);
      expect(client.received.toString()).toBe(payload);
    });
  }

  it('toxicity outside [0, 1]: real takes any float32 (above 1 always applies, below 0 never)', async () => {
    const always = await proxyWith('toxicity_high', { type: 'limit_data', toxicity: 1.5, attributes: { bytes: 3 } });
    expect(always.response.status).toBe(200);
    expect((always.response.json() as { toxicity: number }).toxicity).toBe(1.5);
    const cut = await connect(always.listen);
    cut.send('abcdef');
    await cut.waitForClose();
    expect(cut.received.toString()).toBe('abc');

    const never = await proxyWith('toxicity_low', { type: 'limit_data', toxicity: -0.5, attributes: { bytes: 3 } });
    expect(never.response.status).toBe(200);
    const client = await connect(never.listen);
    await client.roundTrip('abcdef');
    expect(client.received.toString()).toBe('abcdef');

    const update = await raw('POST', `/proxies/${never.name}/toxics/limit_data_downstream`, { toxicity: 7 });
    expect(update.status).toBe(200);
  });

  it('toxicity past float32 is refused, as Go cannot decode it', async () => {
    const { response } = await proxyWith('toxicity_huge', { type: 'latency', toxicity: 1e39 });
    expect(response.status).toBe(400);
  });

  it('integer attributes up to int64, not only up to 2^53 (Go decodes into int64)', async () => {
    const { response } = await proxyWith('int64', { type: 'limit_data', attributes: { bytes: 9_000_000_000_000_000_000 } });
    expect(response.status).toBe(200);
    const { response: tooBig } = await proxyWith('int64_over', { type: 'limit_data', attributes: { bytes: 1e20 } });
    expect(tooBig.status).toBe(400);
    const { response: fraction } = await proxyWith('fraction', { type: 'limit_data', attributes: { bytes: 1.5 } });
    expect(fraction.status).toBe(400);
  });

  it('bandwidth with a rate whose 100 ms piece overflows int64 in Go still carries data', async () => {
    const { listen, response } = await proxyWith('rate_huge', { type: 'bandwidth', attributes: { rate: 9_000_000_000_000_000_000 } });
    expect(response.status).toBe(200);
    const client = await connect(listen);
    await client.roundTrip('fast enough');
    expect(client.received.toString()).toBe('fast enough');
  });

  it('latency with a jitter whose doubling overflows int64 in Go (real panics) still answers', async () => {
    const { listen, response } = await proxyWith('jitter_huge', { type: 'latency', attributes: { latency: 0, jitter: 9_000_000_000_000_000_000 } });
    expect(response.status).toBe(200);
    // The jitter may delay forever; the server must keep answering and the proxy accepting.
    await connect(listen);
    expect((await raw('GET', '/version')).status).toBe(200);
  });
});

/**
 * Past 2^31-1 ms Node's setTimeout fires after 1 ms (with a warning). Each
 * case runs the toxic with 3,000,000,000 ms (about 35 days) next to a control
 * with 100 ms; when the control has acted, the long one must not have.
 */
describe('times past Node timer limit (2^31-1 ms)', () => {
  const LONG_MS = 3_000_000_000;
  const overflowWarnings: string[] = [];
  const onWarning = (warning: Error): void => {
    if (warning.name === 'TimeoutOverflowWarning') overflowWarnings.push(warning.message);
  };
  beforeAll(() => void process.on('warning', onWarning));
  afterAll(() => void process.off('warning', onWarning));
  afterEach(() => expect(overflowWarnings.splice(0)).toEqual([]));

  async function pair(
    label: string,
    type: string,
    attribute: string,
    scale: number,
    extra: Record<string, unknown> = {},
  ): Promise<{ long: TestClient; control: TestClient }> {
    const make = async (ms: number): Promise<TestClient> => {
      const { listen, response } = await proxyWith(label, { type, ...extra, attributes: { ...(extra['attributes'] as object), [attribute]: ms * scale } });
      expect(response.status).toBe(200);
      return connect(listen);
    };
    return { long: await make(LONG_MS), control: await make(100) };
  }

  it('timeout: holds the connection (real: effectively forever)', async () => {
    const { long, control } = await pair('timeout_long', 'timeout', 'timeout', 1);
    await control.waitForClose();
    expect(long.closed).toBe(false);
  });

  it('reset_peer: waits before resetting', async () => {
    const { long, control } = await pair('reset_long', 'reset_peer', 'timeout', 1);
    long.send('x');
    control.send('x');
    await control.waitForClose();
    expect(long.closed).toBe(false);
  });

  it('slow_close: holds the close', async () => {
    const { long, control } = await pair('slow_close_long', 'slow_close', 'delay', 1);
    long.socket.end();
    control.socket.end();
    await control.waitForEnd();
    expect(long.endedAtMs).toBeUndefined();
  });

  it('latency: holds the data, with no 1 ms timer spinning', async () => {
    const { long, control } = await pair('latency_long', 'latency', 'latency', 1);
    long.send('held');
    control.send('soon');
    await control.waitForBytes(4);
    expect(long.received.length).toBe(0);
  });

  it('latency + jitter past the limit: holds too', async () => {
    const { long } = await pair('jitter_long', 'latency', 'jitter', 1, { attributes: { latency: LONG_MS } });
    const { control } = await pair('jitter_control', 'latency', 'latency', 1);
    long.send('held');
    control.send('soon');
    await control.waitForBytes(4);
    expect(long.received.length).toBe(0);
  });

  it('slicer: a delay in microseconds past the limit holds the next piece', async () => {
    const { long, control } = await pair('slicer_long', 'slicer', 'delay', 1_000, { attributes: { average_size: 5 } });
    long.send('0123456789');
    control.send('0123456789');
    await control.waitForBytes(10);
    expect(long.received.toString()).toBe('01234');
  });
});
