import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { expectEveryAgentReconnected, notPassed, redeployWindow, shortRedeploy } from '../../../scenarios/short-variants.test-support.ts';
import type { ResourceSampleEvent } from '../../history/events.ts';
import { runScenario } from '../../runner/run.ts';
import { LABEL_OWNED, LABEL_OWNER_PID } from '../docker/cleanup.ts';
import { buildHubImage } from '../docker/node-image.ts';
import { containersWithLabels, dockerGate } from '../docker/test-support.ts';

/**
 * The container hub runtime (--hub-runtime container) through the shortened
 * redeploy scenario, where a Docker engine answers: the reference hub image
 * is built locally (cached by content), a redeploy stops the container and
 * starts a new one on the same port, and no container of ours outlives the run.
 */
const gate = await dockerGate();
const run = promisify(execFile);
const OURS = [`${LABEL_OWNED}=1`, `${LABEL_OWNER_PID}=${process.pid}`];

/** Our containers as the engine lists them (running or not). */
async function ourContainers(): Promise<string[]> {
  const { stdout } = await run('docker', ['ps', '-a', '-q', '--no-trunc', ...OURS.flatMap((l) => ['--filter', `label=${l}`])]);
  return stdout.split('\n').filter((id) => id !== '');
}

describe.skipIf(gate.skip)(`the container hub runtime${gate.suffix}`, () => {
  beforeAll(async () => {
    // Built (or found) once here, so the run below measures the hub, not the build.
    await buildHubImage();
  }, 300_000);

  afterAll(() => {
    expect(containersWithLabels(...OURS), 'containers left by this suite').toEqual([]);
  });

  test('the hub image is cached by content: asking again builds nothing', async () => {
    // Others may edit the shared checkout between two builds; the cache must hit once the tree holds still.
    let again = await buildHubImage();
    for (let tries = 0; again.built && tries < 3; tries += 1) again = await buildHubImage();
    expect(again.built).toBe(false);
    expect(again.image).toMatch(/^edge-chaos\/hub:[0-9a-f]{12}$/);
  }, 300_000);

  // Fails in about one run of three until the recovery bug pinned in
  // harness/checks/recovery-redeploy.test.ts is fixed: the container runtime
  // learns the new hub is up by polling /healthz, so an agent can reconnect
  // before the redeploy's end event and is then counted "not back". The
  // container and cleanup assertions come first so they are judged anyway.
  test('the shortened redeploy scenario passes; the redeploy starts a new container; none is left after the run', async () => {
    // The engine's view, sampled while the run goes: each incarnation of the hub is its own container.
    const seen = new Set<string>();
    const samples = new Set<Promise<void>>();
    const sample = () => {
      const p = ourContainers().then((ids) => ids.forEach((id) => seen.add(id)), () => undefined);
      samples.add(p);
      void p.finally(() => samples.delete(p));
    };
    const result = await runScenario(shortRedeploy, { hub: { kind: 'container' }, seed: '3', onProgress: sample });
    await Promise.all(samples);

    expect(result.hub.kind).toBe('container');
    expect(redeployWindow(result, 'deploy-1').begin.detail).toMatchObject({ hub: 'container' });
    expectEveryAgentReconnected(result, 'deploy-1', { code: 1012 });
    expect(seen.size, `containers seen during the run: ${[...seen].map((id) => id.slice(0, 12)).join(', ')}`).toBeGreaterThanOrEqual(2);
    // The hub is sampled from its container's cgroup, each container one incarnation (its init's pid).
    const hubSamples = result.events.filter((e): e is ResourceSampleEvent => e.type === 'resource.sample' && e.component === 'hub');
    const sampledContainers = new Map(hubSamples.map((s) => [s.pid, s.container?.id]));
    expect(sampledContainers.size, 'hub incarnations sampled').toBeGreaterThanOrEqual(2);
    expect([...sampledContainers.values()].every((id) => id !== undefined && seen.has(id))).toBe(true);
    expect(hubSamples.every((s) => s.rssBytes > 10 * 1024 * 1024 && s.container?.memory === 'cgroup')).toBe(true);
    expect(hubSamples.some((s) => s.processes?.some((p) => /^node .*server\/main\.ts/.test(p.command)))).toBe(true);
    expect(await ourContainers(), 'containers left after the run').toEqual([]);
    expect(notPassed(result)).toEqual([]);
    expect(result.verdict).toBe('passed');
  }, 180_000);
});
