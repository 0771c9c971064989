import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedChild } from './children.ts';
import { REPO_ROOT, TSX_EXEC_ARGV } from './paths.ts';
import { isAlive } from './proc-stats.ts';
import { HOLD_ROWS, LATENCY_ROWS } from './report.ts';
import { MIN_CONNECTIONS_FOR_RSS, type BenchResult } from './results.ts';

/**
 * CI runs the quick bench end to end: real hubs, real fleets, real proxies.
 * It asserts only what holds on any healthy machine however loaded: the
 * bench finishes, both clients hold every connection (the hub's /metrics is
 * the witness, inside the bench), every figure is a finite number of the
 * right sign, the report is written, and no process is left. No speed bar
 * (CI machines are noisy; the bench's own hang detector allows 50
 * connections/s), and memory per connection only where the sample is big
 * enough to measure it (results.ts, MIN_CONNECTIONS_FOR_RSS).
 */

const dir = mkdtempSync(join(tmpdir(), 'edge-chaos-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Markdown table rows by their first cell, in the section whose `## ` heading
 * starts with `heading` (the tables before the first heading with ''): the
 * hold table and the protocol table share their row labels.
 */
function tableRows(markdown: string, heading = ''): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  let section = '';
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3);
    if (!line.startsWith('| ') || !section.startsWith(heading) || (heading === '' && section !== '')) continue;
    const cells = line.slice(2, -2).split(' | ');
    rows.set(cells[0]!, cells.slice(1));
  }
  return rows;
}

function runBench(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [...TSX_EXEC_ARGV, 'bench/main.ts', ...args],
      { cwd: REPO_ROOT, timeout: 280_000 }, // past the bench's own 240 s limit, so a hang is reported by the bench
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

function expectNoneLeft(jsonPath: string, atLeast: number): void {
  const { children } = JSON.parse(readFileSync(jsonPath, 'utf8')) as { children: StartedChild[] };
  expect(children.length).toBeGreaterThanOrEqual(atLeast);
  expect(children.filter((c) => isAlive(c.pid, c.startTicks))).toEqual([]);
}

/** The median in a "median (min–max)" cell, or the number in a plain one. */
function number(text: string | undefined): number {
  return Number((text ?? '').split(' ')[0]!.replaceAll(',', ''));
}

describe('npm run bench -- --quick', () => {
  const outPath = join(dir, 'benchmarks.md');
  const jsonPath = join(dir, 'bench.json');
  let run: { code: number | null; stderr: string };
  beforeAll(async () => {
    run = await runBench(['--quick', '--protocols', 'v1', '--no-artillery', '--out', outPath, '--json', jsonPath]);
  }, 290_000);

  it('exits 0 and writes a table with every row measured', () => {
    const { code, stderr } = run;
    expect(code, stderr).toBe(0);
    const markdown = readFileSync(outPath, 'utf8');
    const rows = new Map([...tableRows(markdown), ...tableRows(markdown, 'Holding'), ...tableRows(markdown, 'What a Toxiproxy')]);
    expect(markdown, 'v1 alone: no protocol table').not.toMatch(/## The Fleet on other protocols/);
    const { settings } = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;

    for (const label of ['CPU', 'cores', 'RAM', 'Node', 'date']) expect(rows.get(label)?.[0], label).toMatch(/\S/);
    expect(number(rows.get('cores')?.[0])).toBeGreaterThan(0);
    for (const label of ['load average at start (1 / 5 / 15 min)', 'load average at end (1 / 5 / 15 min)']) {
      expect(rows.get(label)?.[0], label).toMatch(/^\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d$/);
    }

    for (const label of Object.values(HOLD_ROWS)) {
      const [fleet, bare, ratio, artillery, artilleryRatio] = rows.get(label) ?? [];
      expect(artillery, label).toBe('skipped');
      expect(artilleryRatio, label).toBe('–');
      if (label === HOLD_ROWS.idleCpu) {
        // An idle fleet may well use no CPU tick at all in a short window: zero is a fine answer.
        expect(number(fleet), label).toBeGreaterThanOrEqual(0);
        expect(number(bare), label).toBeGreaterThanOrEqual(0);
        continue;
      }
      if (label === HOLD_ROWS.rss && settings.agents < MIN_CONNECTIONS_FOR_RSS) {
        expect([fleet, bare, ratio], label).toEqual(['–', '–', '–']);
        continue;
      }
      // Each is a size that cannot be zero or negative: connections per second, CPU for thousands of handshakes, heap after forced GCs.
      for (const value of [fleet, bare, ratio]) {
        expect(Number.isFinite(number(value)), `${label}: ${value}`).toBe(true);
        expect(number(value), label).toBeGreaterThan(0);
      }
    }
    for (const label of Object.values(LATENCY_ROWS)) {
      const cells = rows.get(label) ?? [];
      expect(cells, label).toHaveLength(5);
      for (const value of cells) {
        expect(Number.isFinite(number(value)), `${label}: ${value}`).toBe(true);
        expect(number(value), label).toBeGreaterThan(0);
      }
    }
  });

  it('held every connection on both sides, in every run', () => {
    const { settings, points } = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
    expect(settings.quick).toBe(true);
    expect(points.map((p) => p.agents)).toEqual([settings.agents]);
    for (const side of ['fleet', 'bare'] as const) {
      const outcome = points[0]![side];
      expect(outcome.status, side).toBe('measured');
      if (outcome.status !== 'measured') continue;
      expect(outcome.value.runs, side).toHaveLength(settings.runsPerSide);
      for (const m of outcome.value.runs) {
        expect(m.agents, side).toBe(settings.agents);
        expect(Number.isFinite(m.connectMs) && m.connectMs > 0, `${side} connectMs ${m.connectMs}`).toBe(true);
        expect(Number.isFinite(m.failedAttempts), side).toBe(true);
      }
    }
  });

  it('leaves no process behind', () => {
    // Two hubs, two holders, one hub and one toxiproxy for the round trips.
    expectNoneLeft(jsonPath, 6);
  });
});

/**
 * The Fleets on the other protocols, each against its own hub (the acme hub
 * in Python, the zoo's Socket.IO hub), at a size that takes seconds: both
 * hold every connection to the session's end (the hub's kernel-counted
 * connections are the witness, inside the bench), the protocol table and
 * its ratios are written, and no hub is left, the Python one included.
 */
describe('npm run bench -- --protocols json,socket.io at 20 agents', () => {
  const outPath = join(dir, 'protocols.md');
  const jsonPath = join(dir, 'protocols.json');
  let run: { code: number | null; stderr: string };
  beforeAll(async () => {
    run = await runBench(['--quick', '--agents', '20', '--protocols', 'socket.io,json', '--no-artillery', '--out', outPath, '--json', jsonPath]);
  }, 290_000);

  it('exits 0 and measures both, with the v1 Fleet marked as not chosen', () => {
    expect(run.code, run.stderr).toBe(0);
    const { points } = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
    const [point] = points;
    expect(point!.fleet).toEqual({ status: 'skipped', reason: 'not chosen by --protocols json,socket.io' });
    expect(point!.bare.status).toBe('skipped');
    // Without Python 3.11 the JSON side says why it has no numbers; Socket.IO runs on Node alone.
    const sides = point!.json.status === 'unavailable' ? (['socketio'] as const) : (['json', 'socketio'] as const);
    if (point!.json.status === 'unavailable') expect(point!.json.reason).toMatch(/python3/);
    for (const side of sides) {
      const outcome = point![side];
      expect(outcome.status, side).toBe('measured');
      if (outcome.status !== 'measured') continue;
      expect(outcome.value.runs, side).toHaveLength(1);
      const [m] = outcome.value.runs;
      expect(m!.agents, side).toBe(20);
      expect(m!.agentsPerSecond, side).toBeGreaterThan(0);
      expect(m!.heapPerConnectionBytes, side).toBeGreaterThan(0);
    }
  });

  it('writes the protocol table, its ratios sentence and what each side measures', () => {
    const markdown = readFileSync(outPath, 'utf8');
    const rows = tableRows(markdown, 'The Fleet on other protocols');
    const [v1, json, jsonRatio, socketIo, socketIoRatio] = rows.get(HOLD_ROWS.rate) ?? [];
    expect(v1).toBe('–');
    expect([jsonRatio, socketIoRatio]).toEqual(['–', '–']);
    expect(number(socketIo)).toBeGreaterThan(0);
    if (json !== 'unavailable') expect(number(json)).toBeGreaterThan(0);
    expect(markdown).toMatch(/RSS per agent, each a ratio of two medians from this run: JSON \/ v1 –; Socket\.IO \/ v1 – \(the 1\.5× bound cannot be judged without both\)/);
    expect(markdown).toMatch(/\*\*Fleet, custom JSON \(acme\)\*\*: the same Fleet on a team's own JSON wire/);
    expect(markdown).toMatch(/\*\*Fleet, Socket\.IO\*\*: the same Fleet on the built-in `socket\.io` protocol/);
  });

  it('leaves no process behind, the hubs included', () => {
    // Two hubs and two holders (one of each without Python), one hub and one toxiproxy for the round trips.
    expectNoneLeft(jsonPath, 4);
  });
});
