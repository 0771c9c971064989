import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../history/events.ts';
import { HistoryBuilder, evidenceOf } from './history.test-support.ts';
import { checkPollingFallback } from './polling-fallback.ts';

const poll = (agent: string, t: number, answer: { status?: number; error?: string } = {}): HistoryEvent =>
  answer.status === undefined && answer.error === undefined ? { t, agent, type: 'poll', ok: true, commands: 0 } : { t, agent, type: 'poll', ok: false, commands: 0, ...answer };

/** a1 and a2 drop in a redeploy from 1_000 to 2_000 and are back at 6_000; `polls` are what they saw meanwhile. */
function redeployed(polls: HistoryEvent[], extra: (h: HistoryBuilder) => HistoryBuilder = (h) => h) {
  const h = new HistoryBuilder()
    .event({ t: 1_000, type: 'hub.redeploy', name: 'deploy-1', kind: 'graceful', phase: 'begin' })
    .event({ t: 2_000, type: 'hub.redeploy', name: 'deploy-1', kind: 'graceful', phase: 'end' });
  for (const agent of ['a1', 'a2']) {
    h.event({ t: 0, agent, type: 'ws.open', conn: 1 })
      .event({ t: 1_001, agent, type: 'ws.close', conn: 1, code: 1012, reason: 'Service Restart', openMs: 1_001, by: 'remote' })
      .event({ t: 1_500, agent, type: 'poll', ok: false, commands: 0, error: 'ECONNREFUSED' })
      .event({ t: 6_000, agent, type: 'ws.open', conn: 2 });
  }
  for (const p of polls) h.event(p);
  return extra(h).input(['a1', 'a2'], {});
}

describe('checkPollingFallback judges that polls worked while the hub was up', () => {
  test('polls the hub answered 500 after it was back fail the check, with the status and the count; failures while it was down are excused', () => {
    const result = checkPollingFallback(redeployed([poll('a1', 2_500, { status: 500 }), poll('a2', 3_000, { status: 500 }), poll('a2', 3_500)]), {});
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('2 of 5 polls failed while the hub was up (HTTP 500 ×2)');
    expect(evidenceOf(result)).toMatchObject({ failedPollsWhileHubUp: 2, failedPollsExcused: 2, failedPollsByAnswer: { 'HTTP 500': 2 }, firstFailedPolls: [{ agent: 'a1', atMs: 2_500, status: 500 }, { agent: 'a2', atMs: 3_000, status: 500 }] });
  });

  test('boundaries: an answered failure is excused up to the window end; one with no answer up to 5 s after it (a request sent while down times out later)', () => {
    expect(checkPollingFallback(redeployed([poll('a1', 2_000, { status: 502 })]), {}).status).toBe('passed');
    expect(checkPollingFallback(redeployed([poll('a1', 2_000.1, { status: 502 })]), {}).status).toBe('failed');
    expect(checkPollingFallback(redeployed([poll('a1', 7_000, { error: 'The operation was aborted due to timeout' })]), {}).status).toBe('passed');
    expect(checkPollingFallback(redeployed([poll('a1', 7_000.1, { error: 'The operation was aborted due to timeout' })]), {}).status).toBe('failed');
  });

  test('a partition excuses the agents behind it, not the others', () => {
    const cut = (h: HistoryBuilder) =>
      h.event({ t: 2_200, type: 'fault.applied', fault: 'cut', kind: 'partition', target: 'g1', detail: {} }).event({ t: 2_800, type: 'fault.removed', fault: 'cut', kind: 'partition', target: 'g1' });
    const withGroups = (polls: HistoryEvent[]) => ({ ...redeployed(polls, cut), groups: [{ name: 'g1', agents: ['a1'] }, { name: 'g2', agents: ['a2'] }] });
    expect(checkPollingFallback(withGroups([poll('a1', 2_500, { status: 503 })]), {}).status).toBe('passed');
    expect(checkPollingFallback(withGroups([poll('a2', 2_500, { status: 503 })]), {}).status).toBe('failed');
  });

  test('without a redeploy, failed polls are still judged; with no redeploy and no poll it skips', () => {
    const h = new HistoryBuilder().event(poll('a1', 100, { status: 500 }));
    expect(checkPollingFallback(h.input(['a1']), {}).status).toBe('failed');
    expect(checkPollingFallback(new HistoryBuilder().connection('a1', 0, 10).input(['a1']), {}).status).toBe('skipped');
  });
});
