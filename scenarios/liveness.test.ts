import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import type { LivenessEvidence } from '../harness/checks/liveness.ts';
import type { RunResult } from '../harness/runner/result.ts';
import { runScenario } from '../harness/runner/run.ts';
import { startCommandHub } from '../harness/runtime/hubs/reference-process.ts';
import { defineScenario } from '../harness/scenario/index.ts';
import { SCENARIOS } from './index.ts';
import { notPassed, shortCrash } from './short-variants.test-support.ts';

/**
 * The liveness check proved on a hub that is not ours (the foreign fixture):
 * it fails one that never pings, and a hub the harness starts learns the ping
 * interval the agents expect from PING_INTERVAL_MS (the fixture is given no
 * --ping-interval here), so scenarios that ping every 2 s pass on it.
 */
const FOREIGN_HUB = fileURLToPath(new URL('../harness/runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-liveness-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let queues = 0;
/** The fixture with its queue in a file (a crash must not lose commands), and no --ping-interval. */
const foreign = (...flags: string[]) => ({ kind: 'command' as const, command: `node '${FOREIGN_HUB}' --state '${join(tmp, `queue-${++queues}.json`)}' ${flags.join(' ')}` });

const scenario = (name: string) => SCENARIOS.get(name)!;
const halfOpen = defineScenario({ ...scenario('half-open'), defaults: { agents: 6, durationMs: 14_000 } });
const reset = defineScenario({ ...scenario('reset'), defaults: { agents: 6, durationMs: 12_000 } });

function liveness(result: RunResult) {
  const check = result.checks.find((c) => c.id === 'liveness');
  if (!check) throw new Error(`no liveness check in ${result.checks.map((c) => c.id).join(', ')}`);
  return check;
}

describe.concurrent('liveness on a foreign hub', () => {
  test('loop fails a hub that never pings, naming liveness, the agents and the interval assumed', async () => {
    const result = await runScenario(scenario('loop'), { hub: foreign('--misbehave no-ping'), agents: 3, durationMs: 6_000, seed: '1' });
    expect(result.verdict).toBe('failed');
    expect(result.params.pingIntervalMs).toBe(2_000);
    const check = liveness(result);
    expect(check).toMatchObject({ status: 'failed', summary: expect.stringContaining('never pinged') });
    const evidence = (check as { evidence: LivenessEvidence }).evidence;
    expect(evidence).toMatchObject({ pingIntervalMs: 2_000, maxGapMs: 4_000 });
    expect(evidence.agentsFlagged.sort()).toEqual(['agent-1', 'agent-2', 'agent-3']);
    expect(evidence.flagged.every((f) => f.pings === 0 && f.maxPingGapMs > 4_000)).toBe(true);
  }, 60_000);

  test('half-open fails a hub that never pings', async () => {
    const result = await runScenario(halfOpen, { hub: foreign('--misbehave no-ping'), seed: '1' });
    expect(result.verdict).toBe('failed');
    expect(liveness(result).status).toBe('failed');
  }, 60_000);

  for (const [name, s] of [['half-open', halfOpen], ['reset', reset], ['crash', shortCrash]] as const) {
    test(`${name} passes on the healthy fixture, which learns the 2 s interval from PING_INTERVAL_MS`, async () => {
      const result = await runScenario(s, { hub: foreign(), seed: '1' });
      expect(notPassed(result)).toEqual([]);
      expect(liveness(result)).toMatchObject({ status: 'passed', evidence: { pingIntervalMs: 2_000 } });
    }, 60_000);
  }

  test('--hub-url: agents and checks assume --hub-ping-interval, else the protocol\'s 10 s, and the replay passes it back', async () => {
    await using hub = await startCommandHub(`node '${FOREIGN_HUB}' --ping-interval 300`);
    const told = await runScenario(scenario('loop'), { hubUrl: hub.url, hubPingIntervalMs: 300, agents: 2, durationMs: 2_000, seed: '1' });
    expect(told.params.pingIntervalMs).toBe(300);
    expect(liveness(told)).toMatchObject({ status: 'passed', evidence: { pingIntervalMs: 300, maxGapMs: 600 } });
    expect(told.replay).toContain('--hub-ping-interval 300ms');
    const untold = await runScenario(scenario('loop'), { hubUrl: hub.url, agents: 2, durationMs: 1_000, seed: '1' });
    expect(untold.params.pingIntervalMs).toBe(10_000);
    expect(liveness(untold)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('no connection lasted over 20.0 s') });
    expect(untold.replay).not.toContain('--hub-ping-interval');
  }, 60_000);
});
