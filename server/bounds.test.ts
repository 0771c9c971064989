import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, test } from 'vitest';
import { encodeAck, pollUrl } from '../protocol/v1.ts';
import { RawClients, enqueueCommand, nextClose, nextMessage, scrape, within } from './hub.test-support.ts';
import { startHub } from './start.ts';

const json = { 'content-type': 'application/json' };
const post = (url: string, path: string, body: unknown) => fetch(new URL(path, url), { method: 'POST', headers: json, body: JSON.stringify(body) });

describe('bounded hub', () => {
  test('an agent with maxPendingPerAgent commands pending gets no more (429 naming the cap); others still do; an ack frees a place', async () => {
    await using hub = await startHub({ maxPendingPerAgent: 3 });
    const ids = [await enqueueCommand(hub.url, 'edge-1', 'a'), await enqueueCommand(hub.url, 'edge-1', 'b'), await enqueueCommand(hub.url, 'edge-1', 'c')];
    const full = await post(hub.url, '/admin/commands', { edge_agent_id: 'edge-1', name: 'd' });
    expect(full.status).toBe(429);
    expect(((await full.json()) as { error: string }).error).toMatch(/3 commands pending.*maxPendingPerAgent/);
    await enqueueCommand(hub.url, 'edge-2', 'other agent');
    await post(hub.url, '/edge/acks', { edge_agent_id: 'edge-1', ids: [ids[0]] });
    await enqueueCommand(hub.url, 'edge-1', 'd');
  });

  test('polls are paged: ?limit=N answers at most N with more: true while more wait; the default page is pollPageSize', async () => {
    await using hub = await startHub({ pollPageSize: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await enqueueCommand(hub.url, 'edge-1', `c${i}`));
    const poll = async (query = '') => (await (await fetch(pollUrl(hub.url, 'edge-1') + query)).json()) as { commands: { id: string }[]; more: boolean };
    expect(await poll()).toMatchObject({ more: true, commands: ids.slice(0, 3).map((id) => ({ id })) });
    expect(await poll('&limit=2')).toMatchObject({ more: true, commands: ids.slice(0, 2).map((id) => ({ id })) });
    expect(await poll('&limit=5')).toMatchObject({ more: false, commands: ids.map((id) => ({ id })) });
    await post(hub.url, '/edge/acks', { edge_agent_id: 'edge-1', ids: ids.slice(0, 3) });
    expect(await poll()).toMatchObject({ more: false, commands: ids.slice(3).map((id) => ({ id })) });
    for (const bad of ['0', '1001', 'x', '2&limit=3', '-1', '1.5']) expect((await fetch(`${pollUrl(hub.url, 'edge-1')}&limit=${bad}`)).status, bad).toBe(400);
  });

  test('close reasons in metrics: known ones by name, anything else as "other"', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    for (const [code, reason] of [[1000, 'agent stopping'], [1000, 'made up 1'], [4000, 'made up 2'], [1001, '']] as const) {
      const socket = await clients.open('edge-1');
      socket.close(code, reason);
      await nextClose(socket);
    }
    const metrics = await scrape(hub.url);
    expect(metrics.sum('edge_hub_disconnects_total', { code: '1000', reason: 'agent stopping' })).toBe(1);
    expect(metrics.sum('edge_hub_disconnects_total', { code: '1000', reason: 'other' })).toBe(1);
    expect(metrics.sum('edge_hub_disconnects_total', { code: 'other', reason: 'other' })).toBe(1);
    expect(metrics.sum('edge_hub_disconnects_total', { code: '1001', reason: '' })).toBe(1);
  });

  test('a half-sent request body is dropped after requestTimeoutMs; an open WebSocket is not', async () => {
    await using hub = await startHub({ requestTimeoutMs: 300, pingIntervalMs: 50 });
    await using clients = new RawClients(hub.url);
    const ws = await clients.open('edge-1');
    const socket = connect(hub.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write('POST /edge/acks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"edge_');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    socket.on('error', () => {});
    const startedAt = performance.now();
    await within(once(socket, 'close'), 'close of the stalled request', 5_000);
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    // 20 hub pings (1 s) later the WebSocket, idle but alive, is still up.
    let pings = 0;
    await within(new Promise<void>((resolve) => ws.on('ping', () => ++pings === 20 && resolve())), '20 pings');
    const next = nextMessage(ws);
    await enqueueCommand(hub.url, 'edge-1', 'still here');
    expect(await next).toMatchObject({ name: 'still here' });
  });

  test('one socket flooding ack frames is closed with 1008 past its frame budget; /healthz and other sockets stay responsive', async () => {
    await using hub = await startHub({ wsFrameBudget: 200, wsFrameWindowMs: 1_000 });
    await using clients = new RawClients(hub.url);
    const flooder = await clients.open('flooder');
    const other = await clients.open('edge-2');
    const closed = nextClose(flooder);
    const frame = encodeAck('00000000-0000-0000-0000-000000000000');
    for (let i = 0; i < 50_000; i++) flooder.send(frame);
    const t0 = performance.now();
    const health = await fetch(new URL('/healthz', hub.url));
    expect(health.status).toBe(200);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await closed).toEqual({ code: 1008, reason: 'frame rate limit exceeded' });
    const next = nextMessage(other);
    await enqueueCommand(hub.url, 'edge-2', 'fair');
    expect(await next).toMatchObject({ name: 'fair' });
  });

  test('limits that cannot work are refused with EC_HUB_BAD_OPTION', async () => {
    for (const options of [{ maxPendingPerAgent: 0 }, { pollPageSize: 1_001 }, { requestTimeoutMs: 86_400_001 }, { wsFrameWindowMs: 2 ** 31 }, { wsFrameBudget: 0.5 }]) {
      await expect(startHub(options), JSON.stringify(options)).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION' });
    }
  });
});

