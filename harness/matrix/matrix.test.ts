import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SCENARIOS } from '../../scenarios/index.ts';
import { CATALOG, loopCyclesMs } from './catalog.ts';
import { executeOne, outcomeOf, type RunOutcome } from './execute.ts';
import type { RunResult } from '../runner/result.ts';
import { PROFILES, planMatrix } from './plan.ts';
import { defectResult, renderMatrixMarkdown } from './render.ts';
import { runMatrix } from './run-matrix.ts';

/**
 * The matrix runner's mechanics on a tiny slice: one catalogued defect and one
 * clean seed per hub, written to a temporary folder. It does not assert what
 * the zoo entries show: the checks meant for several of them are still being
 * written; duplicate-ws-handler on loop is the one the judge already catches.
 */
const tmp = mkdtempSync(join(tmpdir(), 'edge-chaos-matrix-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const duplicateHandler = CATALOG.find((e) => e.id === 'duplicate-ws-handler')!;

describe('the detection matrix', () => {
  test('plans every catalogue entry and each scenario clean on both hubs; --only narrows by label', () => {
    const runs = planMatrix({ stateDir: tmp });
    expect(runs.filter((r) => r.kind === 'defect')).toHaveLength(CATALOG.length);
    expect(runs.filter((r) => r.label.startsWith('clean loop reference'))).toHaveLength(3);
    expect(runs.filter((r) => r.label.startsWith('clean redeploy foreign'))).toHaveLength(1);
    const sweep = planMatrix({ stateDir: tmp, sweep: true });
    expect(sweep.filter((r) => r.label.startsWith('clean loop reference'))).toHaveLength(50);
    expect(sweep.filter((r) => r.label.startsWith('clean redeploy foreign'))).toHaveLength(20);
    // The default matrix caps the costly scenarios' seeds; the sweep does not.
    expect(sweep.filter((r) => r.label.startsWith('clean soak reference'))).toHaveLength(20);
    expect(sweep.filter((r) => r.label.startsWith('clean storm reference'))).toHaveLength(20);
    const zoo = runs.find((r) => r.label === 'defect replace-loop:7000 on loop')!;
    expect(zoo.options.hub).toMatchObject({ kind: 'command' });
    expect(zoo.options.hub?.kind === 'command' && zoo.options.hub.command).toMatch(/^node harness\/runtime\/hubs\/zoo\/foreign-hub\.mjs --state \S+ --misbehave replace-loop:7000$/);
    expect(runs.find((r) => r.label === 'defect volatile-queue on redeploy')!.options.hubDefects).toEqual(['volatile-queue']);
    // A leak needs the soak's own fleet and length even in --quick: a shorter run would report a miss it caused.
    for (const plan of [runs, planMatrix({ stateDir: tmp, quick: true })]) {
      const leak = plan.find((r) => r.label === 'defect leak on soak')!;
      expect(leak.options).toMatchObject({ agents: 20, durationMs: 120_000, hub: { kind: 'command', command: expect.stringMatching(/^node \S*foreign-hub\.mjs --state \S+ --misbehave leak$/) } });
    }
    expect(planMatrix({ stateDir: tmp, only: 'defect (misroute|no-ping) ' }).map((r) => r.label)).toEqual([
      'defect no-ping on half-open',
      'defect misroute on loop',
      'defect misroute on loop (acme)',
      'defect misroute on loop (socketio)',
    ]);
  });

  test('the protocol column: the zoo hubs on wires of their own run their defects and a loop, a fault, silence and a restart clean, each with its protocol', () => {
    const runs = planMatrix({ stateDir: tmp });
    const acme = runs.find((r) => r.label === 'defect double-register on loop (acme)')!;
    expect(acme.hub).toBe('acme');
    expect(acme.options).toMatchObject({ protocol: './examples/protocols/acme-hub/acme.protocol.ts', hub: { kind: 'command', command: expect.stringMatching(/^python3 examples\/protocols\/acme-hub\/hub\.py --state \S+ --misbehave double-register$/) } });
    const sio = runs.find((r) => r.label === 'defect no-heartbeat-at:3000 on loop (socketio)')!;
    expect(sio.options).toMatchObject({ protocol: 'socket.io', hub: { kind: 'command', command: expect.stringMatching(/^node harness\/runtime\/hubs\/zoo\/socketio-hub\.mjs --state \S+ --misbehave no-heartbeat-at:3000$/) } });
    const cleanHubs = (scenario: string) => [...new Set(runs.filter((r) => r.kind === 'clean' && r.scenario === scenario).map((r) => r.hub))];
    expect(cleanHubs('redeploy')).toEqual(['reference', 'foreign', 'acme', 'socketio']);
    expect(cleanHubs('storm')).toEqual(['reference', 'foreign']);
    expect(runs.find((r) => r.label === 'clean partition socketio seed 1')!.options.protocol).toBe('socket.io');
  });

  test('no mode plans a defect shorter than its catalogue entry needs; --quick runs exactly that', () => {
    for (const mode of [{}, { quick: true }, { sweep: true }] as const) {
      const runs = planMatrix({ stateDir: tmp, ...mode }).filter((r) => r.kind === 'defect');
      expect(runs).toHaveLength(CATALOG.length);
      for (const run of runs) {
        const entry = run.defect!;
        expect(run.options.durationMs, `${run.label} ${JSON.stringify(mode)}`).toBeGreaterThanOrEqual(entry.minDurationMs);
        if ('quick' in mode) expect(run.options.durationMs).toBe(entry.minDurationMs);
        else expect(run.options.durationMs).toBe(Math.max(entry.minDurationMs, entry.durationMs ?? SCENARIOS.get(entry.scenario)!.defaults.durationMs));
      }
    }
    // Derived, not typed: three 7 s connections and loop's slowest first retry (2 s) each. The run that
    // missed it was 20 s long; the loops it showed had a period of about 8.6 s.
    const replaceLoop = CATALOG.find((e) => e.id === 'replace-loop:7000')!;
    expect(replaceLoop.minDurationMs).toBe(loopCyclesMs('loop', 3, 7_000));
    expect(replaceLoop.minDurationMs).toBeGreaterThanOrEqual(3 * 8_600);
  });

  test('the default matrix and the sweep run every scenario clean at its own defaults; only --quick shrinks, as its profile says', () => {
    expect(Object.keys(PROFILES).sort()).toEqual([...SCENARIOS.keys()].sort());
    for (const mode of [{}, { sweep: true }] as const) {
      for (const run of planMatrix({ stateDir: tmp, ...mode }).filter((r) => r.kind === 'clean')) {
        const { defaults } = SCENARIOS.get(run.scenario)!;
        expect([run.options.agents, run.options.durationMs], run.label).toEqual([defaults.agents, defaults.durationMs]);
      }
    }
    for (const run of planMatrix({ stateDir: tmp, quick: true }).filter((r) => r.kind === 'clean')) {
      const { defaults } = SCENARIOS.get(run.scenario)!;
      expect(PROFILES[run.scenario]!.slow).toBeFalsy();
      const quick = PROFILES[run.scenario]!.quick;
      expect([run.options.agents, run.options.durationMs], run.label).toEqual([quick?.agents ?? defaults.agents, quick?.durationMs ?? defaults.durationMs]);
    }
    // storm at its defaults: 500 agents for 20 s, the hub in its own process by fleet size (no hub option: the scenario's default).
    const storm = planMatrix({ stateDir: tmp, only: 'clean storm reference seed 1' })[0]!;
    expect(storm.options).toEqual({ agents: 500, durationMs: 20_000, seed: '1' });
  });

  test('a state folder under the working directory is named relative to it in the foreign hub command', () => {
    const run = planMatrix({ stateDir: join('reports', 'matrix-x'), only: 'defect misroute' })[0]!;
    const command = run.options.hub?.kind === 'command' ? run.options.hub.command : '';
    expect(command).toMatch(/^node harness\/runtime\/hubs\/zoo\/foreign-hub\.mjs --state reports\/matrix-x\/queue-\d+\.json --misbehave misroute$/);
  });

  test('an invalid run is "could not judge" and names the validity check that made it so', () => {
    const run = planMatrix({ stateDir: tmp, only: 'clean storm reference seed 1' })[0]!;
    const result = {
      verdict: 'invalid',
      replay: 'npm run scenario storm',
      checks: [
        { id: 'reconnect-spread', status: 'passed', summary: 'spread' },
        { id: 'event-loop-lag', status: 'failed', kind: 'validity', summary: 'worst p99 1.4 s over 10 intervals' },
      ],
    } as unknown as RunResult;
    const outcome = outcomeOf(run, result, 1_000);
    expect(outcome.status).toBe('could-not-judge');
    expect(outcome.error).toBe('verdict "invalid": event-loop-lag: worst p99 1.4 s over 10 intervals');
  });

  test('a harness error is "could not judge", not caught or clean', async () => {
    const [run] = planMatrix({ stateDir: tmp, catalog: [], scenarios: ['loop'], seeds: 1, quick: true, only: 'foreign' });
    const outcome = await executeOne({ ...run!, options: { ...run!.options, hub: { kind: 'command', command: 'exit 3' } } });
    expect(outcome.status).toBe('could-not-judge');
    expect(outcome.error).toMatch(/^EC_HUB_START: /);
    const asDefect: RunOutcome = { ...outcome, run: { ...outcome.run, kind: 'defect', defect: duplicateHandler } };
    expect(defectResult(asDefect).result).toBe('could not judge');
    const markdown = renderMatrixMarkdown({
      startedAt: new Date(0),
      elapsedMs: 1,
      machine: { cores: 2, cpuModel: 'cpu', node: 'v20', loadBefore: [0, 0, 0], loadAfter: [0, 0, 0] },
      command: 'npm run matrix',
      outcomes: [outcome, asDefect],
      foreignExclusions: [],
    });
    expect(markdown).toContain('| loop | foreign | v1 | 1 | 0 | 1 | - | - |');
    expect(markdown).toContain('**could not judge**');
  });

  test('one defect and one clean seed per hub, on every protocol: duplicate-ws-handler is caught on loop, and the markdown says so', async () => {
    const outFile = join(tmp, 'out', 'detection-matrix.md');
    const seen: string[] = [];
    const { outcomes, markdown } = await runMatrix({ catalog: [duplicateHandler], scenarios: ['loop'], seeds: 1, quick: true, outFile, onOutcome: (o) => seen.push(o.run.label) });
    expect(seen).toEqual(['defect duplicate-ws-handler on loop', 'clean loop reference seed 1', 'clean loop foreign seed 1', 'clean loop acme seed 1', 'clean loop socketio seed 1']);
    const [defect, ...clean] = outcomes;
    expect(defect!.status).toBe('failed');
    expect(defect!.failed).toContain('connection-loop');
    expect(defectResult(defect!).result).toBe('caught');
    expect(clean.map((o) => o.run.hub)).toEqual(['reference', 'foreign', 'acme', 'socketio']);
    expect(clean.map((o) => o.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    expect(readFileSync(outFile, 'utf8')).toBe(`${markdown}\n`);
    expect(markdown).toMatch(/\| `duplicate-ws-handler` \| reference-hub \| v1 \| loop \| 10 agents, 7 s, seed 1 \| connection-loop, hub-handlers-per-connection \| \*\*caught\*\* \| [a-z-, ]*connection-loop/);
    expect(markdown).toMatch(/\| loop \| reference \| v1 \| 1 \| 0 \| /);
    expect(markdown).toMatch(/\| loop \| foreign \| v1 \| 1 \| 0 \| /);
    expect(markdown).toMatch(/\| loop \| acme \| acme \(custom JSON\) \| 1 \| 0 \| /);
    expect(markdown).toMatch(/\| loop \| socketio \| socket\.io \| 1 \| 0 \| /);
    expect(markdown).toMatch(/- machine: \d+ cores/);
    expect(markdown).toMatch(/- load average \(1\/5\/15 min\): [\d.]+ \/ [\d.]+ \/ [\d.]+ at the start/);
  }, 120_000);
});
