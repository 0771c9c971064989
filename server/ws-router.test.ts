import { describe, expect, test } from 'vitest';
import { CLOSE_REPLACED, WS_PATH } from '../protocol/v1.ts';
import { buildHub } from './app.ts';
import { HUB_DEFECTS } from './defects/index.ts';
import { RawClients, nextClose, scrape } from './hub.test-support.ts';
import { startHub } from './start.ts';
import { WsRouter } from './ws-router.ts';

describe('WsRouter', () => {
  test('inspect() passes one handler per path and names every duplicate', () => {
    const router = new WsRouter();
    router.route('/ws', 'edge-ws', () => {});
    router.route('/other', 'other', () => {});
    expect(() => router.inspect()).not.toThrow();

    router.route('/ws', 'legacy-edge-ws', () => {});
    expect(() => router.inspect()).toThrow(expect.objectContaining({ code: 'EC_HUB_DUPLICATE_WS_ROUTE' }));
    expect(router.table()).toEqual([
      { path: '/ws', handlers: ['edge-ws', 'legacy-edge-ws'] },
      { path: '/other', handlers: ['other'] },
    ]);
  });

  test('dispatch() runs every handler for the path in order and says how many ran', () => {
    const router = new WsRouter();
    const calls: string[] = [];
    router.route('/ws', 'a', () => calls.push('a'));
    router.route('/ws', 'b', () => calls.push('b'));
    const ctx = { agentId: 'x', request: undefined as never };
    expect(router.dispatch('/ws', undefined as never, ctx)).toBe(2);
    expect(router.dispatch('/none', undefined as never, ctx)).toBe(0);
    expect(calls).toEqual(['a', 'b']);
  });
});

describe('route inspection at hub start', () => {
  test('a hub with an extra handler on /ws refuses to start with EC_HUB_DUPLICATE_WS_ROUTE', async () => {
    const hub = buildHub();
    hub.ws.route(WS_PATH, 'extra-edge-ws', () => {});
    try {
      await expect(hub.app.listen({ host: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'EC_HUB_DUPLICATE_WS_ROUTE' });
      expect(hub.app.server.listening).toBe(false);
    } finally {
      await hub.app.close();
    }
  });

  test('GET /admin/routes exposes the HTTP and WebSocket route tables', async () => {
    await using hub = await startHub();
    const response = await fetch(new URL('/admin/routes', hub.url));
    expect(response.status).toBe(200);
    const table = (await response.json()) as { http: { method: string; url: string }[]; ws: { path: string; handlers: string[] }[] };
    expect(table.ws).toEqual([{ path: '/ws', handlers: ['edge-ws'] }]);
    expect(table.http).toEqual(expect.arrayContaining([
      { method: 'GET', url: '/edge/commands' },
      { method: 'POST', url: '/edge/acks' },
      { method: 'POST', url: '/admin/commands' },
      { method: 'GET', url: '/metrics' },
      { method: 'GET', url: '/healthz' },
      { method: 'GET', url: '/admin/routes' },
    ]));
    expect(table.http.some((r) => r.method === 'HEAD')).toBe(false);
  });

  test('with defect duplicate-ws-handler the hub starts, shows two /ws handlers, and closes each connection with 1000 "New connection established"', async () => {
    expect(HUB_DEFECTS.has('duplicate-ws-handler')).toBe(true);
    await using hub = await startHub({ defects: ['duplicate-ws-handler'] });
    const table = (await (await fetch(new URL('/admin/routes', hub.url))).json()) as { ws: { path: string; handlers: string[] }[] };
    expect(table.ws).toEqual([{ path: '/ws', handlers: ['edge-ws', 'legacy-edge-ws'] }]);

    await using clients = new RawClients(hub.url);
    const socket = await clients.open('edge-1');
    expect(await nextClose(socket)).toEqual({ code: CLOSE_REPLACED.code, reason: CLOSE_REPLACED.reason });
    const metrics = await scrape(hub.url);
    expect(metrics.sum('edge_hub_connections_replaced_total')).toBe(1);
    expect(metrics.sum('edge_hub_ws_handlers_per_connection_sum')).toBe(2);
  });

  test('an unknown defect name is refused with EC_HUB_UNKNOWN_DEFECT', async () => {
    expect(() => buildHub({ defects: ['no-such-defect'] })).toThrow(expect.objectContaining({ code: 'EC_HUB_UNKNOWN_DEFECT' }));
    await expect(startHub({ defects: ['no-such-defect'] })).rejects.toMatchObject({ code: 'EC_HUB_UNKNOWN_DEFECT' });
  });
});
