import { buildHub, type Hub, type HubOptions } from './app.ts';

export interface StartedHub extends AsyncDisposable {
  readonly hub: Hub;
  /** Base HTTP URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly port: number;
  /** Graceful shutdown: every socket is closed with 1012 Service Restart. Idempotent. */
  stop(): Promise<void>;
  /**
   * Like a killed process: every connection dropped without a close frame,
   * the listener closed, nothing flushed. For crash redeploys of an
   * in-process hub. Idempotent; stop() after it is a no-op.
   */
  kill(): Promise<void>;
}

/** Builds the reference hub and listens (port 0 picks a free port). */
export async function startHub(options: HubOptions & { host?: string; port?: number } = {}): Promise<StartedHub> {
  const { host = '127.0.0.1', port = 0, ...hubOptions } = options;
  const hub = buildHub(hubOptions);
  try {
    await hub.app.listen({ host, port });
  } catch (error) {
    await hub.app.close();
    throw error;
  }
  const address = hub.app.server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= hub.app.close());
  const kill = () => {
    if (stopping) return stopping;
    hub.connections.terminateAll();
    hub.app.server.closeAllConnections();
    return stop();
  };
  return {
    hub,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    port: boundPort,
    stop,
    kill,
    [Symbol.asyncDispose]: stop,
  };
}
