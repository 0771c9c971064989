import { Toxiproxy } from 'toxiproxy-node-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient, startEchoServer } from './conformance-support.ts';
import type { TcpServerFixture } from './conformance-support.ts';
import type { ToxicDelayEvent } from './proxy.ts';
import { startToxiproxyServer } from './server.ts';

/**
 * Replays that replay: with one seed, the same traffic through real
 * connections draws the same latency + jitter for every chunk. The draws are
 * read from the `onToxicDelay` hook (what the toxic scheduled), not from
 * wall-clock timings.
 */

let echo: TcpServerFixture;
beforeAll(async () => {
  echo = await startEchoServer();
});
afterAll(async () => {
  await echo.stop();
});

/** Two connections, one after the other, ten round trips each, through proxy `p` with a jittery latency. */
async function drawnDelays(seed: string | number | undefined, options: { extraProxyFirst?: boolean } = {}): Promise<string[]> {
  const events: ToxicDelayEvent[] = [];
  await using server = await startToxiproxyServer({ port: 0, seed, onToxicDelay: (event) => events.push(event) });
  const client = new Toxiproxy(server.url);
  if (options.extraProxyFirst === true) {
    const other = await client.createProxy({ name: 'other', listen: '127.0.0.1:0', upstream: echo.address });
    await other.addToxic({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 3, jitter: 3 } });
    const socket = await TestClient.connect(other.listen);
    await socket.roundTrip('shift me');
    socket.socket.destroy();
  }
  const proxy = await client.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
  await proxy.addToxic({ name: 'lag', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 5, jitter: 5 } });
  await proxy.addToxic({ name: 'lag_up', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 2, jitter: 2 } });
  for (let connection = 0; connection < 2; connection += 1) {
    const socket = await TestClient.connect(proxy.listen);
    for (let trip = 0; trip < 10; trip += 1) await socket.roundTrip(`trip ${trip}`);
    socket.socket.destroy();
  }
  return events
    .filter((event) => event.proxy === 'p')
    .map((event) => `${event.connection} ${event.stream} ${event.toxic} ${event.delayMs}`);
}

describe('seeded toxics', () => {
  it('the same seed draws the same delays per connection and toxic; another seed does not', async () => {
    const first = await drawnDelays(42);
    expect(first).toHaveLength(40);
    // Up and down draws interleave with timing; each toxic's own sequence is what must repeat.
    const again = await drawnDelays(42);
    expect([...again].sort()).toEqual([...first].sort());
    const keys = ['1 downstream lag ', '1 upstream lag_up ', '2 downstream lag ', '2 upstream lag_up '];
    const perToxic = (lines: string[]) => keys.map((key) => lines.filter((line) => line.startsWith(key)));
    expect(perToxic(again)).toEqual(perToxic(first));
    const other = await drawnDelays(43);
    expect(perToxic(other)).not.toEqual(perToxic(first));
  });

  it('another proxy used first shifts nothing in this one', async () => {
    const alone = await drawnDelays('replay');
    const crowded = await drawnDelays('replay', { extraProxyFirst: true });
    expect(crowded).toEqual(alone);
  });

  it('a server without a seed draws one and reports it, so the run can be replayed', async () => {
    await using server = await startToxiproxyServer({ port: 0 });
    expect(server.seed).toMatch(/^\d+$/);
  });
});
