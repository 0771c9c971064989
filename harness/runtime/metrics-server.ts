import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { HarnessError } from '../errors.ts';
import { hasBody, rawPath, refuse, SERVER_TIMEOUTS, timeoutOptions, type ServerTimeouts } from './http-guard.ts';

export interface StartedMetricsServer extends AsyncDisposable {
  /** http://127.0.0.1:<port>/metrics */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves a run's registry at GET /metrics on 127.0.0.1:`port` (0: any free port) for Prometheus to scrape while the run goes. */
export async function startMetricsServer(registry: Registry, port: number, timeouts: ServerTimeouts = SERVER_TIMEOUTS): Promise<StartedMetricsServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true, ...timeoutOptions(timeouts) });
  app.removeAllContentTypeParsers();
  // One read-only route: anything else is refused from the request's head, its body (if any) never read.
  app.addHook('onRequest', async (request, reply) => {
    const path = rawPath(request);
    if (path !== '/metrics') return refuse(reply, 404, `the run's metrics port serves GET /metrics only, not ${JSON.stringify(path)}`);
    if (request.method !== 'GET' && request.method !== 'HEAD') return refuse(reply, 405, `/metrics takes GET or HEAD, not ${request.method}`, { allow: 'GET, HEAD' });
    if (hasBody(request)) return refuse(reply, 413, `${request.method} /metrics takes no body`);
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  try {
    await app.listen({ host: '127.0.0.1', port });
  } catch (error) {
    await app.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new HarnessError('EC_BAD_OPTION', `the run's metrics cannot listen on 127.0.0.1:${port} (${code ?? (error as Error).message})`, code === 'EADDRINUSE' ? 'pass a free port to --metrics-port, or 0 for any free one (it is printed)' : 'pass another --metrics-port', { cause: error });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= app.close());
  return { url: `http://127.0.0.1:${bound}/metrics`, stop, [Symbol.asyncDispose]: stop };
}
