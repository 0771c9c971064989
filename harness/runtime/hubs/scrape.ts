import { parsePrometheusText, type MetricSamples } from '../../../common/prom-text.ts';

/** The hub's /metrics, parsed; or why there are none (a foreign hub may have no /metrics). */
export async function scrapeHubMetrics(url: string, token?: string, path = '/metrics'): Promise<{ text: string; samples: MetricSamples } | { missing: string }> {
  const metricsUrl = new URL(path, url).toString();
  try {
    const response = await fetch(metricsUrl, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    if (!response.ok) return { missing: `the hub answered GET ${path} with HTTP ${response.status}` };
    const samples = parsePrometheusText(text);
    if (samples.samples.length === 0) return { missing: `the hub's GET ${path} returned no Prometheus samples` };
    return { text, samples };
  } catch (error) {
    return { missing: `GET ${metricsUrl} failed: ${(error as Error).message}` };
  }
}
