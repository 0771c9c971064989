import { expect, test } from 'vitest';
import { parsePrometheusText } from '../../common/prom-text.ts';
import { History } from '../history/history.ts';
import { Collector } from './collector/collector.ts';
import { PROMTOOL_MISSING, promtoolCheck } from './promtool.test-support.ts';
import { RunMetrics } from './run-metrics.ts';

/** Every edge_chaos_* family a run can serve: the run's own, plus the collector's on a network run, each with a sample. */
async function exposition(): Promise<string> {
  const history = new History();
  const metrics = new RunMetrics({ history, agents: 2, counts: () => ({ connected: 1, polling: 0, down: 1 }), shards: () => 1, clock: () => 2_500 });
  const collector = new Collector([{ firstIndex: 0, count: 2 }], { sink: (e) => history.append(e) }, {}, metrics.registry);
  collector.hello(0, { instance: 'a', firstIndex: 0, agents: 2, clock: { offsetMs: 250, uncertaintyMs: 0.4, rttMs: 0.8, samples: 8 }, host: 'h', pid: 1 });
  collector.batch(0, { seq: 1, events: [{ t: 1, agent: 'agent-1', type: 'ws.open', conn: 1 }], sentEvents: 1, counts: { connected: 1, polling: 0, down: 1 }, lost: { poll: 3 }, started: true, final: false });
  history.noteLost('poll', 3);
  const text = await metrics.text();
  metrics.close();
  return text;
}

test('metric names follow Prometheus conventions: _total only on counters, every counter ends in _total, base units (seconds)', async () => {
  const samples = parsePrometheusText(await exposition());
  const families = [...samples.types].filter(([name]) => name.startsWith('edge_chaos_'));
  expect(families.length).toBeGreaterThan(20);
  for (const [name, type] of families) {
    expect(name.endsWith('_total'), `${name} is a ${type}`).toBe(type === 'counter');
    expect(name, 'a unit other than the base one').not.toMatch(/_(ms|milliseconds|kb|mb|minutes|hours)(_|$)/);
  }
  expect(samples.sum('edge_chaos_run_agents')).toBe(2);
  expect(samples.sum('edge_chaos_events_lost_total')).toBe(3);
  expect(samples.sum('edge_chaos_shard_clock_offset_seconds', { shard: '1' })).toBe(0.25);
  expect(samples.sum('edge_chaos_shard_clock_uncertainty_seconds', { shard: '1' })).toBe(0.0004);
});

test.skipIf(PROMTOOL_MISSING !== undefined)(`promtool check metrics finds nothing to say about the run's metrics${PROMTOOL_MISSING ? ` (skipped: ${PROMTOOL_MISSING})` : ''}`, async () => {
  const text = await exposition();
  expect(text).toContain('edge_chaos_shard_clock_offset_seconds{shard="1"} 0.25');
  expect(promtoolCheck(text)).toEqual({ status: 0, output: '' });
});
