import { metricDelta, metricSum, withGaugesFrom, type MetricSamples } from '../../../common/prom-text.ts';
import { scrapeHubMetrics } from './scrape.ts';

type Scrape = Awaited<ReturnType<typeof scrapeHubMetrics>>;

/**
 * Reads a hub's /metrics as what changed during the run, not as totals: a
 * shared hub (staging, `npm run hub` someone else uses) has counters and
 * pending commands from before the run and from other devices. Each hub
 * incarnation (a redeploy restarts the process and its counters) is scraped
 * when it starts and before it stops; the run's figures are the sum of each
 * incarnation's change.
 */
export class HubMetricsTracker {
  readonly #token: string | undefined;
  readonly #done: MetricSamples[] = [];
  #baseline: MetricSamples | undefined;
  /** The first scrape of the run: gauges (pending commands, open connections) are judged against it. */
  #runBaseline: MetricSamples | undefined;
  /** Why the hub has no usable metrics, once a scrape said so. */
  #missing: string | undefined;

  readonly #path: string | undefined;
  readonly #protocol: string;

  /** `path`: the hub's metrics endpoint as its protocol names it; none, and every scrape says so. */
  constructor(token: string | undefined, metrics: { path?: string; protocol?: string } = { path: '/metrics' }) {
    this.#token = token;
    this.#path = metrics.path;
    this.#protocol = metrics.protocol ?? 'v1';
  }

  #scrape(url: string): Promise<Scrape> {
    if (this.#path === undefined) return Promise.resolve({ missing: `protocol ${JSON.stringify(this.#protocol)} names no metrics endpoint for the hub (metrics in its profile)` });
    return scrapeHubMetrics(url, this.#token, this.#path);
  }

  /** A hub incarnation is up: its current values are where its changes start. */
  async started(url: string): Promise<void> {
    const scraped = await this.#scrape(url);
    if ('missing' in scraped) this.#missing ??= scraped.missing;
    else {
      this.#baseline = scraped.samples;
      this.#runBaseline ??= scraped.samples;
    }
  }

  /** A hub incarnation is about to stop: keep what changed on it. */
  async stopping(url: string): Promise<void> {
    if (!this.#baseline) return;
    const scraped = await this.#scrape(url);
    if (!('missing' in scraped)) this.#done.push(metricDelta(this.#baseline, scraped.samples));
    this.#baseline = undefined;
  }

  /**
   * The current hub's last scrape: its raw text (for the report) and the
   * run's changes summed over every incarnation (for the checks).
   */
  async final(url: string): Promise<{ text: string; raw: MetricSamples; samples: MetricSamples } | { missing: string }> {
    const scraped: Scrape = await this.#scrape(url);
    if ('missing' in scraped) return { missing: scraped.missing };
    // A hub whose first scrape failed (still warming up) is judged on totals: the best there is.
    const current = this.#baseline ? metricDelta(this.#baseline, scraped.samples) : scraped.samples;
    // Counters restart with each incarnation, so their changes add up; a gauge is state (pending commands live
    // in the hub's database across restarts), so its change is the last value against the run's first.
    const gauges = this.#runBaseline ? metricDelta(this.#runBaseline, scraped.samples) : scraped.samples;
    return { text: scraped.text, raw: scraped.samples, samples: withGaugesFrom(metricSum([...this.#done, current]), gauges) };
  }

  get missing(): string | undefined {
    return this.#missing;
  }
}
