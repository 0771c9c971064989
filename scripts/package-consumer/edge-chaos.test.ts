/**
 * A user's test of their hub, as README and docs/library.md show it, run by
 * npm run test:package in a project that installed the packed tarball: the
 * library entry, a scenario of their own, the matchers and their types.
 */
import { expect, test } from 'vitest';
import { defineScenario, runScenario, type RunResult } from 'edge-chaos';
import 'edge-chaos/vitest';

test('the reference hub keeps three agents connected', async () => {
  const result: RunResult = await runScenario('loop', { agents: 3, durationMs: 3_000, seed: '1' });
  expect(result).toPassAllChecks();
  expect(result).toHaveNoConnectionLoops();
  expect(result).toHaveReconnectsAtMost(1);
  expect(result).toHaveDeliveredAllCommands();
  // The matchers are typed, not `any`: tsc fails on an unused @ts-expect-error.
  // @ts-expect-error toHaveReconnectsAtMost takes a number
  expect(() => expect(result).toHaveReconnectsAtMost('1')).toThrow();
}, 60_000);

test('a scenario of our own catches the incident: two /ws handlers make a connection loop', async () => {
  const steady = defineScenario({
    name: 'steady-three',
    description: 'three agents connect and stay connected',
    defaults: { agents: 3, durationMs: 3_000 },
    settleMs: 2_000,
    checks: { connectionLoop: {} },
  });
  const result = await runScenario(steady, { hubDefects: ['duplicate-ws-handler'], seed: '2' });
  expect(result.verdict).toBe('failed');
  expect(result).not.toHaveNoConnectionLoops();
}, 60_000);
