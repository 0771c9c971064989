/**
 * A run replays from its seed: the same --seed gives every agent the same
 * backoff jitter, so a failure seen once can be seen again. Uses the library
 * entry point like any user test would.
 */
import { expect, test } from 'vitest';
import { SCENARIOS, runScenario, type RunResult } from 'edge-chaos';

/** The incident's loop makes every agent reconnect over and over: plenty of jittered delays in a few seconds. */
const looping = { ...SCENARIOS.get('loop')!, settleMs: 0 };
const run = (seed: string) => runScenario(looping, { hubDefects: ['duplicate-ws-handler'], agents: 3, durationMs: 5_000, seed });

function delaysByAgent(result: RunResult): Map<string, number[]> {
  const out = new Map<string, number[]>(result.agentIds.map((id) => [id, []]));
  for (const e of result.events) if (e.type === 'reconnect.scheduled') out.get(e.agent)!.push(e.delayMs);
  return out;
}

test('the same seed gives each agent the same reconnect delays; another seed gives others', async () => {
  const [a, b, other] = await Promise.all([run('1234'), run('1234'), run('98765')]);
  const [da, db, dother] = [delaysByAgent(a), delaysByAgent(b), delaysByAgent(other)];
  for (const [agent, delays] of da) {
    // Runs differ in how many reconnects fit in the time; the ones both made must match.
    const k = Math.min(delays.length, db.get(agent)!.length);
    expect(k, `${agent} scheduled no reconnect in one of the runs`).toBeGreaterThanOrEqual(1);
    expect(db.get(agent)!.slice(0, k), agent).toEqual(delays.slice(0, k));
  }
  const prefix = (d: Map<string, number[]>) => [...d.values()].map((v) => v.slice(0, 2));
  expect(prefix(dother)).not.toEqual(prefix(da));
  expect(a.params.seed).toBe('1234');
  expect(a.replay).toContain('--seed 1234');
});
