import { ToxiproxyApiError } from './errors.ts';
import type { MeteredLink } from './metrics.ts';
import { Proxy } from './proxy.ts';
import type { ProxyDeps } from './proxy.ts';

/** A proxy as the API creates it. */
export interface ProxyConfig {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly enabled: boolean;
}

/**
 * Every proxy of one server, by name. Mutations run one at a time through
 * `exclusive`, as real Toxiproxy holds its collection lock: a proxy restart
 * awaiting its listener must not interleave with another change.
 */
export class ProxyCollection {
  readonly #proxies = new Map<string, Proxy>();
  readonly #deps: ProxyDeps;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(deps: ProxyDeps) {
    this.#deps = deps;
  }

  exclusive<T>(task: () => Promise<T> | T): Promise<T> {
    const run = this.#tail.then(() => {
      if (this.#closed) throw new ToxiproxyApiError('INTERNAL', 'server is stopping');
      return task();
    });
    this.#tail = run.catch(() => undefined);
    return run;
  }

  get(name: string): Proxy {
    const proxy = this.#proxies.get(name);
    if (proxy === undefined) throw new ToxiproxyApiError('PROXY_NOT_FOUND');
    return proxy;
  }

  /** Sorted by name: real Toxiproxy's JSON map comes out that way. */
  sorted(): Proxy[] {
    return [...this.#proxies.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Adds a proxy; when it cannot listen the error propagates and nothing is stored. */
  async create(config: ProxyConfig): Promise<Proxy> {
    if (this.#proxies.has(config.name)) throw new ToxiproxyApiError('PROXY_ALREADY_EXISTS');
    const proxy = new Proxy(config.name, config.listen, config.upstream, this.#deps);
    if (config.enabled) await proxy.start();
    this.#proxies.set(config.name, proxy);
    return proxy;
  }

  /** For /populate: an unchanged proxy is kept as it is (toxics too); a changed one is replaced. */
  async createOrReplace(config: ProxyConfig): Promise<Proxy> {
    const existing = this.#proxies.get(config.name);
    if (existing !== undefined) {
      if (!existing.differs(config.listen, config.upstream)) return existing;
      await existing.stop();
    }
    const proxy = new Proxy(config.name, config.listen, config.upstream, this.#deps);
    if (config.enabled) await proxy.start();
    this.#proxies.set(config.name, proxy);
    return proxy;
  }

  async remove(name: string): Promise<void> {
    const proxy = this.get(name);
    await proxy.stop();
    this.#proxies.delete(name);
  }

  /** /reset: every proxy enabled again, every toxic removed, proxies kept. */
  async reset(): Promise<void> {
    for (const proxy of this.#proxies.values()) {
      await proxy.start();
      proxy.removeAllToxics();
    }
  }

  /** Stops every proxy after the mutations already queued; later ones are refused. */
  close(): Promise<void> {
    return this.exclusive(async () => {
      this.#closed = true;
      await Promise.all([...this.#proxies.values()].map((proxy) => proxy.stop()));
      this.#proxies.clear();
    });
  }

  *meteredLinks(): Iterable<MeteredLink> {
    for (const proxy of this.#proxies.values()) yield* proxy.meteredLinks();
  }
}
