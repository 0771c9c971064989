import { Counter, Registry } from 'prom-client';

/** Labels real Toxiproxy puts on its proxy byte counters. */
export interface LinkMetricLabels {
  readonly direction: string;
  readonly proxy: string;
  readonly listener: string;
  readonly upstream: string;
}

/** One direction of one connection, as metrics see it. */
export interface MeteredLink {
  readonly metricLabels: LinkMetricLabels;
  byteCounts(): { receivedBytes: number; sentBytes: number };
}

type LabelName = keyof LinkMetricLabels;
const LABEL_NAMES: LabelName[] = ['direction', 'proxy', 'listener', 'upstream'];

/**
 * The `/metrics` registry of one server: `toxiproxy_proxy_received_bytes_total`
 * and `toxiproxy_proxy_sent_bytes_total`, named and labelled as real
 * Toxiproxy's `--proxy-metrics`. Real Toxiproxy adds a connection's bytes
 * when it closes; we also add the bytes of open connections at each scrape,
 * because a test wants to see traffic while it flows. Each server has its
 * own Registry, so two servers in one process never collide.
 */
export class ToxiproxyMetrics {
  readonly registry = new Registry();
  readonly #received: Counter<LabelName>;
  readonly #sent: Counter<LabelName>;
  readonly #reported = new WeakMap<MeteredLink, { receivedBytes: number; sentBytes: number }>();
  readonly #liveLinks: () => Iterable<MeteredLink>;

  /** @param liveLinks the links of every open connection, read at each scrape */
  constructor(liveLinks: () => Iterable<MeteredLink>) {
    this.#liveLinks = liveLinks;
    const flushLive = (): void => {
      for (const link of this.#liveLinks()) this.flush(link);
    };
    this.#received = new Counter({
      name: 'toxiproxy_proxy_received_bytes_total',
      help: 'Bytes read from the source of a proxy link',
      labelNames: LABEL_NAMES,
      registers: [this.registry],
      collect: flushLive,
    });
    this.#sent = new Counter({
      name: 'toxiproxy_proxy_sent_bytes_total',
      help: 'Bytes written to the destination of a proxy link',
      labelNames: LABEL_NAMES,
      registers: [this.registry],
      collect: flushLive,
    });
  }

  /** Adds what the link moved since it was last counted; call it once more when the link closes. */
  flush(link: MeteredLink): void {
    const now = link.byteCounts();
    const before = this.#reported.get(link) ?? { receivedBytes: 0, sentBytes: 0 };
    const labels = { ...link.metricLabels };
    if (now.receivedBytes > before.receivedBytes) this.#received.inc(labels, now.receivedBytes - before.receivedBytes);
    if (now.sentBytes > before.sentBytes) this.#sent.inc(labels, now.sentBytes - before.sentBytes);
    this.#reported.set(link, {
      receivedBytes: Math.max(now.receivedBytes, before.receivedBytes),
      sentBytes: Math.max(now.sentBytes, before.sentBytes),
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
