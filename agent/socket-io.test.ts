import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { describe, expect, test } from 'vitest';
import { builtInProtocol } from '../protocol/registry.ts';
import { startAgent } from './agent.test-support.ts';

/**
 * The agent over `--protocol socket.io` against Socket.IO's own server (the
 * `socket.io` package, websocket transport), on port 0: what the wire's unit
 * tests say about packets, held against the real thing.
 */
async function startSocketIo(options: { pingIntervalMs?: number; token?: string } = {}) {
  // Not Socket.IO's path: the agent's polls while its socket is down get 404.
  const http = createServer((_req, res) => res.writeHead(404).end());
  const io = new Server(http, { transports: ['websocket'], pingInterval: options.pingIntervalMs ?? 100, pingTimeout: 5_000, serveClient: false });
  const auths: unknown[] = [];
  io.use((socket, next) => {
    auths.push(socket.handshake.auth);
    if (options.token !== undefined && socket.handshake.auth.token !== options.token) return next(new Error('bad token'));
    next();
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return {
    io,
    url,
    auths,
    /** The next socket that connects to the default namespace. */
    connection: () => once(io, 'connection').then(([socket]) => socket as Socket),
    async [Symbol.asyncDispose]() {
      const closed = io.close();
      // Idle keep-alive connections of the agent's polls would hold the close for seconds.
      http.closeAllConnections();
      await closed;
    },
  };
}

describe('the agent over socket.io, against the socket.io server', () => {
  test('connects with its id (and the token) in auth, counts the server\'s pings as heartbeats, and acks a command through its callback', async () => {
    await using hub = await startSocketIo({ token: 'tok' });
    const connected = hub.connection();
    await using a = startAgent({ hubUrl: hub.url, protocol: builtInProtocol('socket.io', { token: 'tok' }), pingIntervalMs: 100 });
    const socket = await connected;
    expect(hub.auths).toEqual([{ agentId: 'agent-1', token: 'tok' }]);
    const acked = socket.emitWithAck('command', { id: 'c-1', name: 'reboot', payload: { now: true } });
    expect(await acked).toEqual({ id: 'c-1' });
    const command = await a.rec.first('command');
    expect(command).toMatchObject({ id: 'c-1', name: 'reboot', transport: 'ws', conn: 1 });
    // Without a callback the agent answers with the ack event.
    const ackEvent = once(socket, 'ack');
    socket.emit('command', { id: 'c-2', name: 'n', payload: null });
    expect(await ackEvent).toEqual([{ id: 'c-2' }]);
    // Other events are no concern of the agent's and no misreading.
    socket.emit('status', { load: 1 });
    await a.rec.until(() => (a.rec.all('command.acked').flatMap((e) => e.ids).length === 2 ? true : undefined), 'two acks');
    // Engine.IO's socket says 'heartbeat' when a pong to its ping came.
    await once(socket.conn, 'heartbeat');
    socket.disconnect(true);
    const close = await a.rec.first('ws.close');
    expect(close).toMatchObject({ code: 4000, reason: 'socket.io disconnect: io server disconnect', by: 'remote' });
    expect(close.pings).toBeGreaterThan(0);
    expect(a.rec.all('wire.unrecognised')).toEqual([]);
  });

  test('a server whose middleware refuses the CONNECT ends the session with its message; the agent reconnects with backoff', async () => {
    await using hub = await startSocketIo({ token: 'tok' });
    await using a = startAgent({ hubUrl: hub.url, protocol: builtInProtocol('socket.io', { token: 'wrong' }) });
    const close = await a.rec.first('ws.close');
    expect(close).toMatchObject({ code: 4001, reason: 'socket.io connect_error: bad token', by: 'remote' });
    await a.rec.first('ws.open', (e) => e.conn === 2);
  });

  test('a server that stops pinging is found dead by the agent\'s liveness check', async () => {
    await using hub = await startSocketIo({ pingIntervalMs: 60_000 });
    await using a = startAgent({ hubUrl: hub.url, protocol: builtInProtocol('socket.io'), pingIntervalMs: 100 });
    const dead = await a.rec.first('ws.dead');
    expect(dead.silentMs).toBeGreaterThanOrEqual(250);
    expect(await a.rec.first('ws.close')).toMatchObject({ by: 'dead', pings: 0 });
  });
});
