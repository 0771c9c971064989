import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { HarnessError, causeText } from '../errors.ts';
import { proxyIndexFor, proxyLayout } from './proxy-layout.ts';
import { startToxiproxyServers, type ToxiproxyChoice, type ToxiproxyServer } from './toxiproxy-servers.ts';

export type { ToxiproxyChoice } from './toxiproxy-servers.ts';

/**
 * Toxiproxy proxies in front of the hub, driven only through
 * toxiproxy-node-client. Each group of agents has its own proxies (more than
 * one when the group is big), spread over the servers, so a fault can hit one
 * group and no proxy process holds too many connections.
 */
export interface FaultProxy extends AsyncDisposable {
  readonly kind: ToxiproxyChoice['kind'];
  /** The Toxiproxy API URL (the first server's, when there are several). */
  readonly apiUrl: string;
  /** The Toxiproxy server processes the harness started (`--toxiproxy process`), in order; empty for the others. For resource sampling. */
  readonly serverPids: readonly number[];
  /** The base URL agent number `indexInGroup` of `group` dials instead of the hub. */
  urlFor(group: string, indexInGroup: number): string;
  /** Every proxy of a group. */
  proxiesOf(group: string): Proxy[];
  /** Enables or disables a group's proxies (disabled: open connections drop, new ones are refused). */
  setEnabled(group: string, enabled: boolean): Promise<void>;
  /** Points every proxy at another hub (host:port); Toxiproxy restarts them, dropping their connections. */
  setUpstream(upstream: string): Promise<void>;
  stop(): Promise<void>;
}

export { AGENTS_PER_PROXY } from './proxy-layout.ts';

/**
 * Where the proxies listen when agents elsewhere dial them (pods of the
 * kubernetes fleet runner): proxy number `seq` of the layout on
 * `host:firstPort + seq`, dialled at `agentHost:firstPort + seq`. Default:
 * 127.0.0.1 on a free port, for agents on this machine.
 */
export interface ExposedProxies {
  host: string;
  firstPort: number;
  agentHost: string;
}

export async function startFaultProxy(opts: { choice: ToxiproxyChoice; hubUrl: string; groups: readonly { name: string; agents: number }[]; seed?: string; exposed?: ExposedProxies }): Promise<FaultProxy> {
  const hub = new URL(opts.hubUrl);
  if (hub.protocol !== 'http:') {
    throw new HarnessError('EC_BAD_OPTION', `faults need a plain http hub URL to proxy, got ${opts.hubUrl}`, 'use an http:// hub URL, or run a scenario without faults');
  }
  const upstream = `${hub.hostname === 'localhost' ? '127.0.0.1' : hub.hostname}:${hub.port || '80'}`;
  const servers: ToxiproxyServer[] = await startToxiproxyServers(opts.choice, { seed: opts.seed });
  const clients = servers.map((s) => new Toxiproxy(s.apiUrl));
  const proxies = new Map<string, { proxy: Proxy; client: Toxiproxy }[]>();
  const stop = async () => {
    await Promise.allSettled([...proxies.values()].flat().map(({ proxy }) => proxy.remove()));
    proxies.clear();
    await Promise.allSettled(servers.map((s) => s.stop()));
  };
  try {
    await Promise.all(
      clients.map((client, i) =>
        client.getVersion().catch((error: unknown) => {
          throw new HarnessError('EC_PROXY_UNREACHABLE', `no Toxiproxy answers at ${servers[i]!.apiUrl} (${causeText(error)})`, 'start Toxiproxy there, fix TOXIPROXY_URL / --toxiproxy, or use --toxiproxy embedded');
        }),
      ),
    );
    const exposed = opts.exposed;
    for (const [group, slots] of proxyLayout(opts.groups)) {
      const list: { proxy: Proxy; client: Toxiproxy }[] = [];
      for (const { name, seq } of slots) {
        const client = clients[seq % clients.length]!;
        // A proxy left behind by a run that was killed would make the create fail with 409.
        await client.get(name).then((stale) => stale.remove(), () => undefined);
        const listen = exposed ? `${exposed.host}:${exposed.firstPort + seq}` : '127.0.0.1:0';
        list.push({ proxy: await client.createProxy({ name, listen, upstream }), client });
      }
      proxies.set(group, list);
    }
  } catch (error) {
    await stop();
    if (error instanceof HarnessError) throw error;
    throw new HarnessError('EC_PROXY_SETUP', `cannot set up Toxiproxy proxies at ${servers.map((s) => s.apiUrl).join(', ')}: ${(error as Error).message}`, 'check that Toxiproxy can listen on 127.0.0.1 and reach the hub', { cause: error });
  }

  const listOf = (group: string) => {
    const list = proxies.get(group);
    if (!list) throw new Error(`no proxy for group ${group}`);
    return list;
  };
  // Each update returns the proxy's new state; keep it, so later calls never send a stale upstream back.
  const update = async (group: string, change: { enabled?: boolean; upstream?: string }) => {
    const list = listOf(group);
    await Promise.all(
      list.map(async (entry) => {
        const p = entry.proxy;
        entry.proxy = await p.update({ enabled: change.enabled ?? p.enabled, listen: p.listen, upstream: change.upstream ?? p.upstream });
      }),
    );
  };
  const sizes = new Map(opts.groups.map((g) => [g.name, g.agents]));
  return {
    kind: opts.choice.kind,
    apiUrl: servers[0]!.apiUrl,
    serverPids: servers.flatMap((s) => (s.pid === undefined ? [] : [s.pid])),
    urlFor(group, indexInGroup) {
      const list = listOf(group);
      const k = proxyIndexFor(sizes.get(group) ?? 1, list.length, indexInGroup);
      if (opts.exposed) return `http://${opts.exposed.agentHost}:${portOf(list[k]!.proxy.listen)}`;
      return `http://${list[k]!.proxy.listen}`;
    },
    proxiesOf: (group) => listOf(group).map((e) => e.proxy),
    setEnabled: (group, enabled) => update(group, { enabled }),
    setUpstream: async (address) => {
      await Promise.all([...proxies.keys()].map((group) => update(group, { upstream: address })));
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The port of a Toxiproxy listen address: "0.0.0.0:20000", "[::]:20000". */
function portOf(listen: string): string {
  return listen.slice(listen.lastIndexOf(':') + 1);
}
