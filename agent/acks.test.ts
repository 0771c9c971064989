import { describe, expect, test } from 'vitest';
import type WebSocket from 'ws';
import { RawHub } from '../protocol/raw-hub.test-support.ts';
import { startAgent } from './agent.test-support.ts';

const c = (id: string) => ({ id, name: `do-${id}`, payload: null });

/**
 * What the delivery check needs to see past the apply-once set: which
 * connection brought each delivery, and every ack the agent sent (over which
 * transport, on which connection, or whether the hub answered the POST).
 */
describe('EdgeAgent records deliveries and acks', () => {
  test('WebSocket: each delivery names its connection; acks are recorded in batches per connection, before that connection closes', async () => {
    await using hub = await RawHub.start();
    hub.on('connection', (socket: WebSocket) => {
      hub.send(socket, c('c1'));
      hub.send(socket, c('c1'));
      hub.send(socket, c('c2'));
    });
    await using a = startAgent({ hubUrl: hub.url });
    const { rec } = a;
    const ackedIds = (conn: number) => rec.all('command.acked').filter((e) => e.transport === 'ws' && e.conn === conn).flatMap((e) => e.ids);

    await rec.until(() => (ackedIds(1).length === 3 ? true : undefined), 'three acks on conn 1');
    expect(ackedIds(1)).toEqual(['c1', 'c1', 'c2']);
    expect(rec.all('command').map(({ id, conn, transport }) => ({ id, conn, transport }))).toEqual([
      { id: 'c1', conn: 1, transport: 'ws' },
      { id: 'c1', conn: 1, transport: 'ws' },
      { id: 'c2', conn: 1, transport: 'ws' },
    ]);
    // Compact: frames that arrive together are one event, not one per id.
    expect(rec.all('command.acked').length).toBeLessThanOrEqual(3);

    for (const socket of hub.sockets) socket.close(1012, 'Service Restart');
    await rec.until(() => (ackedIds(2).length === 3 ? true : undefined), 'three acks on conn 2');
    const close = await rec.first('ws.close');
    const lastAckOnConn1 = rec.all('command.acked').filter((e) => e.transport === 'ws' && e.conn === 1).at(-1)!;
    expect(rec.events.indexOf(lastAckOnConn1)).toBeLessThan(rec.events.indexOf(close));
    expect(rec.all('command').filter((e) => e.conn === 2).map((e) => e.repeat)).toEqual([true, true, true]);
  });

  test('HTTP: one event per POST /edge/acks the hub answered 2xx, with the ids and the status; polled deliveries carry no connection', async () => {
    await using hub = await RawHub.start({ acceptUpgrades: false });
    hub.pollCommands = [c('p1'), c('p2')];
    await using a = startAgent({ hubUrl: hub.url, pollIntervalMs: 50 });
    const { rec } = a;

    const acked = await rec.first('command.acked');
    expect(acked).toMatchObject({ transport: 'poll', ids: ['p1', 'p2'], status: 200 });
    expect(acked).not.toHaveProperty('conn');
    const delivered = rec.all('command').slice(0, 2);
    expect(delivered.map(({ id, transport }) => ({ id, transport }))).toEqual([
      { id: 'p1', transport: 'poll' },
      { id: 'p2', transport: 'poll' },
    ]);
    for (const d of delivered) expect(d).not.toHaveProperty('conn');
    expect(acked.t).toBeGreaterThanOrEqual(delivered[1]!.t);
  });
});
