import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { startAgent } from './agent.test-support.ts';

/**
 * A hub that takes a poll and never answers (it died mid-request behind a
 * proxy, or hangs): the agent gives up on that poll after its HTTP timeout,
 * says so, and polls again. Seen at 5,000 agents: an agent whose first poll
 * hung stopped polling for the rest of a crash redeploy.
 */
test('a poll that gets no answer times out, is recorded, and polling goes on', async () => {
  const held: ServerResponse[] = [];
  const server = createServer((_req: IncomingMessage, res: ServerResponse) => void held.push(res));
  // No WebSocket: every upgrade is refused, so the agent falls back to polling at once.
  server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    await using a = startAgent({ hubUrl: `http://127.0.0.1:${port}`, httpTimeoutMs: 200 });
    const second = await a.rec.nth('poll', 2, (e) => !e.ok);
    expect(second).toMatchObject({ ok: false, error: 'no answer within 200 ms' });
    expect(held.length).toBeGreaterThanOrEqual(2);
  } finally {
    for (const res of held) res.destroy();
    server.close();
  }
});
