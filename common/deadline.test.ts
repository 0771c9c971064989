import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { Deadline, DeadlineError, fetchWithDeadline } from './deadline.ts';

/** A real server on port 0: /hang takes the request and never answers, /ok answers, /slow-body sends its head and never its end. */
async function server() {
  const held: ServerResponse[] = [];
  const srv = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/ok') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('fine');
    if (req.url === '/slow-body') res.writeHead(200, { 'content-type': 'text/plain' }).write('half');
    held.push(res);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  return {
    url: (path: string) => `http://127.0.0.1:${(srv.address() as AddressInfo).port}${path}`,
    held,
    [Symbol.asyncDispose]: () => new Promise<void>((closed) => (srv.closeAllConnections(), srv.close(() => closed()))),
  };
}

/**
 * Watches the timers set for `ms` from here on: `pending` counts those neither fired nor cleared. It
 * wraps the global setTimeout and clearTimeout, which the helper calls, and changes nothing they do;
 * Node's own count of active timers would also count undici's keep-alive timers.
 */
function timersOf(ms: number) {
  const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
  const pending = new Set<unknown>();
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, delay?: number, ...args: unknown[]) => {
    const timer = realSet((...a: unknown[]) => (pending.delete(timer), fn(...a)), delay, ...args);
    if (delay === ms) pending.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer?: NodeJS.Timeout) => (pending.delete(timer), realClear(timer))) as typeof clearTimeout;
  return {
    get pending() {
      return pending.size;
    },
    [Symbol.dispose]: () => Object.assign(globalThis, { setTimeout: realSet, clearTimeout: realClear }),
  };
}

test('a server that never answers: fetchWithDeadline rejects at the deadline with an error naming the URL and the ms', async () => {
  await using hub = await server();
  using timers = timersOf(150);
  const started = performance.now();
  const error = await fetchWithDeadline(hub.url('/hang'), {}, 150).catch((e: unknown) => e);
  const tookMs = performance.now() - started;
  expect(error).toBeInstanceOf(DeadlineError);
  expect(error).toMatchObject({ url: hub.url('/hang'), timeoutMs: 150, message: `no answer from ${hub.url('/hang')} within 150 ms` });
  expect(tookMs).toBeGreaterThanOrEqual(140);
  expect(tookMs).toBeLessThan(2_000);
  expect(timers.pending).toBe(0);
});

test('a server that answers: the response, and no timer left behind', async () => {
  await using hub = await server();
  using timers = timersOf(5_000);
  const response = await fetchWithDeadline(hub.url('/ok'), { headers: { 'x-test': '1' } }, 5_000);
  expect(response.status).toBe(200);
  expect(await response.text()).toBe('fine');
  expect(timers.pending).toBe(0);
  // With `read`, the body is read inside the deadline and its result returned.
  expect(await fetchWithDeadline(hub.url('/ok'), {}, 5_000, (r) => r.text())).toBe('fine');
  expect(timers.pending).toBe(0);
});

test('with read, a body that never ends fails at the deadline too', async () => {
  await using hub = await server();
  const error = await fetchWithDeadline(hub.url('/slow-body'), {}, 150, (r) => r.text()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeadlineError);
});

test('an outer abort still stops it, with the outer reason; before the call or during it', async () => {
  await using hub = await server();
  using timers = timersOf(60_000);
  const outer = new AbortController();
  const pending = fetchWithDeadline(hub.url('/hang'), { signal: outer.signal }, 60_000).catch((e: unknown) => e);
  while (hub.held.length === 0) await new Promise((r) => setTimeout(r, 5));
  const reason = new Error('stopping');
  outer.abort(reason);
  expect(await pending).toBe(reason);
  expect(await fetchWithDeadline(hub.url('/ok'), { signal: outer.signal }, 60_000).catch((e: unknown) => e)).toBe(reason);
  // The minute-long deadline's timer went with the abort.
  expect(timers.pending).toBe(0);
});

test('Deadline: expired and aborted at the time; cleared early, it neither fires nor holds the outer signal', async () => {
  const late = new Deadline(20);
  await once(late.signal, 'abort');
  expect(late.expired).toBe(true);
  expect(late.signal.reason).toMatchObject({ name: 'AbortError' });

  using timers = timersOf(60_000);
  const outer = new AbortController();
  const early = new Deadline(60_000, outer.signal);
  early.clear();
  outer.abort();
  expect(early.signal.aborted).toBe(false);
  expect(early.expired).toBe(false);
  expect(timers.pending).toBe(0);

  const stopped = new Deadline(60_000, outer.signal);
  expect(stopped.signal.aborted).toBe(true);
  expect(stopped.expired).toBe(false);

  const other = new AbortController();
  const inner = new Deadline(60_000, other.signal);
  other.abort('bye');
  expect([inner.signal.aborted, inner.signal.reason, inner.expired]).toEqual([true, 'bye', false]);
  expect(timers.pending).toBe(0);
});
