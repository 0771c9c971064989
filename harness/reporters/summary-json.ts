import type { RunResult } from '../runner/result.ts';

/**
 * summary.json: the run's result without the bulky parts (events are in
 * events.ndjson, hub metrics in hub-metrics.txt, the run's own in run-metrics.txt). `schemaVersion` changes when a
 * field changes meaning or goes away.
 */
export function renderSummaryJson(result: RunResult): string {
  const { events: _events, hubMetricsText: _metrics, runMetricsText: _runMetrics, agentIds: _ids, ...summary } = result;
  return `${JSON.stringify({ tool: 'edge-chaos', ...summary }, null, 2)}\n`;
}
