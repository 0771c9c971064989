import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { HarnessError } from '../errors.ts';

/** Which Toxiproxy server carries the agents' traffic. */
export type ToxiproxyChoice =
  | { kind: 'embedded' }
  /** A Toxiproxy someone runs (TOXIPROXY_URL or --toxiproxy URL); it must be able to listen on 127.0.0.1. */
  | { kind: 'url'; url: string }
  /** A Toxiproxy container started through testcontainers (needs a Docker engine). */
  | { kind: 'container'; image?: string };

/** Toxiproxy proxies in front of the hub, one per group of agents, driven only through toxiproxy-node-client. */
export interface FaultProxy extends AsyncDisposable {
  readonly kind: ToxiproxyChoice['kind'];
  /** The Toxiproxy API URL. */
  readonly apiUrl: string;
  readonly client: Toxiproxy;
  /** The base URL agents of `group` dial instead of the hub. */
  urlFor(group: string): string;
  proxyFor(group: string): Proxy;
  /** Enables or disables one group's proxy (disabled: open connections drop, new ones are refused). */
  setEnabled(group: string, enabled: boolean): Promise<void>;
  /** Points every proxy at another hub (host:port); Toxiproxy restarts them, dropping their connections. */
  setUpstream(upstream: string): Promise<void>;
  stop(): Promise<void>;
}

const PROXY_PREFIX = 'edge-chaos-';

export async function startFaultProxy(opts: { choice: ToxiproxyChoice; hubUrl: string; groups: readonly string[] }): Promise<FaultProxy> {
  const hub = new URL(opts.hubUrl);
  if (hub.protocol !== 'http:') {
    throw new HarnessError('EC_BAD_OPTION', `faults need a plain http hub URL to proxy, got ${opts.hubUrl}`, 'use an http:// hub URL, or run a scenario without faults');
  }
  const upstream = `${hub.hostname === 'localhost' ? '127.0.0.1' : hub.hostname}:${hub.port || '80'}`;

  let stopServer = async () => {};
  let apiUrl: string;
  if (opts.choice.kind === 'embedded') {
    const { startToxiproxyServer } = await import('../../toxiproxy/server.ts');
    const server = await startToxiproxyServer({ host: '127.0.0.1', port: 0 });
    apiUrl = server.url;
    stopServer = () => server.stop();
  } else if (opts.choice.kind === 'url') {
    apiUrl = opts.choice.url.replace(/\/+$/, '');
  } else {
    const { startToxiproxyContainer } = await import('./docker/toxiproxy-container.ts');
    const container = await startToxiproxyContainer({ image: opts.choice.image });
    apiUrl = container.url;
    stopServer = () => container.stop();
  }
  const client = new Toxiproxy(apiUrl);
  const proxies = new Map<string, Proxy>();
  const stop = async () => {
    await Promise.allSettled([...proxies.values()].map((p) => p.remove()));
    proxies.clear();
    await stopServer();
  };
  try {
    await client.getVersion().catch((error: unknown) => {
      throw new HarnessError('EC_PROXY_UNREACHABLE', `no Toxiproxy answers at ${apiUrl} (${(error as Error).message})`, 'start Toxiproxy there, fix TOXIPROXY_URL / --toxiproxy, or use --toxiproxy embedded');
    });
    for (const group of opts.groups) {
      const name = `${PROXY_PREFIX}${group}`;
      // A proxy left behind by a run that was killed would make the create fail with 409.
      await client.get(name).then((stale) => stale.remove(), () => undefined);
      proxies.set(group, await client.createProxy({ name, listen: '127.0.0.1:0', upstream }));
    }
  } catch (error) {
    await stop();
    if (error instanceof HarnessError) throw error;
    throw new HarnessError('EC_PROXY_SETUP', `cannot set up Toxiproxy proxies at ${apiUrl}: ${(error as Error).message}`, 'check that Toxiproxy can listen on 127.0.0.1 and reach the hub', { cause: error });
  }

  const proxyFor = (group: string): Proxy => {
    const proxy = proxies.get(group);
    if (!proxy) throw new Error(`no proxy for group ${group}`);
    return proxy;
  };
  // Each update returns the proxy's new state; keep it, so later calls never send a stale upstream back.
  const update = async (group: string, change: { enabled?: boolean; upstream?: string }) => {
    const p = proxyFor(group);
    proxies.set(group, await p.update({ enabled: change.enabled ?? p.enabled, listen: p.listen, upstream: change.upstream ?? p.upstream }));
  };
  return {
    kind: opts.choice.kind,
    setEnabled: (group, enabled) => update(group, { enabled }),
    setUpstream: async (address) => {
      await Promise.all([...proxies.keys()].map((group) => update(group, { upstream: address })));
    },
    apiUrl,
    client,
    urlFor: (group) => `http://${proxyFor(group).listen}`,
    proxyFor,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
