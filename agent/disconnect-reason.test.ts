import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { describe, expect, test } from 'vitest';
import { compileProtocol, defineProtocol } from '../protocol/define.ts';
import { startAgent } from './agent.test-support.ts';

/**
 * A protocol's disconnect frame makes the agent close the socket with the
 * frame's reason. A WebSocket close frame holds at most 123 bytes of reason
 * and ws throws past that: from inside the socket's message handler, which
 * took the whole fleet process down (a declarative profile's disconnect.reason
 * is the user's text, a Socket.IO CONNECT_ERROR's message the hub's).
 */
describe('a disconnect frame with a long reason', () => {
  test('closes the socket with the reason cut to 123 bytes and records it whole', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(wss, 'listening');
    const closedWith = new Promise<string>((resolve) => wss.on('connection', (ws) => {
      ws.on('close', (_code, reason) => resolve(reason.toString()));
      ws.send(JSON.stringify({ type: 'bye' }));
    }));
    const reason = `hub ended the session: ${'é'.repeat(100)}`;
    const protocol = compileProtocol(defineProtocol({ name: 'bye', socket: {}, disconnect: { match: { type: 'bye' }, code: 4000, reason } }), { source: 'bye' });
    try {
      await using a = startAgent({ hubUrl: `http://127.0.0.1:${(wss.address() as AddressInfo).port}`, protocol });
      expect(await a.rec.first('ws.close')).toMatchObject({ code: 4000, reason, by: 'remote' });
      const sent = await closedWith;
      expect(Buffer.byteLength(sent)).toBeLessThanOrEqual(123);
      expect(reason.startsWith(sent)).toBe(true);
    } finally {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    }
  });
});
