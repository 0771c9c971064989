import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { startHubWatcher, type HubWatchEvent } from './health.ts';
import { startCommandHub } from './reference-process.ts';
import type { HubRuntime } from './types.ts';

const FOREIGN_HUB = fileURLToPath(new URL('./zoo/foreign-hub.mjs', import.meta.url));

/** A real HTTP server on port 0 whose handler the test swaps; `requests` counts what reached it. */
async function server(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const state = { handler, requests: 0, onRequest: () => {} };
  const srv: Server = createServer((req, res) => {
    state.requests++;
    state.handler(req, res);
    state.onRequest();
  });
  await new Promise<void>((listening) => srv.listen(0, '127.0.0.1', listening));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    hub: { kind: 'external', url } as HubRuntime,
    /** Resolves once `n` requests in all have reached the server. */
    requestsReach: (n: number) => new Promise<void>((reached) => (state.onRequest = () => state.requests >= n && reached())),
    [Symbol.asyncDispose]: () => new Promise<void>((closed) => (srv.closeAllConnections(), srv.close(() => closed()))),
  });
}

/** A watcher recording into an array, and a way to wait for an event it records. */
function watch(hub: () => HubRuntime, opts: { intervalMs?: number; timeoutMs?: number } = {}) {
  const events: HubWatchEvent[] = [];
  let waiter: { test: (e: HubWatchEvent) => boolean; done: () => void } | undefined;
  const t0 = performance.now();
  const watcher = startHubWatcher({
    current: hub,
    clock: () => performance.now() - t0,
    sink: (e) => {
      events.push(e);
      if (waiter?.test(e)) waiter.done();
    },
    ...opts,
  });
  const next = (test: (e: HubWatchEvent) => boolean) => (events.some(test) ? Promise.resolve() : new Promise<void>((done) => (waiter = { test, done })));
  return { watcher, events, next };
}

describe('startHubWatcher', () => {
  test('records changes only: up (a 404 is alive), down on a 503 with the reason, up again with the outage\'s failed probes; totals at stop', async () => {
    await using hub = await server((_req, res) => res.writeHead(404).end());
    const { watcher, events, next } = watch(() => hub.hub, { intervalMs: 20 });
    await next((e) => e.type === 'hub.health' && e.state === 'up');
    hub.handler = (_req, res) => res.writeHead(503).end();
    await next((e) => e.type === 'hub.health' && e.state === 'down');
    const failing = hub.requests;
    await hub.requestsReach(failing + 3);
    hub.handler = (_req, res) => res.writeHead(200).end('ok');
    await next((e) => e.type === 'hub.health' && e.state === 'up' && e.failedProbes !== undefined);
    watcher.stop();
    watcher.stop();

    const health = events.filter((e) => e.type === 'hub.health');
    expect(health.map((e) => [e.state, e.state === 'up' ? e.status : e.reason])).toEqual([
      ['up', 404],
      ['down', 'HTTP 503'],
      ['up', 200],
    ]);
    const back = health[2]!;
    if (back.state !== 'up') throw new Error('unreachable');
    expect(back.failedProbes).toBeGreaterThanOrEqual(3);
    expect(back.failedAtMs).toHaveLength(back.failedProbes!);
    expect(back.failedAtMs![0]).toBe(health[1]!.t);
    const totals = events.filter((e) => e.type === 'hub.probes');
    expect(totals).toHaveLength(1);
    expect(totals[0]).toMatchObject({ failedProbes: 0, failedAtMs: [], intervalMs: 20 });
    expect(totals[0]!.type === 'hub.probes' && totals[0]!.probes - totals[0]!.answered).toBe(back.failedProbes);
  });

  test('a hub that hangs: every probe fails at the timeout, one per beat, none left hanging behind another', async () => {
    await using hub = await server(() => {}); // never answers; the sockets stay open
    const { watcher, events } = watch(() => hub.hub, { intervalMs: 20, timeoutMs: 100 });
    await hub.requestsReach(40);
    watcher.stop();
    const totals = events.find((e) => e.type === 'hub.probes');
    if (totals?.type !== 'hub.probes') throw new Error('no totals');
    // 40 requests over ~800 ms; only those younger than the 100 ms timeout may be in flight at the stop.
    expect(totals.answered).toBe(0);
    expect(totals.failedProbes).toBeGreaterThanOrEqual(40 - 100 / 20 - 2);
    expect(events.filter((e) => e.type === 'hub.health')).toMatchObject([{ state: 'down', reason: 'no answer within 100 ms' }]);
  });

  test('a refused connection is down with the cause', async () => {
    const closed = await server(() => {});
    await closed[Symbol.asyncDispose]();
    const { watcher, events, next } = watch(() => closed.hub, { intervalMs: 20 });
    await next((e) => e.type === 'hub.health');
    watcher.stop();
    expect(events[0]).toMatchObject({ type: 'hub.health', state: 'down', reason: 'ECONNREFUSED' });
  });

  test("a process hub's own exit is unplanned; its stop() is planned; nothing is recorded after the watcher stops", async () => {
    const dying = await startCommandHub(`node '${FOREIGN_HUB}' --misbehave die-at:500`);
    let living: HubRuntime | undefined;
    try {
      let current: HubRuntime = dying;
      const { watcher, events, next } = watch(() => current, { intervalMs: 20 });
      await next((e) => e.type === 'hub.exit');
      living = current = await startCommandHub(`node '${FOREIGN_HUB}'`);
      // The watcher follows the serving hub: it subscribes to the new one at its next probe.
      await next((e) => e.type === 'hub.health' && e.state === 'up' && e.url === living!.url);
      await living.stop('crash');
      await next((e) => e.type === 'hub.exit' && e.planned);
      watcher.stop();
      await living.start();
      await living.stop('graceful');
      const exits = events.filter((e) => e.type === 'hub.exit');
      expect(exits).toMatchObject([
        { hub: 'command', code: 1, signal: null, planned: false },
        { hub: 'command', signal: 'SIGKILL', planned: true },
      ]);
      expect(exits[0]!.type === 'hub.exit' && exits[0]!.pid).toBeGreaterThan(0);
    } finally {
      await dying[Symbol.asyncDispose]();
      await living?.[Symbol.asyncDispose]();
    }
  });
});
