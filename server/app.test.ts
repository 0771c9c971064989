import { describe, expect, test } from 'vitest';
import { CLOSE_SERVICE_RESTART, encodeAck, pollUrl, wsUrl } from '../protocol/v1.ts';
import { RawClients, UpgradeRefused, enqueueCommand, nextClose, nextMessage, roundTrip, scrape } from './hub.test-support.ts';
import { startHub } from './start.ts';

const json = { 'content-type': 'application/json' };

describe('hub upgrade validation', () => {
  test('a missing or invalid edge_agent_id is refused with HTTP 400 before the upgrade', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    const base = wsUrl(hub.url, 'x').split('?')[0]!;
    expect(await clients.upgradeStatus(base)).toBe(400);
    expect(await clients.upgradeStatus(`${base}?edge_agent_id=`)).toBe(400);
    expect(await clients.upgradeStatus(wsUrl(hub.url, 'has space'))).toBe(400);
    expect(await clients.upgradeStatus(wsUrl(hub.url, 'a'.repeat(129)))).toBe(400);
    expect(await clients.upgradeStatus(wsUrl(hub.url, 'a'.repeat(128)))).toBe(101);
    const refused = await clients.open('bad/id').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect(JSON.parse((refused as UpgradeRefused).body)).toMatchObject({ status: 400 });
    expect((await scrape(hub.url)).sum('edge_hub_upgrades_rejected_total', { status: '400' })).toBe(5);
  });

  test('an upgrade on a path with no WebSocket route is refused with 404', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    expect(await clients.upgradeStatus(wsUrl(hub.url, 'edge-1').replace('/ws', '/nope'))).toBe(404);
  });

  test('with tokens configured, a missing or wrong bearer token gets 401 on the upgrade and on polling; the right one is let in', async () => {
    await using hub = await startHub({ tokens: ['s3cret', 'other'] });
    await using clients = new RawClients(hub.url);
    const url = wsUrl(hub.url, 'edge-1');
    expect(await clients.upgradeStatus(url)).toBe(401);
    expect(await clients.upgradeStatus(url, { token: 'wrong' })).toBe(401);
    expect(await clients.upgradeStatus(url, { authorization: 's3cret' })).toBe(401);
    expect(await clients.upgradeStatus(url, { token: 's3cret' })).toBe(101);
    expect(await clients.upgradeStatus(wsUrl(hub.url, 'edge-2'), { token: 'other' })).toBe(101);

    expect((await fetch(pollUrl(hub.url, 'edge-1'))).status).toBe(401);
    expect((await fetch(pollUrl(hub.url, 'edge-1'), { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(pollUrl(hub.url, 'edge-1'), { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
    const acks = await fetch(new URL('/edge/acks', hub.url), { method: 'POST', headers: json, body: JSON.stringify({ edge_agent_id: 'edge-1', ids: [] }) });
    expect(acks.status).toBe(401);
  });

  test('an invalid option is refused with EC_HUB_BAD_OPTION', async () => {
    await expect(startHub({ pingIntervalMs: 5 })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
    await expect(startHub({ pingIntervalMs: Number.NaN })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
  });
});

describe('hub HTTP polling fallback', () => {
  test('GET /edge/commands returns pending commands and POST /edge/acks answers {acked: n}', async () => {
    await using hub = await startHub();
    const first = await enqueueCommand(hub.url, 'edge-1', 'reboot', { delayS: 5 });
    const second = await enqueueCommand(hub.url, 'edge-1', 'update');
    await enqueueCommand(hub.url, 'edge-2', 'not-for-edge-1');

    const poll = async (agent: string) => (await (await fetch(pollUrl(hub.url, agent))).json()) as { commands: { id: string; name: string; payload: unknown }[] };
    expect((await poll('edge-1')).commands).toEqual([
      { id: first, name: 'reboot', payload: { delayS: 5 } },
      { id: second, name: 'update', payload: null },
    ]);
    // Polling delivers, but only an ack removes a command.
    expect((await poll('edge-1')).commands.map((c) => c.id)).toEqual([first, second]);

    const ack = await fetch(new URL('/edge/acks', hub.url), {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ edge_agent_id: 'edge-1', ids: [first, 'unknown-id'] }),
    });
    expect(ack.status).toBe(200);
    expect(await ack.json()).toEqual({ acked: 1 });
    expect((await poll('edge-1')).commands.map((c) => c.id)).toEqual([second]);
    expect((await poll('edge-3')).commands).toEqual([]);

    const metrics = await scrape(hub.url);
    expect(metrics.sum('edge_hub_commands_pending')).toBe(2);
    expect(metrics.sum('edge_hub_commands_acked_total')).toBe(1);
    expect(metrics.sum('edge_hub_commands_delivered_total', { transport: 'poll' })).toBe(5);
    expect(metrics.sum('edge_hub_poll_requests_total')).toBe(4);
  });

  test('polling without a valid edge_agent_id, or acking with a malformed body, is a 400', async () => {
    await using hub = await startHub();
    expect((await fetch(new URL('/edge/commands', hub.url))).status).toBe(400);
    expect((await fetch(pollUrl(hub.url, 'bad id'))).status).toBe(400);
    const post = (body: unknown) => fetch(new URL('/edge/acks', hub.url), { method: 'POST', headers: json, body: JSON.stringify(body) });
    expect((await post({ edge_agent_id: 'edge-1' })).status).toBe(400);
    expect((await post({ edge_agent_id: 'edge-1', ids: [{ id: 'x' }] })).status).toBe(400);
    expect((await post({ ids: [] })).status).toBe(400);
  });
});

describe('hub WebSocket delivery', () => {
  test('a command is sent at once to a connected agent, stays pending until acked, and is re-sent on each new connection', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);

    // Queued while the agent is away: sent as soon as it connects.
    const early = await enqueueCommand(hub.url, 'edge-1', 'early');
    let socket = await clients.open('edge-1');
    expect(await nextMessage(socket)).toEqual({ type: 'command', id: early, name: 'early', payload: null });

    // Queued while connected: sent at once.
    const next = nextMessage(socket);
    const live = await enqueueCommand(hub.url, 'edge-1', 'live', { n: 1 });
    expect(await next).toEqual({ type: 'command', id: live, name: 'live', payload: { n: 1 } });

    // Neither was acked: a new connection gets both again, oldest first.
    socket.close(1000, 'reconnecting');
    await nextClose(socket);
    socket = await clients.open('edge-1');
    expect([await nextMessage(socket), await nextMessage(socket)]).toEqual([
      { type: 'command', id: early, name: 'early', payload: null },
      { type: 'command', id: live, name: 'live', payload: { n: 1 } },
    ]);

    // Ack one over the socket. The close handshake follows the ack on the same stream, so once it completes the hub has applied the ack.
    socket.send(encodeAck(early));
    socket.send('not json'); // ignored, not fatal
    socket.send(JSON.stringify({ type: 'ack' })); // an ack without an id: ignored
    await roundTrip(socket);
    socket.close(1000, 'reconnecting');
    await nextClose(socket);

    socket = await clients.open('edge-1');
    expect(await nextMessage(socket)).toEqual({ type: 'command', id: live, name: 'live', payload: { n: 1 } });
    const metrics = await scrape(hub.url);
    expect(metrics.sum('edge_hub_commands_pending')).toBe(1);
    expect(metrics.sum('edge_hub_commands_acked_total')).toBe(1);
    expect(metrics.sum('edge_hub_commands_delivered_total', { transport: 'ws' })).toBe(5);
  });

  test('a graceful stop closes every socket with 1012 "Service Restart"; stop() is idempotent', async () => {
    const hub = await startHub();
    await using clients = new RawClients(hub.url);
    const sockets = await Promise.all(['edge-1', 'edge-2', 'edge-3'].map((id) => clients.open(id)));
    const closes = sockets.map(nextClose);
    await hub.stop();
    expect(await Promise.all(closes)).toEqual(sockets.map(() => ({ code: CLOSE_SERVICE_RESTART.code, reason: CLOSE_SERVICE_RESTART.reason })));
    expect(CLOSE_SERVICE_RESTART).toEqual({ code: 1012, reason: 'Service Restart' });
    // Stopped means stopped: nothing listens any more, and stop() is idempotent.
    await expect(fetch(new URL('/healthz', hub.url))).rejects.toThrow();
    await hub.stop();
  });

  test('/healthz reports the protocol version and live connections', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    await clients.open('edge-1');
    expect(await (await fetch(new URL('/healthz', hub.url))).json()).toEqual({ status: 'ok', protocol: 1, connections: 1 });
  });

  test('two hubs in one process keep separate metrics', async () => {
    await using a = await startHub();
    await using b = await startHub();
    await enqueueCommand(a.url, 'edge-1', 'only-on-a');
    expect((await scrape(a.url)).sum('edge_hub_commands_enqueued_total')).toBe(1);
    expect((await scrape(b.url)).sum('edge_hub_commands_enqueued_total')).toBe(0);
  });
});

describe('hub timers', () => {
  test('a ping interval above 24 h is refused: Node would fire a timer past 2^31-1 ms after 1 ms', async () => {
    await expect(startHub({ pingIntervalMs: 36_000 * 60_000 })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION', message: expect.stringContaining('24h') });
    await expect(startHub({ pingIntervalMs: 24 * 3_600_000 + 1 })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
  });
});
