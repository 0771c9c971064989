import type { Rng } from '../../common/rng.ts';

/**
 * A seeded generator of Toxiproxy API calls: mostly plausible ones (so the
 * fuzzer reaches deep states: proxies with toxics, updates, deletes) mixed
 * with malformed and edge-case ones. The same seed gives the same calls.
 */

/** One HTTP call. `body` is sent as is (a string, so it can be broken JSON). */
export interface FuzzCall {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
}

/** What the generator remembers of the server, to aim at names that exist (or just did). */
export interface FuzzState {
  readonly proxies: string[];
  readonly toxics: Map<string, string[]>;
  /** A loopback address carrying data (an echo server) and one already taken (for bind failures). */
  readonly upstream: string;
  readonly takenListen: string;
}

const TOXIC_TYPES = ['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data', 'noop'];
const ATTRIBUTES = ['latency', 'jitter', 'rate', 'delay', 'timeout', 'average_size', 'size_variation', 'bytes'];
const METHODS = ['GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD', 'OPTIONS'];

export class FuzzGenerator {
  readonly #rng: Rng;
  readonly #state: FuzzState;

  constructor(rng: Rng, state: FuzzState) {
    this.#rng = rng;
    this.#state = state;
  }

  #int(n: number): number {
    return Math.floor(this.#rng.next() * n);
  }

  #pick<T>(items: readonly T[]): T {
    return items[this.#int(items.length)]!;
  }

  #chance(p: number): boolean {
    return this.#rng.next() < p;
  }

  /** Numbers that break naive code: huge, negative, fractional, past int64 and float32, not numbers. */
  number(): unknown {
    return this.#pick<unknown>([
      0, 1, -1, 10, 100, 1_000, 2 ** 31 - 1, 2 ** 31, 3_000_000_000, 2 ** 53, 2 ** 53 + 2, 2 ** 63, -(2 ** 63), 1e20, 1e308,
      -1e308, 0.5, -0.5, 1.5, 1e-9, '100', true, null, [], {}, this.#int(200) - 50, this.#int(50_000),
    ]);
  }

  name(): string {
    const existing = [...this.#state.proxies];
    if (existing.length > 0 && this.#chance(0.4)) return this.#pick(existing);
    return this.#pick([
      () => `p${this.#int(20)}`,
      () => 'é✓🦀'.repeat(1 + this.#int(5)),
      () => 'x'.repeat(this.#pick([1, 100, 1_001, 5_000, 65_536, 65_537])),
      () => 'a/b',
      () => 'a%2Fb',
      () => '..',
      () => ' space ',
      () => 'null',
      () => '\u0000zero',
      () => '?q=1',
      () => '#frag',
    ])();
  }

  #listen(): unknown {
    return this.#pick<unknown>([
      '127.0.0.1:0', '127.0.0.1:0', 'localhost:0', ':0', '', '[::1]:0', '0.0.0.0:0', '[::]:0', '10.0.0.1:0',
      '127.0.0.1:65536', '127.0.0.1:-1', '127.0.0.1', 'nonsense', '::1:0', this.#state.takenListen, 5, null,
    ]);
  }

  #upstream(): unknown {
    return this.#pick<unknown>([this.#state.upstream, this.#state.upstream, '127.0.0.1:1', 'nowhere:80', '', 'x', 42, null]);
  }

  #attributes(): unknown {
    if (this.#chance(0.1)) return this.#pick<unknown>([null, 'attrs', 5, [], [1, 2]]);
    const attributes: Record<string, unknown> = {};
    const count = this.#int(4);
    for (let i = 0; i < count; i += 1) attributes[this.#chance(0.9) ? this.#pick(ATTRIBUTES) : 'unknown_key'] = this.number();
    return attributes;
  }

  #toxicBody(): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    if (this.#chance(0.7)) body['name'] = this.#chance(0.8) ? `t${this.#int(6)}` : this.name();
    if (this.#chance(0.95)) body['type'] = this.#chance(0.9) ? this.#pick(TOXIC_TYPES) : this.#pick<unknown>(['LATENCY', 'bogus', '', 7, null]);
    if (this.#chance(0.6)) body['stream'] = this.#pick<unknown>(['upstream', 'downstream', 'UPSTREAM', 'sideways', '', 3]);
    if (this.#chance(0.5)) body['toxicity'] = this.#pick<unknown>([0, 0.5, 1, 1.5, -1, 1e39, 'often', null, this.number()]);
    if (this.#chance(0.9)) body['attributes'] = this.#attributes();
    return body;
  }

  #proxyBody(): Record<string, unknown> {
    const body: Record<string, unknown> = {};
    if (this.#chance(0.95)) body['name'] = this.#chance(0.95) ? this.name() : this.number();
    if (this.#chance(0.9)) body['listen'] = this.#listen();
    if (this.#chance(0.95)) body['upstream'] = this.#upstream();
    if (this.#chance(0.3)) body['enabled'] = this.#pick<unknown>([true, false, 'yes', 0, null]);
    if (this.#chance(0.05)) body['toxics'] = [{ type: 'latency' }];
    return body;
  }

  /** The body as sent: usually its JSON, sometimes broken. */
  #encode(body: unknown): string {
    if (!this.#chance(0.08)) return JSON.stringify(body);
    const text = JSON.stringify(body);
    return this.#pick([
      () => text.slice(0, this.#int(text.length)),
      () => `${text}}`,
      () => '',
      () => 'null',
      () => '[]',
      () => '"a string"',
      () => '{"name": "dup", "name": 5}',
      () => '{"a":'.repeat(2_000),
      () => '\uFEFF' + text,
      () => text.replace(/"/g, "'"),
    ])();
  }

  #proxyPath(name: string): string {
    return `/proxies/${encodeURIComponent(name)}`;
  }

  #toxicName(proxy: string): string {
    const names = this.#state.toxics.get(proxy) ?? [];
    return names.length > 0 && this.#chance(0.6) ? this.#pick(names) : this.#pick([`t${this.#int(6)}`, 'latency_downstream', this.name()]);
  }

  next(): FuzzCall {
    const proxy = this.name();
    const roll = this.#int(100);
    if (roll < 18) return { method: 'POST', path: '/proxies', body: this.#encode(this.#proxyBody()) };
    if (roll < 22) {
      const entries = Array.from({ length: this.#int(4) }, () => this.#proxyBody());
      return { method: 'POST', path: '/populate', body: this.#encode(this.#chance(0.9) ? entries : entries[0] ?? {}) };
    }
    if (roll < 42) return { method: 'POST', path: `${this.#proxyPath(proxy)}/toxics`, body: this.#encode(this.#toxicBody()) };
    if (roll < 52) {
      const body = { ...(this.#chance(0.5) ? { attributes: this.#attributes() } : {}), ...(this.#chance(0.5) ? { toxicity: this.number() } : {}) };
      return { method: this.#pick(['POST', 'PATCH']), path: `${this.#proxyPath(proxy)}/toxics/${encodeURIComponent(this.#toxicName(proxy))}`, body: this.#encode(body) };
    }
    if (roll < 62) {
      const body: Record<string, unknown> = {};
      if (this.#chance(0.5)) body['enabled'] = this.#pick<unknown>([true, false, 'no']);
      if (this.#chance(0.3)) body['listen'] = this.#listen();
      if (this.#chance(0.3)) body['upstream'] = this.#upstream();
      return { method: this.#pick(['POST', 'PATCH']), path: this.#proxyPath(proxy), body: this.#encode(body) };
    }
    if (roll < 70) return { method: 'DELETE', path: this.#proxyPath(proxy) };
    if (roll < 76) return { method: 'DELETE', path: `${this.#proxyPath(proxy)}/toxics/${encodeURIComponent(this.#toxicName(proxy))}` };
    if (roll < 84) return { method: 'GET', path: this.#pick(['/proxies', this.#proxyPath(proxy), `${this.#proxyPath(proxy)}/toxics`, `${this.#proxyPath(proxy)}/toxics/${encodeURIComponent(this.#toxicName(proxy))}`, '/version', '/metrics']) };
    if (roll < 86) return { method: 'POST', path: '/reset' };
    // Wrong methods and odd paths.
    const path = this.#pick(['/proxies', '/populate', '/reset', '/version', '/metrics', this.#proxyPath(proxy), `${this.#proxyPath(proxy)}/toxics`, '/proxies/', '/proxies//toxics', '/nope', `/proxies/${proxy}/toxics/a/b`, '/%', '/proxies/%ZZ']);
    return { method: this.#pick(METHODS), path, body: this.#chance(0.5) ? this.#encode(this.#toxicBody()) : undefined };
  }
}
