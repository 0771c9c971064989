import { describe, expect, test } from 'vitest';
import { HubMetrics } from '../../server/metrics.ts';
import { parsePrometheusText } from '../../common/prom-text.ts';
import { checkCommandDelivery } from './command-delivery.ts';
import { HistoryBuilder, evidenceOf } from './history.test-support.ts';

async function hubMetricsWithPending(pending: number) {
  const metrics = new HubMetrics();
  metrics.commandsPending.set(pending);
  return parsePrometheusText(await metrics.text());
}

describe('checkCommandDelivery', () => {
  test('a command never applied is lost: the check fails and names it', () => {
    const history = new HistoryBuilder()
      .issued('agent-1', 'c1', 100)
      .applied('agent-1', 'c1', 130)
      .issued('agent-2', 'c2', 200);
    const result = checkCommandDelivery(history.input(['agent-1', 'agent-2']), {});
    expect(result.status).toBe('failed');
    expect(evidenceOf(result)).toMatchObject({ issued: 2, applied: 1, lost: [{ id: 'c2', agent: 'agent-2', issuedAtMs: 200 }], duplicated: [] });
    expect(result.summary).toContain('c2 for agent-2');
  });

  test('a command applied twice (not flagged as a repeat) fails the check', () => {
    const history = new HistoryBuilder()
      .issued('agent-1', 'c1', 100)
      .applied('agent-1', 'c1', 110, { transport: 'ws' })
      .applied('agent-1', 'c1', 2_000, { transport: 'poll' });
    const result = checkCommandDelivery(history.input(['agent-1']), {});
    expect(result.status).toBe('failed');
    expect(evidenceOf(result)).toMatchObject({ lost: [], duplicated: [{ id: 'c1', agent: 'agent-1', applied: 2 }] });
  });

  test('re-deliveries the agent recognised and acked again are fine', () => {
    const history = new HistoryBuilder()
      .issued('agent-1', 'c1', 100)
      .applied('agent-1', 'c1', 150, { transport: 'poll' })
      .applied('agent-1', 'c1', 900, { transport: 'ws', repeat: true })
      .applied('agent-1', 'c1', 1_900, { transport: 'ws', repeat: true });
    const result = checkCommandDelivery(history.input(['agent-1']), {});
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({
      issued: 1,
      applied: 1,
      repeatsAckedNotApplied: 2,
      appliedByTransport: { poll: 1 },
      latency: { count: 1, p50Ms: 50 },
    });
  });

  test('a command applied before the admin call that issued it returned still counts, with latency 0', () => {
    const history = new HistoryBuilder().applied('agent-1', 'c1', 90).issued('agent-1', 'c1', 100);
    const result = checkCommandDelivery(history.input(['agent-1']), {});
    expect(result.status).toBe('passed');
    expect(evidenceOf(result)).toMatchObject({ latency: { p50Ms: 0 } });
  });

  test('commands still pending at the hub (from its /metrics) fail the check', async () => {
    const history = new HistoryBuilder().issued('agent-1', 'c1', 100).applied('agent-1', 'c1', 120);
    const pending = checkCommandDelivery(history.input(['agent-1'], { hubMetrics: await hubMetricsWithPending(2) }), {});
    expect(pending.status).toBe('failed');
    expect(evidenceOf(pending)).toMatchObject({ pendingAtHub: 2 });

    const none = checkCommandDelivery(history.input(['agent-1'], { hubMetrics: await hubMetricsWithPending(0) }), {});
    expect(none.status).toBe('passed');
    expect(evidenceOf(none)).toMatchObject({ pendingAtHub: 0 });
  });

  test('maxP50LatencyMs bounds the median issue-to-apply latency', () => {
    const history = new HistoryBuilder()
      .issued('agent-1', 'c1', 0).applied('agent-1', 'c1', 100)
      .issued('agent-1', 'c2', 0).applied('agent-1', 'c2', 300)
      .issued('agent-1', 'c3', 0).applied('agent-1', 'c3', 5_000);
    expect(checkCommandDelivery(history.input(['agent-1']), { maxP50LatencyMs: 300 }).status).toBe('passed');
    const slow = checkCommandDelivery(history.input(['agent-1']), { maxP50LatencyMs: 299 });
    expect(slow.status).toBe('failed');
    expect(evidenceOf(slow)).toMatchObject({ latency: { p50Ms: 300, maxMs: 5_000 } });
  });

  test('with no commands it is skipped, with the reason the run gives or a default one', () => {
    const reason = 'the hub has no POST /admin/commands (HTTP 404), so the harness cannot issue commands';
    const foreign = checkCommandDelivery(new HistoryBuilder().connection('agent-1', 0, 10).input(['agent-1'], { commandsMissing: reason }), {});
    expect(foreign).toMatchObject({ status: 'skipped', reason });
    expect(foreign.summary).toContain(reason);

    const none = checkCommandDelivery(new HistoryBuilder().input(['agent-1']), {});
    expect(none.status).toBe('skipped');
    expect(none.status === 'skipped' && none.reason).toBeTruthy();
  });

  // Bug: when the hub refused every command the harness tried to issue (HTTP 401/500 from
  // POST /admin/commands), nothing was verified, yet the check skips saying the scenario
  // issued no commands, and the run can go green. Suspected fix in command-delivery.ts: when
  // issued.size === 0 and issueFailures > 0, fail (or at least skip naming the failures).
  test('a hub that refused every command is not reported as a run without commands', () => {
    const history = new HistoryBuilder().issueFailed('agent-1', 1_000, 500).issueFailed('agent-2', 2_000, 500).issueFailed('agent-1', 3_000, 500);
    const result = checkCommandDelivery(history.input(['agent-1', 'agent-2']), {});
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('3');
  });
});
