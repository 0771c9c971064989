import { describe, expect, test } from 'vitest';
import { pollUrl, wsUrl } from '../protocol/v1.ts';
import { RawClients } from './hub.test-support.ts';
import { startHub } from './start.ts';

describe('odd inputs', () => {
  test('edge_agent_id given twice is refused on the WebSocket and over HTTP alike', async () => {
    await using hub = await startHub();
    await using clients = new RawClients(hub.url);
    expect(await clients.upgradeStatus(`${wsUrl(hub.url, 'a')}&edge_agent_id=b`)).toBe(400);
    expect((await fetch(`${pollUrl(hub.url, 'a')}&edge_agent_id=b`)).status).toBe(400);
  });

  test.each([
    ['999.1.1.1', /not an IP address or localhost/],
    ['10.0.0.1', /not a loopback address.*allowNonLoopback/],
    ['0.0.0.0', /not a loopback address/],
    ['example.com', /not an IP address or localhost/],
  ])('host %s is refused before anything listens', async (host, message) => {
    await expect(startHub({ host })).rejects.toMatchObject({ code: 'EC_HUB_BAD_OPTION', message: expect.stringMatching(message) });
  });

  test('loopback hosts listen', async () => {
    await using a = await startHub({ host: 'localhost' });
    await using b = await startHub({ host: '127.0.0.2' });
    expect((await fetch(new URL('/healthz', b.url))).status).toBe(200);
    expect(a.port).toBeGreaterThan(0);
  });
});
