import { isIP } from 'node:net';
import { buildHub, type Hub, type HubOptions } from './app.ts';
import { HubError } from './errors.ts';

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

export interface ListenOptions {
  /** Address to listen on: an IP address or `localhost`. Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Allow a host that is not loopback. edge-chaos promises never to open a port beyond the machine, so default false. */
  allowNonLoopback?: boolean;
}

/** Builds the reference hub and listens (port 0 picks a free port). */
export async function startHub(options: HubOptions & ListenOptions = {}): Promise<StartedHub> {
  const { host = '127.0.0.1', port = 0, allowNonLoopback = false, ...hubOptions } = options;
  checkHost(host, allowNonLoopback);
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

/** Refuses a host that is no address, and (unless allowed) one beyond this machine, before anything listens. */
export function checkHost(host: string, allowNonLoopback: boolean): void {
  const family = isIP(host);
  if (family === 0 && host !== 'localhost') {
    throw new HubError('EC_HUB_BAD_OPTION', `--host ${JSON.stringify(host)} is not an IP address or localhost`, 'pass an address like 127.0.0.1 or ::1 (each part of an IPv4 address is 0 to 255)');
  }
  if (allowNonLoopback || isLoopback(host)) return;
  throw new HubError(
    'EC_HUB_BAD_OPTION',
    `--host ${JSON.stringify(host)} is not a loopback address; edge-chaos listens on this machine only unless told otherwise (allowNonLoopback)`,
    'use --host 127.0.0.1, or add --allow-non-loopback if the hub must be reachable from other machines',
  );
}

function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return /^::ffff:127\./i.test(host);
}
