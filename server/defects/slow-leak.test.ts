import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from 'vitest';
import { HEALTH_PATH } from '../../protocol/v1.ts';
import { RawClients } from '../hub.test-support.ts';
import { startHub } from '../start.ts';

/** Memory outside the V8 heap: the leak's frame copies land there, and nothing else in this test allocates much of it. */
const external = () => process.memoryUsage().external;

test('slow-leak keeps memory for every pong, so it grows with heartbeat traffic, not only with connections', async () => {
  await using hub = await startHub({ defects: ['slow-leak'], pingIntervalMs: 20 });
  await using clients = new RawClients(hub.url);
  const socket = await clients.open('edge-1');
  let pings = 0;
  socket.on('ping', () => pings++);
  const before = external();
  await sleep(600);
  const pongs = pings;
  // Each pong answered keeps a 32 KB frame copy that no GC can free; allow for the last pong still on the wire.
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
  let pings = 0;
  socket.on('ping', () => pings++);
  const before = external();
  await sleep(600);
  expect(pings).toBeGreaterThanOrEqual(10);
  expect(external() - before).toBeLessThan(256 * 1024);
});
