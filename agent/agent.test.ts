import { describe, expect, test } from 'vitest';
import { DEAD_AFTER_PING_INTERVALS } from '../protocol/v1.ts';
import { startHub } from '../server/start.ts';
import { RawHub } from '../protocol/raw-hub.test-support.ts';
import { startAgent } from './agent.test-support.ts';
import type WebSocket from 'ws';

const c = (id: string) => ({ id, name: `do-${id}`, payload: { id } });

describe('EdgeAgent commands', () => {
  test('applies a command id once but acks every delivery, across reconnects', async () => {
    await using hub = await RawHub.start();
    hub.on('connection', (socket: WebSocket) => {
      hub.send(socket, c('c1'));
      hub.send(socket, c('c1'));
      hub.send(socket, c('c2'));
    });
    await using a = startAgent({ hubUrl: hub.url });
    const { rec } = a;

    await rec.nth('command', 3);
    await hub.times('ws-ack', 3 - hub.wsAcks.length);
    expect(hub.wsAcks).toEqual(['c1', 'c1', 'c2']);
    expect(rec.all('command').map(({ id, repeat, transport }) => ({ id, repeat, transport }))).toEqual([
      { id: 'c1', repeat: false, transport: 'ws' },
      { id: 'c1', repeat: true, transport: 'ws' },
      { id: 'c2', repeat: false, transport: 'ws' },
    ]);

    // The hub drops the agent; on the next connection it sends c1 again: a repeat, acked, not applied.
    const acked = hub.times('ws-ack', 3);
    for (const socket of hub.sockets) socket.close(1012, 'Service Restart');
    await rec.nth('ws.open', 2);
    await acked;
    expect(hub.wsAcks).toEqual(['c1', 'c1', 'c2', 'c1', 'c1', 'c2']);
    expect(rec.all('command').filter((e) => !e.repeat).map((e) => e.id)).toEqual(['c1', 'c2']);
    expect(rec.all('ws.close')[0]).toMatchObject({ code: 1012, reason: 'Service Restart', by: 'remote' });
  });

  test('against the reference hub: an enqueued command is applied once and acked, so nothing stays pending', async () => {
    await using hub = await startHub();
    const a = startAgent({ hubUrl: hub.url, id: 'edge-7' });
    try {
      await a.rec.first('ws.open');
      const command = hub.hub.enqueue('edge-7', 'reboot', { delayS: 1 });
      expect(await a.rec.first('command')).toMatchObject({ id: command.id, name: 'reboot', transport: 'ws', repeat: false });
    } finally {
      // The close handshake follows the ack on the same socket, so after stop the hub has applied it.
      await a.agent.stop();
    }
    expect(hub.hub.store.pending('edge-7')).toEqual([]);
    expect(a.rec.all('ws.close')).toEqual([expect.objectContaining({ code: 1000, by: 'stop' })]);
    expect(a.rec.types()).not.toContain('poll.started');
  });
});

describe('EdgeAgent polling fallback', () => {
  test('polls while the WebSocket is down (commands applied once, acked by POST), pauses once it is up, resumes when it drops', async () => {
    await using hub = await RawHub.start({ acceptUpgrades: false, pingIntervalMs: 20 });
    hub.pollCommands = [c('p1')];
    await using a = startAgent({ hubUrl: hub.url });
    const { agent, rec } = a;

    expect(await rec.first('ws.failed')).toMatchObject({ status: 503 });
    await rec.first('poll.started');
    await rec.nth('poll', 3, (p) => p.ok);
    expect(agent.polling).toBe(true);
    expect(agent.connected).toBe(false);
    // Each poll delivered p1: applied once, acked every time.
    expect(rec.all('command').map((e) => e.repeat)).toEqual(rec.all('command').map((_, i) => i > 0));
    expect(rec.all('command')[0]).toMatchObject({ id: 'p1', transport: 'poll', repeat: false });
    if (hub.httpAcks.length === 0) await hub.times('http-ack', 1);
    expect(new Set(hub.httpAcks)).toEqual(new Set(['p1']));

    hub.pollCommands = [];
    hub.acceptUpgrades = true;
    const open = await rec.first('ws.open');
    const paused = await rec.first('poll.paused');
    expect(rec.events.indexOf(paused)).toBeGreaterThan(rec.events.indexOf(open));
    expect(agent.polling).toBe(false);
    expect(agent.connected).toBe(true);

    // Paused means paused: across ten ping round trips (~8 poll intervals) no poll arrives.
    // The count is taken after one round trip, so a poll already on the wire when the socket opened is not counted against it.
    await hub.times('pong', 1);
    const pollsAtPause = hub.polls;
    await hub.times('pong', 10);
    expect(hub.polls).toBe(pollsAtPause);

    // The link drops: the agent falls back to polling again.
    for (const socket of hub.sockets) socket.terminate();
    await rec.nth('poll.started', 2);
    expect(agent.polling).toBe(true);
  });
});

describe('EdgeAgent dead-connection detection', () => {
  test('a hub that sends nothing (no pings) is declared dead after about 2.5 ping intervals, and the agent reconnects', async () => {
    const pingIntervalMs = 200;
    await using hub = await RawHub.start(); // never pings, never sends; still answers pings (autoPong)
    await using a = startAgent({ hubUrl: hub.url, pingIntervalMs });
    const { rec } = a;

    const open = await rec.first('ws.open');
    const dead = await rec.first('ws.dead');
    const deadAfterMs = pingIntervalMs * DEAD_AFTER_PING_INTERVALS;
    expect(dead.silentMs).toBeGreaterThanOrEqual(deadAfterMs);
    expect(dead.t - open.t).toBeGreaterThanOrEqual(deadAfterMs - 1);
    expect(dead.t - open.t).toBeLessThan(deadAfterMs * 4); // generous: a loaded CI machine
    expect(await rec.first('ws.close')).toMatchObject({ by: 'dead', conn: 1 });
    expect(await rec.nth('ws.open', 2)).toMatchObject({ conn: 2 });
  });

  test('a hub that keeps pinging keeps the link alive', async () => {
    await using hub = await RawHub.start({ pingIntervalMs: 40 });
    await using a = startAgent({ hubUrl: hub.url, pingIntervalMs: 100 }); // dead after 250 ms of silence
    await a.rec.first('ws.open');
    await hub.times('pong', 25); // ~1 s: four times the dead-after window
    expect(a.rec.types()).not.toContain('ws.dead');
    expect(a.rec.all('ws.open')).toHaveLength(1);
    expect(a.agent.connected).toBe(true);
  });
});

describe('EdgeAgent reconnects', () => {
  test('a refused upgrade is reported with its HTTP status and retried with backoff', async () => {
    await using hub = await startHub({ tokens: ['right'] });
    await using a = startAgent({ hubUrl: hub.url, token: 'wrong' });
    const { rec } = a;
    await rec.nth('ws.failed', 2);
    expect(rec.all('ws.failed').map((f) => f.status)).toEqual([401, 401]);
    expect(await rec.first('poll', (p) => !p.ok)).toMatchObject({ status: 401 });
    const scheduled = rec.all('reconnect.scheduled');
    expect(scheduled.map((s) => s.attempt).slice(0, 2)).toEqual([1, 2]);
    for (const s of scheduled) expect(s.delayMs).toBeGreaterThanOrEqual(20);
  });

  test('the incident\'s signature: with resetAfterMs 0 every reconnect of a loop is attempt #1; with resetAfterMs the attempts climb', async () => {
    await using hub = await startHub({ defects: ['duplicate-ws-handler'] });
    await using eager = startAgent({ hubUrl: hub.url, id: 'eager', backoff: { minMs: 10, maxMs: 30 } });
    await using patient = startAgent({ hubUrl: hub.url, id: 'patient', backoff: { minMs: 10, maxMs: 30, resetAfterMs: 60_000 } });
    await Promise.all([eager.rec.nth('reconnect.scheduled', 3), patient.rec.nth('reconnect.scheduled', 3)]);
    expect(eager.rec.all('reconnect.scheduled').slice(0, 3).map((s) => s.attempt)).toEqual([1, 1, 1]);
    expect(patient.rec.all('reconnect.scheduled').slice(0, 3).map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(eager.rec.all('ws.close')[0]).toMatchObject({ code: 1000, reason: 'New connection established', by: 'remote' });
  });

  test('a graceful hub stop reaches the agent as 1012 "Service Restart"; the agent falls back to polling and keeps trying', async () => {
    const hub = await startHub();
    try {
      await using a = startAgent({ hubUrl: hub.url });
      await a.rec.first('ws.open');
      await hub.stop();
      expect(await a.rec.first('ws.close')).toMatchObject({ code: 1012, reason: 'Service Restart', by: 'remote' });
      await a.rec.first('poll.started');
      await a.rec.nth('ws.failed', 1);
    } finally {
      await hub.stop();
    }
  });

  test('stop() while waiting to reconnect cancels the retry and resolves', async () => {
    await using hub = await startHub({ tokens: ['right'] });
    const a = startAgent({ hubUrl: hub.url, backoff: { minMs: 60_000, maxMs: 60_000 } });
    await a.rec.first('reconnect.scheduled');
    const started = performance.now();
    await a.agent.stop();
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(a.agent.connected).toBe(false);
    expect(a.agent.polling).toBe(false);
    a.agent.start(); // a stopped agent stays stopped
    expect(a.rec.all('ws.connecting')).toHaveLength(1);
  });
});
