import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SHARD_ENV } from '../fleet/shard/wire.ts';
import { parsePrometheusText } from '../../../common/prom-text.ts';
import { SCENARIOS } from '../../../scenarios/index.ts';
import { runScenario } from '../../runner/run.ts';
import { defineScenario } from '../../scenario/index.ts';
import type { RunResult } from '../../runner/result.ts';
import { descendantsOf } from '../process-tree.test-support.ts';
import { PROMTOOL_MISSING, promtoolCheck } from '../promtool.test-support.ts';
import { halfSentRequests, holdConnection, type ProbeAnswer } from './hostile-client.test-support.ts';

const execFileAsync = promisify(execFile);
const ATTACKER = fileURLToPath(new URL('./hostile-attacker.test-support.ts', import.meta.url));

/**
 * Issue 18's probe, as a test: `steady` on network shards with the metrics
 * port, attacked while it runs by the hostile client of hostile.test.ts, from
 * its own process (in this one, its 50 MB writes stalled the very loop the
 * run judges itself by: p99 134 ms under a loaded npm test)
 * (wrong methods, 50 MB bodies with and without the token, bad shard
 * indexes, wrong content types, idle and half-sent connections). Each probe
 * gets its status at once and the run still passes: before, five 50 MB posts
 * grew the harness by 400 MB, stalled its loop 595 ms and made the run invalid.
 * The probes go in after 20 s, inside the window steady's event-loop-lag
 * check judges; the held connections go in as soon as the shards run, so the
 * default timeouts (10 s for headers, 30 s for a whole request) close them
 * while the run still goes.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * steady with the harness's loop held to the default bound (1 s) instead of
 * steady's 100 ms, which is a scale target: in a full npm test (three files
 * at once on two cores) the run alone reached p99 289 ms whatever the probes
 * did. The stall the issue saw from the probes was 595 ms with 400 MB read
 * into the harness; the status codes, the cut-off bodies and the RSS below
 * catch that, and a loop stalled past a second still fails the run.
 */
const steady = SCENARIOS.get('steady')!;
const steadyAnyLoad = defineScenario({
  ...steady,
  checks: (params) => ({ ...(typeof steady.checks === 'function' ? steady.checks(params) : steady.checks), eventLoopLag: { afterMs: 20_000 } }),
});

interface Attack {
  collector: { probe: string; expected: number; answer: ProbeAnswer }[];
  metrics: { probe: string; expected: number; answer: ProbeAnswer }[];
  blasts: { sentBytes: number; status?: number }[];
  held: { name: string; received: string; closedWhileRunning: boolean }[];
  liveScrapes: { metrics: string; collector: string };
  rssGrowthMb: number;
}

let result: RunResult;
let attack: Attack;
let runEnded = false;
let attacker: Promise<Attack> | undefined;

beforeAll(async () => {
  const urls = new Map<string, string>();
  const running = runScenario(steadyAnyLoad, { agents: 20, durationMs: 32_000, seed: '18', fleetRunner: { kind: 'local-network' }, fleetShards: 2, metricsPort: 0, onEndpoint: ({ name, url }) => urls.set(name, url) });
  attacker = (async () => {
    const deadline = performance.now() + 90_000;
    const until = async (what: string, ready: () => boolean | Promise<boolean>) => {
      while (!(await ready())) {
        if (performance.now() > deadline || runEnded) throw new Error(`the run never got to: ${what}`);
        await sleep(100);
      }
    };
    // The run token, as the issue's prober found it: in a shard's environment.
    let token = '';
    await until('two shards running', () => {
      const shards = descendantsOf(process.pid).filter((p) => p.cmdline.includes('harness/runtime/fleet/shard/main.ts'));
      const env = shards.map((p) => readFileSync(`/proc/${p.pid}/environ`, 'utf8'));
      token = new RegExp(`(?:^|\\0)${SHARD_ENV.runToken}=([^\\0]+)`).exec(env[0] ?? '')?.[1] ?? '';
      return urls.has('collector') && urls.has('metrics') && shards.length === 2 && token !== '';
    });
    const collectorUrl = urls.get('collector')!;
    const metricsUrl = urls.get('metrics')!;
    const metricsBase = metricsUrl.replace(/\/metrics$/, '');
    const held = [
      ...Object.entries(halfSentRequests(token)).map(([name, prefix]) => ({ name: `collector: ${name}`, connection: holdConnection(collectorUrl, prefix) })),
      ...Object.entries(halfSentRequests(token))
        .filter(([name]) => name !== 'a body cut short')
        .map(([name, prefix]) => ({ name: `metrics port: ${name}`, connection: holdConnection(metricsBase, prefix) })),
    ].map(({ name, connection }) => connection.closed.then(({ received }) => ({ name, received, closedWhileRunning: !runEnded })));

    const elapsedS = async () => parsePrometheusText(await (await fetch(metricsUrl)).text()).sum('edge_chaos_run_elapsed_seconds') ?? 0;
    await until('20.5 s into the run', async () => (await elapsedS()) >= 20.5);
    const rssBefore = process.memoryUsage().rss;
    // From another process, as an attacker is: its own buffers and loop are not the harness's.
    const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', ATTACKER, collectorUrl, metricsBase, token], { maxBuffer: 16 * 1024 * 1024 });
    const { collector, metrics, blasts } = JSON.parse(stdout) as Pick<Attack, 'collector' | 'metrics' | 'blasts'>;
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 1e6;
    const liveScrapes = { metrics: await (await fetch(metricsUrl)).text(), collector: await (await fetch(`${collectorUrl}/metrics`)).text() };
    return { collector, metrics, blasts, held: await Promise.all(held), liveScrapes, rssGrowthMb };
  })();
  // Settled apart, so an attack that fails while the run goes is reported once the run is over, not as an unhandled rejection.
  const attacked = attacker.then((a) => ({ a }), (error: unknown) => ({ error }));
  try {
    result = await running;
  } finally {
    runEnded = true;
  }
  const outcome = await attacked;
  if ('error' in outcome) throw outcome.error;
  attack = outcome.a;
}, 180_000);

afterAll(async () => {
  runEnded = true;
  await attacker?.catch(() => undefined);
});

test('a hostile client during a network run: every probe gets its status at once, half-sent connections time out, and the run still passes', () => {
  expect(attack.collector.map((p) => [p.probe, p.answer.status])).toEqual(attack.collector.map((p) => [p.probe, p.expected]));
  expect(attack.metrics.map((p) => [p.probe, p.answer.status])).toEqual(attack.metrics.map((p) => [p.probe, p.expected]));
  expect(new Set([...attack.collector, ...attack.metrics].map((p) => p.answer.status))).toEqual(new Set([401, 404, 405, 413, 415]));
  // Five 50 MB posts at once: each cut off after what the socket buffers took.
  for (const b of attack.blasts) {
    expect(b.sentBytes).toBeLessThan(16_000_000);
    if (b.status !== undefined) expect(b.status).toBe(405);
  }
  for (const h of attack.held) {
    expect(h.received, h.name).toMatch(/^HTTP\/1\.1 408 /);
    expect(h.closedWhileRunning, h.name).toBe(true);
  }
  // Loose: the bodies were never held (the issue saw +423 MB).
  expect(attack.rssGrowthMb).toBeLessThan(200);
  expect(result.checks.filter((c) => c.status !== 'passed' && c.status !== 'skipped').map((c) => [c.id, c.status, c.summary])).toEqual([]);
  expect(result.checks.find((c) => c.id === 'event-loop-lag')?.status).toBe('passed');
  expect(result.verdict).toBe('passed');
});

test.skipIf(PROMTOOL_MISSING !== undefined)(`the live metrics, from the metrics port and the collector, pass promtool check metrics${PROMTOOL_MISSING ? ` (skipped: ${PROMTOOL_MISSING})` : ''}`, () => {
  for (const [where, text] of Object.entries(attack.liveScrapes)) {
    expect(text, where).toContain('edge_chaos_run_agents 20');
    expect(promtoolCheck(text), where).toEqual({ status: 0, output: '' });
  }
  expect(attack.liveScrapes.collector).toMatch(/^edge_chaos_shard_clock_offset_seconds\{shard="2"\} /m);
  expect(promtoolCheck(result.runMetricsText!)).toEqual({ status: 0, output: '' });
});
