import { HubError } from '../../server/errors.ts';
import { startHub } from '../../server/start.ts';
import { HarnessError } from '../errors.ts';
import { parsePrometheusText, type MetricSamples } from './prom-text.ts';

/** A hub the run talks to, whoever started it. */
export interface HubRuntime extends AsyncDisposable {
  readonly kind: 'in-process' | 'external';
  /** Base HTTP URL agents dial. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface InProcessHubOptions {
  defects?: readonly string[];
  pingIntervalMs?: number;
  tokens?: readonly string[];
}

/** The reference hub in this process on a free loopback port: the default and the fastest. */
export async function startInProcessHub(options: InProcessHubOptions): Promise<HubRuntime> {
  try {
    const started = await startHub({ host: '127.0.0.1', port: 0, ...options });
    return { kind: 'in-process', url: started.url, stop: started.stop, [Symbol.asyncDispose]: started.stop };
  } catch (error) {
    if (error instanceof HubError) throw new HarnessError('EC_HUB_START', `the reference hub refused to start: ${error.message}`, error.fix, { cause: error });
    throw error;
  }
}

/** A hub someone else runs: checked for an HTTP answer, never stopped by us. */
export async function connectExternalHub(url: string): Promise<HubRuntime> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new HarnessError('EC_HUB_UNREACHABLE', `no HTTP answer from the hub at --hub-url ${url} (${cause})`, 'start the hub, or fix --hub-url (scheme, host and port, e.g. http://127.0.0.1:8080)');
  }
  const noop = async () => {};
  return { kind: 'external', url, stop: noop, [Symbol.asyncDispose]: noop };
}

/** The hub's /metrics, parsed; or why there are none (a foreign hub may have no /metrics). */
export async function scrapeHubMetrics(url: string): Promise<{ text: string; samples: MetricSamples } | { missing: string }> {
  const metricsUrl = new URL('/metrics', url).toString();
  try {
    const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    if (!response.ok) return { missing: `the hub answered GET /metrics with HTTP ${response.status}` };
    const samples = parsePrometheusText(text);
    if (samples.samples.length === 0) return { missing: 'the hub\'s GET /metrics returned no Prometheus samples' };
    return { text, samples };
  } catch (error) {
    return { missing: `GET ${metricsUrl} failed: ${(error as Error).message}` };
  }
}
