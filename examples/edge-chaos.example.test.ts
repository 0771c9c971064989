/**
 * What a test in your own repository looks like, imports included. In your
 * project 'edge-chaos' and 'edge-chaos/vitest' resolve through the package's
 * "exports" to its compiled dist/; here vitest.config.ts (and tsconfig.json's
 * "paths") alias them to harness/index.ts and harness/vitest/setup.ts.
 * npm run test:package runs a test like this against the packed tarball.
 * See docs/library.md.
 */
import { describe, expect, test } from 'vitest';
import { defineScenario, runScenario } from 'edge-chaos';
import 'edge-chaos/vitest';

// Your own scenario, as plain data: small and short enough for a unit-test run.
const steadyFleet = defineScenario({
  name: 'steady-fleet',
  description: 'Four agents connect, stay connected and get every command once',
  defaults: { agents: 4, durationMs: 3_000 },
  traffic: { commandIntervalMs: 250 },
  // A looping hub never settles; do not wait long for it to.
  settleMs: 2_000,
  checks: { connectionLoop: {}, reconnects: { maxPerAgent: 0 }, commandDelivery: {} },
});

describe.concurrent('our hub and its edge agents', () => {
  test('the fleet stays connected and every command arrives once', async () => {
    const result = await runScenario(steadyFleet);
    expect(result).toPassAllChecks();
    expect(result).toHaveNoConnectionLoops();
    expect(result).toHaveReconnectsAtMost(0);
    expect(result).toHaveDeliveredAllCommands();
  });

  test('the incident (two /ws handlers) is caught as a connection loop', async () => {
    // A built-in scenario by name works too: runScenario('loop', {...}).
    const result = await runScenario(steadyFleet, { hubDefects: ['duplicate-ws-handler'], agents: 3, durationMs: 5_000 });
    expect(result).not.toHaveNoConnectionLoops();
    expect(result).not.toHaveReconnectsAtMost(1);
    expect(result.checks.find((c) => c.id === 'connection-loop')?.summary).toContain('1000 "New connection established"');
  });
});
