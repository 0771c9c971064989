import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { COLLECTOR_PATHS, NDJSON, decodeBatch, type ClockReply, type ShardHello } from '../../../agent/shard/wire.ts';
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
/** Room for a backlog: maxBatchEvents (5,000) events of a few hundred bytes each, several times over. */
const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

/** The collector's HTTP face, not yet listening (fastify's app-factory pattern). */
export function buildCollectorApp(collector: Collector, options: Pick<CollectorOptions, 'token' | 'nowEpochMs' | 'dropConnection'>): FastifyInstance {
  const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: BODY_LIMIT_BYTES });
  const expected = Buffer.from(`Bearer ${options.token}`);
  const authorized = (header: string | undefined) => {
    const given = Buffer.from(header ?? '');
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
  const now = options.nowEpochMs ?? (() => performance.timeOrigin + performance.now());
  app.addContentTypeParser(NDJSON, { parseAs: 'string' }, (_request, body, done) => done(null, body));

  // Every route but /metrics and /healthz is the shards' and needs the run token.
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (path === COLLECTOR_PATHS.metrics || path === '/healthz') return;
    if (!authorized(request.headers.authorization)) return reply.code(401).send({ error: 'the run token (Authorization: Bearer <EDGE_CHAOS_RUN_TOKEN>) is missing or wrong' });
    const index = /^\/shards\/(\d+)\//.exec(path)?.[1];
    if (index !== undefined) {
      if (!collector.stream(Number(index))) return reply.code(404).send({ error: `this run has shard indexes 0..${collector.streams.length - 1}, not ${index}` });
      collector.seen(Number(index));
    }
  });

  app.get(COLLECTOR_PATHS.clock, async () => ({ nowEpochMs: now() }) satisfies ClockReply);

  app.post<{ Params: { index: string }; Body: ShardHello }>('/shards/:index/hello', async (request, reply) => {
    const hello = request.body;
    const clock = hello?.clock;
    if (typeof hello?.instance !== 'string' || !Number.isSafeInteger(hello.firstIndex) || !Number.isSafeInteger(hello.agents) || ![clock?.offsetMs, clock?.uncertaintyMs, clock?.rttMs].every((n) => typeof n === 'number' && Number.isFinite(n))) {
      return reply.code(400).send({ error: 'a hello needs instance, firstIndex, agents and clock { offsetMs, uncertaintyMs, rttMs }' });
    }
    const answer = collector.hello(Number(request.params.index), hello);
    return reply.code(answer.status).send(answer.body);
  });

  app.post<{ Params: { index: string }; Body: string }>('/shards/:index/events', async (request, reply) => {
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
  const app = buildCollectorApp(collector, options);
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
