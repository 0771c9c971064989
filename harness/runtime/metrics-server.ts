import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { HarnessError } from '../errors.ts';

export interface StartedMetricsServer extends AsyncDisposable {
  /** http://127.0.0.1:<port>/metrics */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves a run's registry at GET /metrics on 127.0.0.1:`port` (0: any free port) for Prometheus to scrape while the run goes. */
export async function startMetricsServer(registry: Registry, port: number): Promise<StartedMetricsServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
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
