import { describe, expect, test } from 'vitest';
import type { ReconnectSpreadEvidence } from '../harness/checks/reconnect-spread.ts';
import type { HubChoice } from '../harness/runtime/hubs/index.ts';
import { describeProcs, referenceHubWatcher, survivorsAfter } from '../harness/runtime/process-tree.test-support.ts';
import { runScenario } from '../harness/runner/run.ts';
import { expectEveryAgentReconnected, notPassed, shortStorm } from './short-variants.test-support.ts';

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
      expect(result.verdict).toBe('passed');
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
    expect(result.verdict).toBe('failed');
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

