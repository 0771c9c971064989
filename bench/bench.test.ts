import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, TSX_EXEC_ARGV } from './paths.ts';
import { isAlive } from './proc-stats.ts';
import { HOLD_ROWS, LATENCY_ROWS } from './report.ts';

/**
 * CI runs the quick bench end to end: real hubs, real fleets, real proxies.
 * No timed assertions (CI machines are noisy): only that every row is there
 * with a finite positive number, and that no process it started is left.
 */

const dir = mkdtempSync(join(tmpdir(), 'edge-chaos-bench-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Markdown table rows by their first cell. */
function tableRows(markdown: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('| ')) continue;
    const cells = line.slice(2, -2).split(' | ');
    rows.set(cells[0]!, cells.slice(1));
  }
  return rows;
}

function number(text: string | undefined): number {
  return Number((text ?? '').replaceAll(',', ''));
}

describe('npm run bench -- --quick', () => {
  const outPath = join(dir, 'benchmarks.md');
  const jsonPath = join(dir, 'bench.json');
  let run: { code: number | null; stderr: string };
  beforeAll(async () => {
    run = await new Promise((resolve) => {
      const child = execFile(
        process.execPath,
        [...TSX_EXEC_ARGV, 'bench/main.ts', '--quick', '--no-artillery', '--out', outPath, '--json', jsonPath],
        { cwd: REPO_ROOT, timeout: 240_000 },
        (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
      );
    });
  }, 250_000);

  it('exits 0 and writes a table with every row measured', () => {
    const { code, stderr } = run;
    expect(code, stderr).toBe(0);
    const rows = tableRows(readFileSync(outPath, 'utf8'));

    for (const label of ['CPU', 'cores', 'RAM', 'Node', 'date']) expect(rows.get(label)?.[0], label).toMatch(/\S/);
    expect(number(rows.get('cores')?.[0])).toBeGreaterThan(0);

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

  it('leaves no process behind', () => {
    const { childPids } = JSON.parse(readFileSync(jsonPath, 'utf8')) as { childPids: number[] };
    // Two hubs, two holders, one hub and one toxiproxy for the round trips.
    expect(childPids.length).toBeGreaterThanOrEqual(6);
    expect(childPids.filter(isAlive)).toEqual([]);
  });
});
