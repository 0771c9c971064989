import { describe, expect, test } from 'vitest';
import type { ReconnectSpreadEvidence } from '../harness/checks/reconnect-spread.ts';
import { defineScenario } from '../harness/scenario/index.ts';
import type { HubChoice } from '../harness/runtime/hubs/index.ts';
import { describeProcs, referenceHubWatcher, survivorsAfter } from '../harness/runtime/process-tree.test-support.ts';
import { runScenario } from '../harness/runner/run.ts';
import { expectEveryAgentReconnected, expectFailedOrHarnessBehind, expectPassedOrHarnessBehind, notPassed, shortStorm } from './short-variants.test-support.ts';

/**
 * storm, shortened to 200 agents and one graceful redeploy: jittered agents
 * spread their reconnects and pass on both runtimes; with the no-jitter agent
 * defect (same seed) they come back in one instant and reconnect-spread fails.
 * One run at a time: 200 agents reconnecting on two cores is the load under test.
 */
const hubs = referenceHubWatcher();

function spreadOf(result: Awaited<ReturnType<typeof runScenario>>): { status: string; summary: string; evidence: ReconnectSpreadEvidence } {
  const check = result.checks.find((c) => c.id === 'reconnect-spread')!;
  return { status: check.status, summary: check.summary, evidence: (check.status === 'skipped' ? undefined : check.evidence) as ReconnectSpreadEvidence };
}

describe.sequential('storm, shortened (200 agents)', () => {
  for (const hub of [{ kind: 'in-process' }, { kind: 'child-process' }] as const satisfies readonly HubChoice[]) {
    test(`passes on ${hub.kind}: reconnects after the redeploy spread out`, async () => {
      const result = await runScenario(shortStorm, { seed: '5', hub, onProgress: () => hubs.sample() });
      expect(notPassed(result)).toEqual([]);
      expectPassedOrHarnessBehind(result);
      expectEveryAgentReconnected(result, 'redeploy', { code: 1012 });
      const spread = spreadOf(result);
      expect(spread.evidence.redeploys[0]!.attempts).toBeGreaterThanOrEqual(200);
      expect(spread.evidence.redeploys[0]!.pBound).toBeGreaterThanOrEqual(spread.evidence.significance);
      if (hub.kind === 'child-process') {
        const seen = hubs.onPort(Number(new URL(result.hub.url).port));
        expect(new Set(seen.map((p) => p.pid)).size, 'a new hub process after the redeploy').toBeGreaterThanOrEqual(2);
        expect(describeProcs(await survivorsAfter(seen))).toEqual([]);
      }
    }, 60_000);
  }

  test('fails with the no-jitter agent defect: reconnect-spread names the thundering herd', async () => {
    const result = await runScenario(shortStorm, { seed: '5', agentDefects: ['no-jitter'] });
    // A herd can stall the harness too: then the run says so (invalid), and the herd is still named.
    expectFailedOrHarnessBehind(result);
    expect(result.params.agentDefects).toEqual(['no-jitter']);
    const spread = spreadOf(result);
    expect(spread.status).toBe('failed');
    expect(spread.summary).toMatch(/^thundering herd: redeploy: \d+ attempts/);
    expect(spread.evidence.redeploys[0]!.pBound).toBeLessThan(spread.evidence.significance);
    expect(spread.evidence.redeploys[0]!.busiestSlice).toBeGreaterThanOrEqual(spread.evidence.redeploys[0]!.failsAtCount!);
    // The defect breaks the spread; recovery and delivery are still fine. (A herd
    // may also lag the harness's own event loop: event-loop-lag is not judged here.)
    const status = Object.fromEntries(result.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ recovery: 'passed', 'command-delivery': 'passed', 'connection-loop': 'passed', 'reconnect-storm': 'passed' });
  }, 60_000);
});

/**
 * storm at 10 agents (issue 10): 10 jittered reconnects over a 1 s window put
 * 3 or 4 in one 100 ms slice about one run in three, which the old fixed 30%
 * bound called a herd (seeds 5, 6 and 7 every time). The model judges them
 * healthy; a no-jitter fleet of 10 still lands in one slice and fails.
 * Shortened to 4 s so five seeds and the defect run take about half a minute.
 */
const smallStorm = defineScenario({
  ...shortStorm,
  defaults: { agents: 10, durationMs: 4_000, rampMs: 500 },
  redeploys: [{ name: 'redeploy', atMs: 1_500, kind: 'graceful' }],
});

describe.sequential('storm, 10 agents', () => {
  test('seeds 1, 2, 5, 6, 9: reconnect-spread passes (no false herd), and so does every other hub check', async () => {
    const seen: string[] = [];
    for (const seed of ['1', '2', '5', '6', '9']) {
      const result = await runScenario(smallStorm, { seed });
      const spread = spreadOf(result);
      expect(spread.status, `seed ${seed}: ${spread.summary}`).toBe('passed');
      expect(spread.evidence.redeploys[0]!.attempts, `seed ${seed}`).toBe(10);
      // Hub checks only: on a shared machine the harness's own event loop can lag once (event-loop-lag
      // then makes the run invalid, exit 2), which says nothing about the spread.
      const hubNotPassed = result.checks.filter((c) => c.kind === 'hub' && c.status !== 'passed').map((c) => `${c.id} ${c.status}: ${c.summary}`);
      expect(hubNotPassed, `seed ${seed}`).toEqual([]);
      seen.push(`${spread.evidence.redeploys[0]!.busiestSlice}`);
    }
    // The old bound (at most 30% in one slice) would have failed some of these healthy runs.
    expect(seen.some((k) => Number(k) >= 4), `busiest slices ${seen.join(', ')}`).toBe(true);
  }, 60_000);

  test('fails with no-jitter: 10 agents retrying at the same instant are a herd jitter would almost never make', async () => {
    const result = await runScenario(smallStorm, { seed: '5', agentDefects: ['no-jitter'] });
    const spread = spreadOf(result);
    expect(spread.status).toBe('failed');
    expect(spread.summary).toMatch(/^thundering herd: redeploy: 10 attempts over \d+ ms, busiest 100 ms held 10 \(100%/);
    expect(spread.evidence.redeploys[0]!.pBound).toBeLessThan(spread.evidence.significance);
  }, 30_000);
});
