import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MAX_NAME_URL_BYTES, readPopulate, readProxyCreate, readProxyUpdate, readToxicCreate, readToxicUpdate } from './bodies.ts';
import type { ProxyCollection } from './collection.ts';
import { ToxiproxyApiError } from './errors.ts';
import type { ToxiproxyMetrics } from './metrics.ts';
import type { Proxy } from './proxy.ts';
import { toxicJson } from './toxic-set.ts';

/** The version /version reports: the Toxiproxy release whose API this one follows. */
export const TOXIPROXY_API_VERSION = '2.12.0';

export interface ToxiproxyApiOptions {
  readonly collection: ProxyCollection;
  readonly metrics: ToxiproxyMetrics;
  /** Let proxies listen beyond loopback. Default false. */
  readonly allowNonLoopbackListen?: boolean;
}

/** Paths that exist with other methods: Go's router answers those 405, not 404. */
const KNOWN_PATHS = [
  /^\/(reset|proxies|populate|version|metrics)$/,
  /^\/proxies\/[^/]+$/,
  /^\/proxies\/[^/]+\/toxics$/,
  /^\/proxies\/[^/]+\/toxics\/[^/]+$/,
];

/** 20 chars of base32hex, the look of the xid request ids real Toxiproxy sends. */
function newRequestId(): string {
  const alphabet = '0123456789abcdefghijklmnopqrstuv';
  const bytes = randomBytes(20);
  let id = '';
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}

function sendText(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).type('text/plain; charset=utf-8').send(text);
}

/**
 * The Toxiproxy 2.12 HTTP API as a fastify app that has not listened yet
 * (server.ts listens). Routes only parse, call the collection and shape JSON;
 * proxies and connections know nothing of HTTP.
 */
export function buildToxiproxyApi({ collection, metrics, allowNonLoopbackListen = false }: ToxiproxyApiOptions): FastifyInstance {
  const policy = { allowNonLoopbackListen };
  const app = Fastify({
    logger: false,
    exposeHeadRoutes: false,
    genReqId: newRequestId,
    // Every name the API accepts is addressable: a param holds one name, and
    // the request line (Node counts it against maxHeaderSize) two of them.
    routerOptions: { maxParamLength: MAX_NAME_URL_BYTES },
    http: { maxHeaderSize: 2 * MAX_NAME_URL_BYTES + 16 * 1024 },
  });

  // Real Toxiproxy reads every body as JSON whatever its Content-Type (curl -d
  // sends form encoding), and answers bad JSON in its own error format.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('X-Toxiproxy-Request-Id', request.id);
    // Stops a web page from driving the API through the visitor's browser.
    if ((request.headers['user-agent'] ?? '').startsWith('Mozilla/')) {
      return sendText(reply, 403, 'User agent not allowed\n');
    }
    return undefined;
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof ToxiproxyApiError) return reply.code(error.status).send(error.toJSON());
    // fastify's own errors (body too large, ...) carry their status.
    const { statusCode, message } = error as { statusCode?: unknown; message?: unknown };
    const status = typeof statusCode === 'number' && statusCode >= 400 ? statusCode : 500;
    return reply.code(status).send({ error: String(message), status });
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (KNOWN_PATHS.some((pattern) => pattern.test(path))) return reply.code(405).send();
    return sendText(reply, 404, '404 page not found\n');
  });

  app.get('/proxies', async () =>
    Object.fromEntries(collection.sorted().map((proxy) => [proxy.name, proxy.toJSON()])),
  );

  app.post('/proxies', async (request, reply) => {
    const config = readProxyCreate(request.body, policy);
    const proxy = await collection.exclusive(() => collection.create(config));
    return reply.code(201).send(proxy.toJSON());
  });

  app.post('/populate', async (request, reply) => {
    const configs = readPopulate(request.body, policy);
    const { proxies, error } = await collection.exclusive(async () => {
      const done: Proxy[] = [];
      try {
        for (const config of configs) done.push(await collection.createOrReplace(config));
        return { proxies: done, error: undefined };
      } catch (failure) {
        return { proxies: done, error: failure };
      }
    });
    const body = { proxies: proxies.map((proxy) => proxy.toJSON()) };
    if (error === undefined) return reply.code(201).send(body);
    const apiError = error instanceof ToxiproxyApiError ? error : new ToxiproxyApiError('INTERNAL', String(error));
    return reply.code(apiError.status).send({ ...apiError.toJSON(), ...body });
  });

  app.get<{ Params: { proxy: string } }>('/proxies/:proxy', async (request) =>
    collection.get(request.params.proxy).toJSON(),
  );

  app.route<{ Params: { proxy: string } }>({
    method: ['POST', 'PATCH'],
    url: '/proxies/:proxy',
    handler: async (request) =>
      collection.exclusive(async () => {
        const proxy = collection.get(request.params.proxy);
        await proxy.update(readProxyUpdate(request.body, proxy, policy));
        return proxy.toJSON();
      }),
  });

  app.delete<{ Params: { proxy: string } }>('/proxies/:proxy', async (request, reply) => {
    await collection.exclusive(() => collection.remove(request.params.proxy));
    return reply.code(204).send();
  });

  app.get<{ Params: { proxy: string } }>('/proxies/:proxy/toxics', async (request) =>
    collection.get(request.params.proxy).toxics.list().map(toxicJson),
  );

  // 200, not 201: real Toxiproxy answers a created toxic that way.
  app.post<{ Params: { proxy: string } }>('/proxies/:proxy/toxics', async (request) =>
    collection.exclusive(() => {
      const proxy = collection.get(request.params.proxy);
      const toxic = readToxicCreate(request.body, proxy.toxics);
      proxy.addToxic(toxic);
      return toxicJson(toxic);
    }),
  );

  app.get<{ Params: { proxy: string; toxic: string } }>('/proxies/:proxy/toxics/:toxic', async (request) => {
    const toxic = collection.get(request.params.proxy).toxics.get(request.params.toxic);
    if (toxic === undefined) throw new ToxiproxyApiError('TOXIC_NOT_FOUND');
    return toxicJson(toxic);
  });

  app.route<{ Params: { proxy: string; toxic: string } }>({
    method: ['POST', 'PATCH'],
    url: '/proxies/:proxy/toxics/:toxic',
    handler: async (request) =>
      collection.exclusive(() => {
        const proxy = collection.get(request.params.proxy);
        const current = proxy.toxics.get(request.params.toxic);
        if (current === undefined) throw new ToxiproxyApiError('TOXIC_NOT_FOUND');
        const toxic = readToxicUpdate(request.body, current);
        proxy.updateToxic(toxic);
        return toxicJson(toxic);
      }),
  });

  app.delete<{ Params: { proxy: string; toxic: string } }>('/proxies/:proxy/toxics/:toxic', async (request, reply) => {
    await collection.exclusive(() => {
      const proxy = collection.get(request.params.proxy);
      if (proxy.toxics.get(request.params.toxic) === undefined) throw new ToxiproxyApiError('TOXIC_NOT_FOUND');
      proxy.removeToxic(request.params.toxic);
    });
    return reply.code(204).send();
  });

  app.post('/reset', async (_request, reply) => {
    await collection.exclusive(() => collection.reset());
    return reply.code(204).send();
  });

  app.get('/version', async (_request, reply) =>
    reply.type('application/json;charset=utf-8').send(`{"version": "${TOXIPROXY_API_VERSION}"}\n`),
  );

  app.get('/metrics', async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()));

  return app;
}
