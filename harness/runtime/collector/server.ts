import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { COLLECTOR_PATHS, NDJSON, decodeBatch, type ClockReply, type ShardHello } from '../fleet/shard/wire.ts';
import { declaredLength, hasBody, mediaType, rawPath, refuse, SERVER_TIMEOUTS, timeoutOptions, type ServerTimeouts } from '../http-guard.ts';
import { Collector, type CollectorPolicy, type CollectorSinks } from './collector.ts';

export interface CollectorOptions extends CollectorSinks, CollectorPolicy {
  /** The run's bearer token: every shard request must carry it. */
  token: string;
  /** Each shard's agents, by index. */
  slices: readonly { firstIndex: number; count: number }[];
  /** The run's metrics registry: served at /metrics, the collector's own figures added. Default: a registry of its own. */
  registry?: Registry;
  /** Listen address. Default 127.0.0.1: a remote runner that needs shards elsewhere to reach it passes another. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** How long a client may take, ms. Default SERVER_TIMEOUTS, the request bound raised past shardRequestTimeoutMs. */
  timeouts?: Partial<ServerTimeouts>;
  /** The shards' own per-request timeout (transport.requestTimeoutMs), ms: the collector never times out a request before a shard would. Default 10_000. */
  shardRequestTimeoutMs?: number;
  /** The coordinator's clock, ms since the epoch. Default performance.timeOrigin + performance.now(), what runStartEpochMs is on. */
  nowEpochMs?: () => number;
  /**
   * Test hook: cut the connection carrying events POST `seq` of shard `index`, before the batch is
   * applied or after it (its ack then never arrives, and the shard's retry must not apply it twice).
   */
  dropConnection?: (index: number, seq: number) => 'before-apply' | 'after-apply' | undefined;
}

export interface StartedCollector extends AsyncDisposable {
  readonly collector: Collector;
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** How often silence is looked for, ms. */
const WATCH_INTERVAL_MS = 1_000;
/** A hello is a few hundred bytes; nothing else but a batch has a body. */
const HELLO_LIMIT_BYTES = 16 * 1024;
/**
 * Room for a backlog: maxBatchEvents (5,000) events of a few hundred bytes each, several times over.
 * Only a request with the run token gets this far: every other body is refused before it is read.
 */
const BATCH_LIMIT_BYTES = 64 * 1024 * 1024;
/** A shard index as the plan writes it: decimal, no sign, no leading zero, no escapes. */
const SHARD_INDEX_RE = /^(?:0|[1-9]\d{0,5})$/;
const SHARD_PATH_RE = /^\/shards\/([^/]*)\/(hello|events)$/;

/** What each route takes; anything else is refused from the request's head, before its body. */
interface Route {
  /** GET routes take HEAD as well (Fastify answers it). */
  methods: readonly string[];
  /** Needs the run token. */
  token: boolean;
  /** The one media type its body may have, and its size limit; none: it takes no body. */
  body?: { mediaType: string; limitBytes: number };
}
const READ: Route = { methods: ['GET', 'HEAD'], token: false };
const ROUTES = new Map<string, Route>([
  [COLLECTOR_PATHS.clock, { methods: ['GET', 'HEAD'], token: true }],
  [COLLECTOR_PATHS.metrics, READ],
  ['/healthz', READ],
]);
const SHARD_ROUTES = {
  hello: { methods: ['POST'], token: true, body: { mediaType: 'application/json', limitBytes: HELLO_LIMIT_BYTES } },
  events: { methods: ['POST'], token: true, body: { mediaType: NDJSON, limitBytes: BATCH_LIMIT_BYTES } },
} satisfies Record<string, Route>;
const SERVED = `GET ${COLLECTOR_PATHS.clock}, GET ${COLLECTOR_PATHS.metrics}, GET /healthz, POST /shards/<index>/hello, POST /shards/<index>/events`;

/** The collector's HTTP face, not yet listening (fastify's app-factory pattern). */
export function buildCollectorApp(collector: Collector, options: Pick<CollectorOptions, 'token' | 'nowEpochMs' | 'dropConnection' | 'timeouts'>): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: HELLO_LIMIT_BYTES, ...timeoutOptions({ ...SERVER_TIMEOUTS, ...options.timeouts }) });
  const expected = Buffer.from(`Bearer ${options.token}`);
  const authorized = (header: string | undefined) => {
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const now = options.nowEpochMs ?? (() => performance.timeOrigin + performance.now());
  // Only the two media types a route takes are ever parsed (Fastify's default JSON parser stays; it would read text/plain too).
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser(NDJSON, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  // Everything is decided here, from the request line and headers: a refused body is never read.
  app.addHook('onRequest', async (request, reply) => {
    const path = rawPath(request);
    const shardPath = SHARD_PATH_RE.exec(path);
    const route: Route | undefined = shardPath ? SHARD_ROUTES[shardPath[2] as keyof typeof SHARD_ROUTES] : ROUTES.get(path);
    if (!route) return refuse(reply, 404, `the collector has no route ${JSON.stringify(path)}; it serves ${SERVED}`);
    if (!route.methods.includes(request.method)) {
      return refuse(reply, 405, `${path} takes ${route.methods.join(' or ')}, not ${request.method}`, { allow: route.methods.join(', ') });
    }
    if (route.token && !authorized(request.headers.authorization)) return refuse(reply, 401, 'the run token (Authorization: Bearer <EDGE_CHAOS_RUN_TOKEN>) is missing or wrong');
    let index: number | undefined;
    if (shardPath) {
      const given = shardPath[1]!;
      index = SHARD_INDEX_RE.test(given) ? Number(given) : undefined;
      if (index === undefined || !collector.stream(index)) {
        return refuse(reply, 404, `this run has shard indexes 0..${collector.streams.length - 1}, not ${JSON.stringify(given)}: a shard's index is its JOB_COMPLETION_INDEX, written in decimal`);
      }
    }
    if (hasBody(request)) {
      if (!route.body) return refuse(reply, 413, `${request.method} ${path} takes no body`);
      const type = mediaType(request);
      if (type !== route.body.mediaType) return refuse(reply, 415, `${path} takes ${route.body.mediaType}, not ${JSON.stringify(type || '(no content-type)')}`);
      const length = declaredLength(request);
      if (length !== undefined && length > route.body.limitBytes) return refuse(reply, 413, `${path} takes bodies up to ${route.body.limitBytes} bytes, not ${length}`);
    }
    if (index !== undefined) collector.seen(index);
  });

  app.get(COLLECTOR_PATHS.clock, async () => ({ nowEpochMs: now() }) satisfies ClockReply);

  app.post<{ Params: { index: string }; Body: ShardHello }>('/shards/:index/hello', { bodyLimit: SHARD_ROUTES.hello.body.limitBytes }, async (request, reply) => {
    const hello = request.body;
    const clock = hello?.clock;
    if (typeof hello?.instance !== 'string' || !Number.isSafeInteger(hello.firstIndex) || !Number.isSafeInteger(hello.agents) || ![clock?.offsetMs, clock?.uncertaintyMs, clock?.rttMs].every((n) => typeof n === 'number' && Number.isFinite(n))) {
      return reply.code(400).send({ error: 'a hello needs instance, firstIndex, agents and clock { offsetMs, uncertaintyMs, rttMs }' });
    }
    // The hook let only a decimal index of the run through.
    const answer = collector.hello(Number(request.params.index), hello);
    return reply.code(answer.status).send(answer.body);
  });

  app.post<{ Params: { index: string }; Body: string }>('/shards/:index/events', { bodyLimit: SHARD_ROUTES.events.body.limitBytes }, async (request, reply) => {
    if (typeof request.body !== 'string') return reply.code(415).send({ error: `send the batch as ${NDJSON}` });
    let batch;
    try {
      batch = decodeBatch(request.body);
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
    const index = Number(request.params.index);
    const drop = options.dropConnection?.(index, batch.seq);
    const cut = () => {
      reply.hijack();
      request.raw.socket.destroy();
    };
    if (drop === 'before-apply') return cut();
    const answer = collector.batch(index, batch);
    if (drop === 'after-apply') return cut();
    return reply.code(answer.status).send(answer.body);
  });

  app.get(COLLECTOR_PATHS.metrics, async (_request, reply) => reply.type(collector.registry.contentType).send(await collector.registry.metrics()));
  app.get('/healthz', async () => ({ ok: true }));
  return app;
}

/** Starts the collector on `host:port` (127.0.0.1:0 by default) and watches for silent shards. */
export async function startCollector(options: CollectorOptions): Promise<StartedCollector> {
  const collector = new Collector(options.slices, options, options, options.registry);
  // A 408 is a 4xx, which a shard takes as a refusal and exits on: the collector's bound stays well past the shard's own.
  const requestMs = Math.max(SERVER_TIMEOUTS.requestMs, 3 * (options.shardRequestTimeoutMs ?? 10_000));
  const app = buildCollectorApp(collector, { ...options, timeouts: { requestMs, ...options.timeouts } });
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ host, port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // A late tick means this process stalled, not the shards: their requests are still queued behind the stall.
  let lastTickMs = performance.now();
  const watch = setInterval(() => {
    const now = performance.now();
    if (now - lastTickMs < 3 * WATCH_INTERVAL_MS) collector.checkSilence(now);
    lastTickMs = now;
  }, WATCH_INTERVAL_MS);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(watch);
      collector.beginStop();
      await app.close();
    })());
  return { collector, url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, stop, [Symbol.asyncDispose]: stop };
}
