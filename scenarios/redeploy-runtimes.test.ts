import { describe, expect, test } from 'vitest';
import type { HubChoice } from '../harness/runtime/hubs/index.ts';
import { describeProcs, referenceHubWatcher, survivorsAfter } from '../harness/runtime/process-tree.test-support.ts';
import { runScenario, type RunOptions } from '../harness/runner/run.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { expectEveryAgentReconnected, notPassed, opensPerAgent, redeployWindow, shortCrash, shortRedeploy, shortRolling } from './short-variants.test-support.ts';
import type { ScenarioDefinition } from '../harness/scenario/index.ts';

/**
 * redeploy, crash and rolling, shortened, on the reference hub in this
 * process and as its own process: each passes, its redeploy is in the
 * history, and the hub really went away and came back (agents lost their
 * connections and opened new ones; a child process hub is a new process).
 */
const hubs = referenceHubWatcher();

async function run(scenario: ScenarioDefinition, hub: HubChoice, options: RunOptions = {}): Promise<RunResult> {
  return runScenario(scenario, { seed: '3', hub, ...options, onProgress: () => hubs.sample() });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** A child-process hub restarted on its port (two processes seen there) and none of them outlived the run. */
async function expectRestartedProcess(result: RunResult): Promise<void> {
  const seen = hubs.onPort(portOf(result.hub.url));
  expect(new Set(seen.map((p) => p.pid)).size, `hub processes on ${result.hub.url}: ${describeProcs(seen).join('; ')}`).toBeGreaterThanOrEqual(2);
  expect(describeProcs(await survivorsAfter(seen))).toEqual([]);
}

const RUNTIMES = [{ kind: 'in-process' }, { kind: 'child-process' }] as const satisfies readonly HubChoice[];

describe.concurrent('redeploy scenarios, shortened, on the reference hub', () => {
  for (const hub of RUNTIMES) {
    test(`redeploy (offline group partitioned across a graceful redeploy) passes on ${hub.kind}`, async () => {
      const result = await run(shortRedeploy, hub);
      expect(notPassed(result)).toEqual([]);
      expect(result.verdict).toBe('passed');
      expect(result.hub.kind).toBe(hub.kind);
      expectEveryAgentReconnected(result, 'deploy-1', { code: 1012 });
      // The partition really spanned the redeploy, so commands waited in the hub's queue through it.
      const { begin, end } = redeployWindow(result, 'deploy-1');
      const applied = result.events.find((e) => e.type === 'fault.applied' && e.fault === 'offline')!;
      const removed = result.events.find((e) => e.type === 'fault.removed' && e.fault === 'offline')!;
      expect(applied.t).toBeLessThan(begin.t);
      expect(removed.t).toBeGreaterThan(begin.t);
      expect(end.detail).toMatchObject({ url: result.hub.url });
      if (hub.kind === 'child-process') await expectRestartedProcess(result);
    }, 60_000);

    test(`crash (SIGKILL, no close frames) passes on ${hub.kind}`, async () => {
      const result = await run(shortCrash, hub);
      expect(notPassed(result)).toEqual([]);
      expect(result.verdict).toBe('passed');
      expectEveryAgentReconnected(result, 'crash-1', 'not1012');
      expect(redeployWindow(result, 'crash-1').begin.kind).toBe('crash');
      if (hub.kind === 'child-process') await expectRestartedProcess(result);
    }, 60_000);

    test(`rolling (blue-green through the proxy) passes on ${hub.kind}: at most one reconnect per agent, agents end on the new hub`, async () => {
      const result = await run(shortRolling, hub);
      expect(notPassed(result)).toEqual([]);
      expect(result.verdict).toBe('passed');
      const { end } = redeployWindow(result, 'blue-green');
      const newUrl = String(end.detail?.url);
      expect(newUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(newUrl, 'the deploy moved the fleet to a second hub').not.toBe(result.hub.url);
      expectEveryAgentReconnected(result, 'blue-green');
      for (const [agent, opens] of opensPerAgent(result)) expect(opens, `${agent}'s connections`).toBeLessThanOrEqual(2);
      if (hub.kind === 'child-process') {
        const blue = hubs.onPort(portOf(result.hub.url));
        const green = hubs.onPort(portOf(newUrl));
        expect(blue.length, 'the first hub ran as a process').toBeGreaterThanOrEqual(1);
        expect(green.length, 'the second hub ran as a process').toBeGreaterThanOrEqual(1);
        expect(describeProcs(await survivorsAfter([...blue, ...green]))).toEqual([]);
      }
    }, 60_000);
  }
});

// Same scenario and seed as the in-process redeploy test above, which passes: only the defect differs.
describe.concurrent('the volatile-queue hub defect, caught by the shortened redeploy scenario', () => {
  test('fails with volatile-queue: command-delivery names the lost commands, all queued for the offline group before the redeploy', async () => {
    const result = await run(shortRedeploy, { kind: 'in-process' }, { hubDefects: ['volatile-queue'] });
    expect(result.verdict).toBe('failed');
    // The defect loses commands and breaks nothing else the scenario judges.
    const status = Object.fromEntries(result.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ 'command-delivery': 'failed', recovery: 'passed', 'polling-fallback': 'passed', 'fault-effect': 'passed', 'connection-loop': 'passed' });
    const delivery = result.checks.find((c) => c.id === 'command-delivery')!;
    if (delivery.status !== 'failed') throw new Error('unreachable');
    const lost = (delivery.evidence as { lost: { id: string; agent: string; issuedAtMs: number }[] }).lost;
    expect(lost.length).toBeGreaterThan(0);
    expect(delivery.summary).toContain(`${lost.length} lost`);
    expect(delivery.summary).toContain(lost[0]!.id);

    const offline = result.groups.find((g) => g.name === 'offline')!;
    const offlineAgents = result.agentIds.slice(result.agentIds.indexOf(offline.firstAgent), result.agentIds.indexOf(offline.lastAgent) + 1);
    const { begin } = redeployWindow(result, 'deploy-1');
    const issued = new Map(result.events.flatMap((e) => (e.type === 'command.issued' ? [[e.id, e] as const] : [])));
    for (const l of lost) {
      const cmd = issued.get(l.id);
      expect(cmd, `lost id ${l.id} is a command the harness issued`).toBeDefined();
      expect(cmd!.agent).toBe(l.agent);
      expect(offlineAgents, `${l.id} was for an agent cut off at the time`).toContain(l.agent);
      expect(cmd!.t, `${l.id} was queued before the hub restarted`).toBeLessThan(begin.t);
      expect(result.events.some((e) => e.type === 'command' && e.id === l.id)).toBe(false);
    }
  }, 60_000);
});
