import { describe, expect, test } from 'vitest';
import { CLOSE_REPLACED } from '../protocol/v1.ts';
import { RawClients, enqueueCommand, nextClose, nextMessage, roundTrip, scrape } from './hub.test-support.ts';
import { startHub } from './start.ts';

describe('ConnectionManager replace semantics, over real sockets', () => {
  test('a second connection for the same edge_agent_id closes the first with 1000 "New connection established"; the new one stays up', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    const first = await clients.open('edge-1');
    const firstClosed = nextClose(first);
    const second = await clients.open('edge-1');

    expect(await firstClosed).toEqual({ code: CLOSE_REPLACED.code, reason: CLOSE_REPLACED.reason });
    expect(CLOSE_REPLACED).toEqual({ code: 1000, reason: 'New connection established' });
    // The survivor still answers, and it is the one the hub now delivers to.
    await roundTrip(second);
    const delivered = nextMessage(second);
    const id = await enqueueCommand(hub.url, 'edge-1', 'reboot');
    expect(await delivered).toMatchObject({ type: 'command', id, name: 'reboot' });
    expect(hub.hub.connections.size).toBe(1);

    const metrics = await scrape(hub.url);
    expect(metrics.sum('edge_hub_connections_replaced_total')).toBe(1);
    expect(metrics.sum('edge_hub_disconnects_total', { code: '1000', reason: 'New connection established' })).toBe(1);
    expect(metrics.sum('edge_hub_connections_open')).toBe(1);
  });

  test('a connection for a different edge_agent_id replaces nothing', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    const a = await clients.open('edge-a');
    const b = await clients.open('edge-b');
    // Both answer after the second registration: neither was closed.
    await Promise.all([roundTrip(a), roundTrip(b)]);
    expect(hub.hub.connections.size).toBe(2);
    expect((await scrape(hub.url)).sum('edge_hub_connections_replaced_total')).toBe(0);
  });

  test('each replacement counts once, and only the newest connection is kept', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    const closes = [];
    for (let i = 0; i < 3; i++) {
      const socket = await clients.open('edge-1');
      closes.push(nextClose(socket));
    }
    // The first two were replaced; the third is live.
    expect(await Promise.all(closes.slice(0, 2))).toEqual([
      { code: 1000, reason: 'New connection established' },
      { code: 1000, reason: 'New connection established' },
    ]);
    expect((await scrape(hub.url)).sum('edge_hub_connections_replaced_total')).toBe(2);
    expect(hub.hub.connections.size).toBe(1);
  });

  test('when the agent closes its own socket the hub forgets it, so a later connection is not a replacement', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    const first = await clients.open('edge-1');
    const closed = nextClose(first);
    first.close(1000, 'bye');
    await closed; // the close handshake completed, so the hub has seen it
    const second = await clients.open('edge-1');
    await roundTrip(second);
    expect((await scrape(hub.url)).sum('edge_hub_connections_replaced_total')).toBe(0);
  });
});

describe('ConnectionManager heartbeat', () => {
  test('a peer that stops answering pings is terminated; one that answers stays up', async () => {
    await using hub = await startHub({ pingIntervalMs: 50 });
    await using clients = new RawClients(hub.url);
    const silent = await clients.open('half-open', { autoPong: false });
    const healthy = await clients.open('healthy');

    const { code } = await nextClose(silent);
    expect(code).toBe(1006); // terminated: no close frame

    // The peer that answers outlives three more heartbeats (each would have terminated it had it not answered).
    const survived = new Promise<'survived'>((resolve) => {
      let pings = 0;
      healthy.on('ping', () => {
        if (++pings === 3) resolve('survived');
      });
    });
    expect(await Promise.race([survived, nextClose(healthy)])).toBe('survived');
    // Later heartbeats run after the terminated socket's close was handled, so the hub holds only the healthy peer.
    expect(hub.hub.connections.get('half-open')).toBeUndefined();
    expect(hub.hub.connections.get('healthy')).toBeDefined();
  });
});
