import { expect, test } from 'vitest';
import type WebSocket from 'ws';
import { HEALTH_PATH } from '../../protocol/v1.ts';
import { RawClients, roundTrip, within } from '../hub.test-support.ts';
import { startHub } from '../start.ts';

/** Memory outside the V8 heap: the leak's frame copies land there, and nothing else in this test allocates much of it. */
const external = () => process.memoryUsage().external;

/**
 * Resolves with the count once the hub has pinged `socket` `count` times
 * from now, then makes sure the hub has read every pong answering them:
 * ws sends the pong before it emits 'ping', so each one left before our own
 * ping, and the hub answers that only after reading what came before it.
 */
async function pingsAnswered(socket: WebSocket, count: number): Promise<number> {
  let seen = 0;
  let onPing = () => {};
  await within(new Promise<void>((resolve) => {
    onPing = () => {
      if (++seen >= count) resolve();
    };
    socket.on('ping', onPing);
  }), `${count} pings`).finally(() => socket.off('ping', onPing));
  await roundTrip(socket);
  return seen;
}

test('slow-leak keeps memory for every pong, so it grows with heartbeat traffic, not only with connections', async () => {
  await using hub = await startHub({ defects: ['slow-leak'], pingIntervalMs: 20 });
  // The first fetch loads undici, which can hold this process's event loop (the hub's too) past
  // two 20 ms ping intervals and get the socket dropped as dead; load it before the socket opens.
  await (await fetch(`${hub.url}${HEALTH_PATH}`)).text();
  await using clients = new RawClients(hub.url);
  const socket = await clients.open('edge-1');
  const before = external();
  const pongs = await pingsAnswered(socket, 10);
  // Each pong answered keeps a 32 KB frame copy that no GC can free; two frames of slack.
  expect(pongs).toBeGreaterThanOrEqual(10);
  expect(external() - before).toBeGreaterThanOrEqual((pongs - 2) * 32 * 1024);
  // The hub still does its job: the socket is live and registered.
  const health = (await (await fetch(`${hub.url}${HEALTH_PATH}`)).json()) as { connections: number };
  expect(health.connections).toBe(1);
});

test('a hub without the defect keeps nothing per pong', async () => {
  await using hub = await startHub({ pingIntervalMs: 20 });
  await using clients = new RawClients(hub.url);
  const socket = await clients.open('edge-1');
  const before = external();
  // 30 pongs (about what 600 ms brought before): the leak's frame copies alone would be 960 KB.
  const pings = await pingsAnswered(socket, 30);
  expect(pings).toBeGreaterThanOrEqual(10);
  expect(external() - before).toBeLessThan(256 * 1024);
});
