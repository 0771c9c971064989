import { describe, expect, test } from 'vitest';
import { checkConnectionLoop } from '../checks/connection-loop.ts';
import { checkDeadDetection } from '../checks/dead-detection.ts';
import { checkFaultEffect } from '../checks/fault-effect.ts';
import { HistoryBuilder } from '../checks/history.test-support.ts';
import { defineScenario, type ScenarioDefinition } from './define.ts';
import { FAULTS, type FaultKind, type FaultSpec } from './faults.ts';

const KINDS = Object.keys(FAULTS) as FaultKind[];

/**
 * FAULTS says how the checks read each kind's window; the checks themselves
 * decide it. These run each check on a small history with one window of each
 * kind, so the record and the checks cannot drift apart unnoticed.
 */
describe('the checks read each fault window as FAULTS says', () => {
  test.each(KINDS)('%s: fault-effect expects its agents hit only when it disrupts', (kind) => {
    // One agent behind the fault that saw nothing at all.
    const input = new HistoryBuilder().connection('a1', 0, 20_000, { code: 1000, reason: 'bye' }).fault('f', kind, 1_000, 5_000).input(['a1']);
    expect(checkFaultEffect(input, {}).status).toBe(FAULTS[kind].window.disrupts ? 'failed' : 'skipped');
  });

  test.each(KINDS)('%s: connection-loop excuses 1006 closes in its window only when it says so', (kind) => {
    const input = new HistoryBuilder().connections('a1', 5, { startMs: 1_000, periodMs: 500, openMs: 5, code: 1006, reason: '' }).fault('f', kind, 500, 10_000).input(['a1']);
    expect(checkConnectionLoop(input, {}).status).toBe(FAULTS[kind].window.explainsAbnormalClose ? 'passed' : 'failed');
  });

  test.each(KINDS)('%s: dead-detection times the agents only when it silences links', (kind) => {
    // Connected before the window, never noticed anything.
    const input = new HistoryBuilder().connection('a1', 0, 20_000, { code: 1000, reason: 'bye' }).fault('f', kind, 1_000, 5_000).input(['a1']);
    expect(checkDeadDetection(input, { withinMs: 2_000 }).status).toBe(FAULTS[kind].window.silencesLinks ? 'failed' : 'skipped');
  });
});

describe('a fault step is checked against its FAULTS entry when the scenario loads', () => {
  const scenario = (fault: unknown): ScenarioDefinition => ({ name: 'probe', description: 'a probe', defaults: { agents: 1, durationMs: 1_000 }, faults: [{ atMs: 0, fault: fault as FaultSpec }], checks: {} });
  const refused = (fault: unknown) => {
    try {
      defineScenario(scenario(fault));
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  test.each<[unknown, string]>([
    [{ kind: 'jitter' }, 'faults[0].fault.kind must be one of latency, bandwidth, blackhole, reset, slow-close, partition, flap, got "jitter"'],
    [{ kind: 'constructor' }, 'faults[0].fault.kind must be one of latency, bandwidth, blackhole, reset, slow-close, partition, flap, got "constructor"'],
    [{ kind: 'latency' }, 'faults[0].fault.latencyMs must be a number >= 0, got undefined'],
    [{ kind: 'latency', latencyMs: 10, jitterMs: -1 }, 'faults[0].fault.jitterMs must be a number >= 0, got -1'],
    [{ kind: 'bandwidth', rateKBps: 0 }, 'faults[0].fault.rateKBps must be a number > 0, got 0'],
    [{ kind: 'blackhole', closeAfterMs: -5 }, 'faults[0].fault.closeAfterMs must be a number >= 0, got -5'],
    [{ kind: 'reset' }, 'faults[0].fault.resetAfterMs must be a number >= 0, got undefined'],
    [{ kind: 'slow-close', delayMs: '1s' }, 'faults[0].fault.delayMs must be a number >= 0, got "1s"'],
    [{ kind: 'flap', periodMs: 0, downMs: 1 }, 'faults[0].fault.periodMs must be a number of ms > 0, got 0'],
    [{ kind: 'flap', periodMs: 1_000, downMs: 1_000 }, 'faults[0].fault.downMs must be a number of ms > 0 and < periodMs, got 1000'],
  ])('%j: %s', (fault, message) => {
    expect(refused(fault)).toBe(`scenario "probe": ${message}`);
  });

  test.each<FaultSpec>([
    { kind: 'latency', latencyMs: 0 },
    { kind: 'latency', latencyMs: 200, jitterMs: 50, stream: 'downstream' },
    { kind: 'bandwidth', rateKBps: 2 },
    { kind: 'blackhole' },
    { kind: 'reset', resetAfterMs: 0 },
    { kind: 'slow-close', delayMs: 100 },
    { kind: 'partition' },
    { kind: 'flap', periodMs: 6_000, downMs: 2_000 },
  ])('%j is accepted', (fault) => {
    expect(refused(fault)).toBe('accepted');
  });
});
