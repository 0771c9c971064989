import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../checks/types.ts';
import type { HistoryEvent } from '../history/events.ts';
import type { RunResult } from '../runner/result.ts';
import './setup.ts';

const REPLAY = 'npm run scenario loop -- --agents 2 --duration 5s --seed 3';

/** A small hand-written result: the matchers read only checks, events, stats and the replay command. */
function result(checks: CheckResult[], events: HistoryEvent[] = [], commandsIssued = 1): RunResult {
  return {
    schemaVersion: 1,
    scenario: { name: 'loop', description: 'test' },
    params: { agents: 2, durationMs: 5_000, seed: '3', agentIdPrefix: 'agent-', pingIntervalMs: 10_000, hubDefects: [], agentDefects: [], loop: { minCycles: 3, maxConnectionMs: 5_000 } },
    hub: { kind: 'in-process', url: 'http://127.0.0.1:1', metrics: true, admin: true },
    groups: [],
    startedAt: '2025-11-18T10:00:00.000Z',
    elapsedMs: 5_000,
    verdict: checks.some((c) => c.status === 'failed') ? 'failed' : 'passed',
    checks,
    stats: { agents: 2, connects: 0, disconnects: 0, connectFailures: 0, commandsIssued, commandsApplied: commandsIssued, events: events.length },
    replay: REPLAY,
    agentIds: ['agent-1', 'agent-2'],
    events,
  };
}

const loopFailed: CheckResult = { id: 'connection-loop', title: 'No loops', status: 'failed', summary: 'connection loop: 2/2 agents kept reconnecting', evidence: {} };
const loopPassed: CheckResult = { id: 'connection-loop', title: 'No loops', status: 'passed', summary: 'no agent had 3 short connections in a row' };
const deliveryPassed: CheckResult = { id: 'command-delivery', title: 'Delivery', status: 'passed', summary: '5 issued, all applied once' };
const deliveryFailed: CheckResult = { id: 'command-delivery', title: 'Delivery', status: 'failed', summary: '5 issued: 1 lost', evidence: {} };
const opens = (agent: string, n: number): HistoryEvent[] => Array.from({ length: n }, (_, i) => ({ t: i, type: 'ws.open', conn: i + 1, agent }));

describe('edge-chaos vitest matchers', () => {
  test('toPassAllChecks: the failure names each failed check with its summary, and the replay command', () => {
    expect(result([loopPassed, deliveryPassed])).toPassAllChecks();
    const run = result([loopFailed, deliveryPassed]);
    expect(() => expect(run).toPassAllChecks()).toThrow(/1 of 2 failed:\n {2}FAIL connection-loop: connection loop: 2\/2 agents kept reconnecting\nreplay: npm run scenario loop/);
    expect(run).not.toPassAllChecks();
    expect(() => expect(result([loopPassed])).not.toPassAllChecks()).toThrow(/expected a check to fail, but all 1 passed/);
    // As an asymmetric matcher, inside a larger expectation.
    expect({ nightly: result([loopPassed]) }).toEqual({ nightly: expect.toPassAllChecks() });
    expect({ nightly: run }).not.toEqual({ nightly: expect.toPassAllChecks() });
  });

  test('toHaveNoConnectionLoops reads the connection-loop check, and says so when the scenario has none', () => {
    expect(result([loopPassed])).toHaveNoConnectionLoops();
    expect(() => expect(result([loopFailed])).toHaveNoConnectionLoops()).toThrow('connection-loop failed:\n  FAIL connection-loop: connection loop: 2/2 agents');
    expect(() => expect(result([deliveryPassed])).toHaveNoConnectionLoops()).toThrow('has no connection-loop check (it ran: command-delivery)');
  });

  test('toHaveReconnectsAtMost counts each agent’s connections after its first, from the history', () => {
    const run = result([loopPassed], [...opens('agent-1', 4), ...opens('agent-2', 2)]);
    expect(run).toHaveReconnectsAtMost(3);
    expect(() => expect(run).toHaveReconnectsAtMost(2)).toThrow(/at most 2 reconnect\(s\) per agent, but 1 agent\(s\) reconnected more: agent-1 \(3\)/);
    expect(() => expect(run).not.toHaveReconnectsAtMost(3)).toThrow('the most any agent reconnected was 3');
    expect(() => expect(run).toHaveReconnectsAtMost(-1)).toThrow('whole number n >= 0');
  });

  test('toHaveDeliveredAllCommands fails on a lost command, and on a run that issued none (a vacuous pass would hide a broken admin API)', () => {
    expect(result([deliveryPassed])).toHaveDeliveredAllCommands();
    expect(() => expect(result([deliveryFailed])).toHaveDeliveredAllCommands()).toThrow('FAIL command-delivery: 5 issued: 1 lost');
    expect(() => expect(result([], [], 0)).toHaveDeliveredAllCommands()).toThrow('none were issued');
  });

  test('anything but a RunResult is a usage error that says what to pass', () => {
    expect(() => expect({ verdict: 'passed' }).toPassAllChecks()).toThrow('expects the RunResult that runScenario() resolves with');
  });
});
