import { describe, expect, test } from 'vitest';
import { parsePrometheusText, metricDelta } from '../../common/prom-text.ts';
import { RawClients, enqueueCommand, nextClose } from '../../server/hub.test-support.ts';
import { startHub } from '../../server/start.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { runScenario } from './run.ts';

/**
 * A hub someone else also uses (staging, `npm run hub` on a colleague's
 * machine): what happened on it before the run, or to other devices, is not
 * the run's. The checks judge what changed during the run, for its own ids.
 */
describe('a shared hub', () => {
  test("a clean loop passes against a hub that already holds another device's pending command and replaced connections", async () => {
    await using hub = await startHub();
    await enqueueCommand(hub.url, 'other-device', 'reboot');
    {
      await using clients = new RawClients(hub.url);
      const first = await clients.open('other-device-2');
      const replaced = nextClose(first);
      await clients.open('other-device-2');
      await replaced;
    }
    const result = await runScenario(SCENARIOS.get('loop')!, { hubUrl: hub.url, agents: 3, durationMs: 3_000, seed: '41' });
    const failed = result.checks.filter((c) => c.status === 'failed').map((c) => `${c.id}: ${c.summary}`);
    expect(failed).toEqual([]);
    expect(result.verdict).toBe('passed');
    const replacedCheck = result.checks.find((c) => c.id === 'hub-connections-replaced')!;
    expect(replacedCheck.status).toBe('passed');
    expect(replacedCheck.summary).toContain('replaced 0 connection(s)');
  }, 60_000);
});

describe('metricDelta', () => {
  const text = (replaced: number, pending: number, bucket = '1') => `# TYPE edge_hub_connections_replaced_total counter
edge_hub_connections_replaced_total ${replaced}
# TYPE edge_hub_commands_pending gauge
edge_hub_commands_pending ${pending}
# TYPE h histogram
h_bucket{le="${bucket}"} ${replaced}
`;

  test('counters and gauges as the change between two scrapes; a series new in the second counts from 0', () => {
    const delta = metricDelta(parsePrometheusText(text(4, 1)), parsePrometheusText(`${text(6, 1)}new_total 2\n`));
    expect(delta.sum('edge_hub_connections_replaced_total')).toBe(2);
    expect(delta.sum('edge_hub_commands_pending')).toBe(0);
    expect(delta.sum('new_total')).toBe(2);
  });

  test('a counter that went down restarted: its new value is the change', () => {
    expect(metricDelta(parsePrometheusText(text(9, 0)), parsePrometheusText(text(3, 0))).sum('edge_hub_connections_replaced_total')).toBe(3);
  });

  test('le="1" and le="1.0" are the same bucket, as Prometheus reads them', () => {
    const delta = metricDelta(parsePrometheusText(text(4, 0, '1')), parsePrometheusText(text(6, 0, '1.0')));
    expect(delta.sum('h_bucket', { le: '1' })).toBe(2);
  });
});
