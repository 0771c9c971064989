import { describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { DEAD_AFTER_PING_INTERVALS } from '../protocol/v1.ts';
import { RawHub } from '../protocol/raw-hub.test-support.ts';
import { startAgent } from './agent.test-support.ts';
import { PingGaps } from './ping-gaps.ts';

describe('PingGaps', () => {
  test('counts open -> first ping, between pings and last ping -> close, and says where the longest began', () => {
    const gaps = new PingGaps(1_000);
    gaps.ping(1_300); // 300 from the open
    gaps.ping(2_300); // 1_000: the longest, from 300 after the open
    gaps.ping(2_400);
    expect(gaps.close(3_200)).toEqual({ pings: 3, maxPingGapMs: 1_000, maxPingGapAtMs: 300 }); // 800 to the close
  });

  test('no ping: one gap as long as the connection, from the open', () => {
    expect(new PingGaps(500).close(4_500)).toEqual({ pings: 0, maxPingGapMs: 4_000, maxPingGapAtMs: 0 });
  });

  test('the stretch after the last ping counts when it is the longest', () => {
    const gaps = new PingGaps(0);
    gaps.ping(100);
    expect(gaps.close(900)).toEqual({ pings: 1, maxPingGapMs: 800, maxPingGapAtMs: 100 });
  });
});

describe('EdgeAgent records the pings of each connection on its ws.close', () => {
  test('a silent hub: the liveness check closes it with 0 pings and one gap as long as the connection', async () => {
    const pingIntervalMs = 100;
    await using hub = await RawHub.start();
    await using a = startAgent({ hubUrl: hub.url, pingIntervalMs });
    const close = await a.rec.first('ws.close');
    expect(close).toMatchObject({ by: 'dead', pings: 0, maxPingGapMs: close.openMs, maxPingGapAtMs: 0 });
    expect(close.maxPingGapMs).toBeGreaterThanOrEqual(pingIntervalMs * DEAD_AFTER_PING_INTERVALS - 1);
  });

  test('hand-timed pings: the longest gap and where it began; the agent\'s own stop reports them too', async () => {
    await using hub = await RawHub.start();
    const pongs = () => hub.times('pong', 1);
    hub.on('connection', async (socket: WebSocket) => {
      let pong = pongs();
      socket.ping();
      await pong;
      // The one long stretch the agent must report: at least 300 ms after its first ping.
      await new Promise((resolve) => setTimeout(resolve, 300));
      pong = pongs();
      socket.ping();
      await pong;
      hub.emit('pinged-twice');
    });
    await using a = startAgent({ hubUrl: hub.url, pingIntervalMs: 10_000 });
    const open = await a.rec.first('ws.open');
    await hub.times('pinged-twice', 1);
    await a.agent.stop();
    const close = a.rec.all('ws.close')[0]!;
    expect(close).toMatchObject({ by: 'stop', pings: 2 });
    expect(close.maxPingGapMs).toBeGreaterThanOrEqual(299);
    expect(close.maxPingGapMs).toBeLessThanOrEqual(close.openMs);
    // It began at the first ping, which came before the long stretch.
    expect(close.maxPingGapAtMs).toBeLessThan(close.openMs - close.maxPingGapMs! + 1);
    expect(close.maxPingGapAtMs).toBeLessThan(200);
    expect(close.t - open.t).toBeGreaterThanOrEqual(close.maxPingGapMs! - 1);
  });

  test('a hub that pings on time: every gap about one interval', async () => {
    await using hub = await RawHub.start({ pingIntervalMs: 40 });
    await using a = startAgent({ hubUrl: hub.url, pingIntervalMs: 100 });
    await a.rec.first('ws.open');
    await hub.times('pong', 10);
    await a.agent.stop();
    const close = a.rec.all('ws.close')[0]!;
    expect(close.pings).toBeGreaterThanOrEqual(10);
    expect(close.maxPingGapMs).toBeGreaterThan(0);
    expect(close.maxPingGapMs).toBeLessThan(40 * 10); // generous: a loaded CI machine
  });
});
