import { describe, expect, test } from 'vitest';
import { EdgeChaosError } from '../common/errors.ts';
import { runScenario, type LibraryRunOptions } from './index.ts';

/**
 * runScenario's options are checked where they enter, like the command line's
 * flags: an unknown name or a bad value is refused with EC_BAD_OPTION naming
 * it, before anything starts. A value wrongly accepted starts a 1-agent run
 * (it resolves instead of rejecting), so each case can fail.
 */
const BASE: LibraryRunOptions = { agents: 1, durationMs: 300 };

async function refusal(options: unknown, scenario = 'loop'): Promise<EdgeChaosError> {
  const outcome = await runScenario(scenario, options as LibraryRunOptions).then(
    (result) => ({ resolved: result.verdict }),
    (error: unknown) => error,
  );
  expect(outcome, 'the run started instead of refusing the option').toBeInstanceOf(EdgeChaosError);
  return outcome as EdgeChaosError;
}

describe('unknown option names', () => {
  test('{ defects } (meant hubDefects): refused, naming it, suggesting hubDefects and listing the options', async () => {
    const error = await refusal({ ...BASE, defects: ['duplicate-ws-handler'] });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(/"defects".*did you mean hubDefects\?/);
    expect(error.fix).toMatch(/agents, durationMs, seed, hubDefects, .*reportDir/);
  });

  test.each([
    ['duration', 'durationMs'],
    ['agent', 'agents'],
    ['hubURL', 'hubUrl'],
    ['pingIntervalMs', 'hubPingIntervalMs'],
    ['agentDefect', 'agentDefects'],
    ['report', 'reportDir'],
  ])('%s: did you mean %s?', async (given, meant) => {
    const error = await refusal({ ...BASE, [given]: 1 });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toContain(`did you mean ${meant}?`);
  });

  test('a name like no option: refused without a guess', async () => {
    const error = await refusal({ ...BASE, zzzz: true });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(/"zzzz"/);
    expect(error.message).not.toMatch(/did you mean/);
  });

  test('inside a nested choice: toxiproxy.seed is no field of the embedded Toxiproxy', async () => {
    const error = await refusal({ ...BASE, toxiproxy: { kind: 'embedded', seed: 1 } });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(/toxiproxy\.seed/);
  });
});

describe('bad values: EC_BAD_OPTION naming the option and the value, with a fix', () => {
  // Every bad value is in runner/check-options.test.ts, checked without a run; these prove runScenario checks them.
  test.each([
    [{ agents: '5' }, /agents.*"5"/],
    [{ seed: 42 }, /seed.*42/],
    [{ hubDefects: ['duplicate-ws-handlr'] }, /duplicate-ws-handlr.*did you mean duplicate-ws-handler\?/],
    [{ onProgress: 'log' }, /onProgress.*function/],
  ])('%j', async (bad, named) => {
    const error = await refusal({ ...BASE, ...bad });
    expect(error.code).toBe('EC_BAD_OPTION');
    expect(error.message).toMatch(named);
    expect(error.fix).toMatch(/\S/);
  });

  test('options that are not an object', async () => {
    for (const options of [null, 'fast', 5, ['agents']]) {
      const error = await refusal(options);
      expect(error.code, JSON.stringify(options)).toBe('EC_BAD_OPTION');
      expect(error.message).toMatch(/options/);
    }
  });

  test('a report folder that cannot be written is refused before the run, not after it', async () => {
    const error = await refusal({ ...BASE, reportDir: '/proc/edge-chaos-report' });
    expect(error.code).toBe('EC_REPORT_WRITE');
    expect(error.message).toMatch(/reportDir.*\/proc/);
  });
});

test('good options, each given as undefined too, run', async () => {
  const result = await runScenario('loop', { ...BASE, seed: undefined, hub: { kind: 'in-process' }, hubDefects: [], agentDefects: [], toxiproxy: undefined, loopMinCycles: 3, onProgress: () => {} });
  expect(result.params.agents).toBe(1);
});
