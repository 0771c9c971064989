import { describe, expect, test } from 'vitest';
import { defineScenario, type ScenarioDefinition } from './define.ts';
import { SCENARIOS } from '../../scenarios/index.ts';

const base: ScenarioDefinition = { name: 'probe', description: 'a probe', defaults: { agents: 1, durationMs: 1_000 }, checks: {} };
const bad = { code: 'EC_BAD_SCENARIO' };
const define = (patch: Record<string, unknown>) => () => defineScenario({ ...base, ...patch } as ScenarioDefinition);

describe('defineScenario', () => {
  test('returns a valid definition unchanged', () => {
    const def = { ...base, traffic: { commandIntervalMs: 500 }, agent: { backoff: { minMs: 100, maxMs: 1_000 } } };
    expect(defineScenario(def)).toBe(def);
  });

  test.each([
    ['a name with capitals', { name: 'Loop' }],
    ['a name with spaces', { name: 'my loop' }],
    ['an empty description', { description: '  ' }],
    ['zero agents', { defaults: { agents: 0, durationMs: 1_000 } }],
    ['fractional agents', { defaults: { agents: 1.5, durationMs: 1_000 } }],
    ['a zero duration', { defaults: { agents: 1, durationMs: 0 } }],
    ['a negative ramp', { defaults: { agents: 1, durationMs: 1_000, rampMs: -1 } }],
    ['a ping interval under 10 ms', { hub: { pingIntervalMs: 5 } }],
    ['a zero command interval', { traffic: { commandIntervalMs: 0 } }],
    ['a negative settle', { settleMs: -1 }],
    ['a negative backoff', { agent: { backoff: { minMs: -1 } } }],
    ['an unknown check', { checks: { connectionLoops: {} } }],
    ['checks that are neither object nor function', { checks: 'all' }],
  ])('refuses %s with EC_BAD_SCENARIO', (_what, patch) => {
    expect(define(patch)).toThrow(expect.objectContaining(bad));
  });

  // Bugs: these values pass validation yet break a run without a word. pollIntervalMs 0 makes
  // every agent poll the hub in a tight loop while its socket is down; jitter 'ful' (a typo)
  // silently means full jitter; connectionLoop.minCycles 0 switches the loop detector off
  // (it can never flag). Suspected fix in harness/scenario/define.ts: check agent.pollIntervalMs
  // (number >= 1, or a floor like 10), agent.backoff.jitter ('full' | 'none'), and
  // checks.connectionLoop.minCycles (whole number >= 2) / maxConnectionMs (> 0) when checks is an object.
  test.each([
    ['agent.pollIntervalMs 0', { agent: { pollIntervalMs: 0 } }],
    ['agent.backoff.jitter "ful"', { agent: { backoff: { jitter: 'ful' } } }],
    ['checks.connectionLoop.minCycles 0', { checks: { connectionLoop: { minCycles: 0 } } }],
  ])('refuses %s with EC_BAD_SCENARIO', (_what, patch) => {
    expect(define(patch)).toThrow(expect.objectContaining(bad));
  });
});

describe('unknown field names: EC_BAD_SCENARIO naming the field, with the closest valid one', () => {
  test.each([
    ['a top-level field', { check: { connectionLoop: {} } }, /"check".*did you mean checks\?/],
    ['a field of defaults', { defaults: { agents: 1, durationMs: 1_000, ramp: 500 } }, /"defaults\.ramp".*did you mean rampMs\?/],
    ['a field of hub', { hub: { pingInterval: 2_000 } }, /"hub\.pingInterval".*did you mean pingIntervalMs\?/],
    ['a field of agent', { agent: { pollInterval: 2_000 } }, /"agent\.pollInterval".*did you mean pollIntervalMs\?/],
    ['a field of agent.backoff', { agent: { backoff: { maxDelayMs: 1_000 } } }, /"agent\.backoff\.maxDelayMs"/],
    ['a field of traffic', { traffic: { commandIntervalMs: 500, commandsPerSecond: 2 } }, /"traffic\.commandsPerSecond"/],
    ['a field of a group', { groups: [{ name: 'a', share: 0.5, size: 3 }] }, /"groups\[0\]\.size"/],
    ['an option of a check', { checks: { reconnects: { maxPerAgnet: 2 } } }, /"checks\.reconnects\.maxPerAgnet".*did you mean maxPerAgent\?/],
    ['an option of a check with none of that name', { checks: { connectionLoop: { zzzz: 1 } } }, /"checks\.connectionLoop\.zzzz"/],
  ])('refuses %s', (_what, patch, named) => {
    const error = (() => {
      try {
        define(patch)();
      } catch (e) {
        return e as { code: string; message: string; fix: string };
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('EC_BAD_SCENARIO');
    expect(error.message).toMatch(named);
    expect(error.fix).toMatch(/\S/);
  });

  test('an unknown check names the closest check', () => {
    expect(define({ checks: { connectionLoops: {} } })).toThrow(/did you mean connectionLoop\?/);
  });

  test('checks given as a function are checked when the run resolves them', async () => {
    const { runScenario } = await import('../runner/run.ts');
    const scenario = defineScenario({ ...base, checks: () => ({ reconnects: { maxPerAgnet: 2 } }) as never });
    await expect(runScenario(scenario, { agents: 1, durationMs: 200 })).rejects.toMatchObject({ code: 'EC_BAD_SCENARIO', message: expect.stringMatching(/checks\.reconnects\.maxPerAgnet/) });
  });
});

describe('built-in scenarios', () => {
  test('every built-in passes its own validation and is registered under its name', () => {
    for (const [name, scenario] of SCENARIOS) {
      expect(scenario.name).toBe(name);
      expect(() => defineScenario(scenario)).not.toThrow();
    }
    expect(SCENARIOS.has('loop')).toBe(true);
  });

  test('loop judges connection length by the run: half the duration, capped at 5 s', () => {
    const loop = SCENARIOS.get('loop')!;
    const checks = (durationMs: number) => (typeof loop.checks === 'function' ? loop.checks({ agents: 10, durationMs, pingIntervalMs: 2_000 }) : loop.checks);
    expect(checks(4_000).connectionDurations).toEqual({ minP50Ms: 2_000 });
    expect(checks(60_000).connectionDurations).toEqual({ minP50Ms: 5_000 });
    expect(checks(60_000).connectionLoop).toMatchObject({ minCycles: 3, maxConnectionMs: 5_000 });
    expect(checks(60_000).hubReplaced).toEqual({ maxReplaced: 0 });
  });
});
