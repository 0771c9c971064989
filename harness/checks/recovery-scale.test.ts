import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../history/events.ts';
import { checkRecovery, fleetConnectMs } from './recovery.ts';

/**
 * `agents` agents connect one after another over `rampMs` at the start; a
 * redeploy from 10 s to 11 s drops them all; they come back one after
 * another, the last `backAfterMs` after the hub is up.
 */
function redeployHistory(agents: number, rampMs: number, backAfterMs: number): { events: HistoryEvent[]; agents: string[]; endMs: number } {
  const ids = Array.from({ length: agents }, (_, i) => `agent-${i + 1}`);
  const events: HistoryEvent[] = [];
  ids.forEach((agent, i) => {
    const at = (rampMs * (i + 1)) / agents;
    events.push({ t: at, agent, type: 'ws.connecting', attempt: 0 }, { t: at, agent, type: 'ws.open', conn: 1 });
  });
  events.push({ t: 10_000, type: 'hub.redeploy', name: 'deploy-1', kind: 'graceful', phase: 'begin' });
  for (const agent of ids) events.push({ t: 10_001, agent, type: 'ws.close', conn: 1, code: 1012, reason: 'Service Restart', openMs: 9_000, by: 'remote' });
  events.push({ t: 11_000, type: 'hub.redeploy', name: 'deploy-1', kind: 'graceful', phase: 'end' });
  ids.forEach((agent, i) => events.push({ t: 11_000 + (backAfterMs * (i + 1)) / agents, agent, type: 'ws.open', conn: 2 }));
  events.sort((a, b) => a.t - b.t);
  return { events, agents: ids, endMs: 60_000 };
}

describe('recovery deadlines scale with what the fleet took to connect at the start', () => {
  test('fleetConnectMs is first attempt to the last first open', () => {
    expect(fleetConnectMs(redeployHistory(100, 4_000, 1_000))).toBe(4_000 - 40);
  });

  test('5,000 agents that took 4 s to connect may take 10 s + 4 s to come back; 14.5 s is late', () => {
    expect(checkRecovery(redeployHistory(5_000, 4_000, 13_500), { withinMs: 10_000 }).status).toBe('passed');
    const late = checkRecovery(redeployHistory(5_000, 4_000, 14_500), { withinMs: 10_000 });
    expect(late.status).toBe('failed');
    expect(late.summary).toContain('plus 4.0 s for 5000 agents');
  });

  test('a small fleet that connected in 20 ms gets no more than its own 20 ms: 10.5 s is late', () => {
    expect(checkRecovery(redeployHistory(10, 20, 10_500), { withinMs: 10_000 }).status).toBe('failed');
  });
});
