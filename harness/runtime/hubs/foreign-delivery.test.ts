import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { shortRedeploy } from '../../../scenarios/short-variants.test-support.ts';
import type { RunResult } from '../../runner/result.ts';
import { runScenario } from '../../runner/run.ts';

/**
 * The delivery verdict proved on a hub that is not ours (habit 15): the
 * foreign fixture with one --misbehave switch fails the run and command-delivery
 * (or polling-fallback) names the misbehaviour; the same fixture without it,
 * and the reference hub, pass. Measured over 5 seeds each before committing
 * (all caught, all clean); two seeds here keep the file short.
 */
const FOREIGN_HUB = fileURLToPath(new URL('./zoo/foreign-hub.mjs', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-delivery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

/** The fixture with a fresh queue file (so a redeploy keeps its queue), and the given switches. */
function foreign(...misbehave: string[]) {
  const state = join(tmp, `state-${++runs}.json`);
  return { kind: 'command' as const, command: [`node '${FOREIGN_HUB}' --state '${state}'`, ...misbehave.map((m) => `--misbehave ${m}`)].join(' ') };
}

function check(result: RunResult, id: string) {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

const loop = SCENARIOS.get('loop')!;

describe.concurrent('command delivery judged on the foreign hub', () => {
  test.each([
    ['misroute', 3_000, 'misrouted'],
    ['phantom-duplicate', 3_000, 'phantom duplicate'],
    ['redeliver-after-ack', 3_000, 'redelivered after ack'],
    ['admin-404-for:3000', 5_000, 'answered 404/405'],
  ])('loop on a hub with --misbehave %s fails command-delivery, which names it', async (misbehave, durationMs, named) => {
    const result = await runScenario(loop, { hub: foreign(misbehave), agents: 4, durationMs, seed: '1' });
    const delivery = check(result, 'command-delivery');
    expect(delivery.status, delivery.summary).toBe('failed');
    expect(delivery.summary).toContain(named);
    expect(result.verdict).toBe('failed');
  }, 30_000);

  test('redeploy on a hub whose polls answer 500 fails polling-fallback with the status and the count', async () => {
    const result = await runScenario(shortRedeploy, { hub: foreign('poll-500'), seed: '1' });
    const polling = check(result, 'polling-fallback');
    expect(polling.status, polling.summary).toBe('failed');
    expect(polling.summary).toMatch(/\d+ of \d+ polls failed while the hub was up \(HTTP 500 ×\d+\)/);
    expect(result.verdict).toBe('failed');
  }, 30_000);

  // The reference hub is the default in-process runtime; the foreign one gets a fresh queue file per run.
  const hubOf = (name: 'foreign' | 'reference') => (name === 'foreign' ? { hub: foreign() } : {});
  test.each([
    ['foreign', '1'],
    ['foreign', '2'],
    ['reference', '1'],
    ['reference', '2'],
  ] as const)('without misbehaviour the %s hub passes loop and redeploy (seed %s)', async (hubName, seed) => {
    const looped = await runScenario(loop, { ...hubOf(hubName), agents: 4, durationMs: 3_000, seed });
    expect(check(looped, 'command-delivery').status, check(looped, 'command-delivery').summary).toBe('passed');
    expect(looped.verdict).toBe('passed');
    const redeployed = await runScenario(shortRedeploy, { ...hubOf(hubName), seed });
    for (const id of ['command-delivery', 'polling-fallback']) expect(check(redeployed, id).status, check(redeployed, id).summary).toBe('passed');
    expect(redeployed.verdict).toBe('passed');
  }, 60_000);
});
