import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { CheckResult } from '../../checks/types.ts';
import { verdictOf, type RunResult, type Verdict } from '../../runner/result.ts';
import { renderHtmlReport } from '../html-report.ts';
import { CHECKS, sampleResult } from '../result.test-support.ts';
import { chromiumMissing, startChromium, type StartedBrowser } from './browser.test-support.ts';

const missing = chromiumMissing();
let dir = '';
let browser: StartedBrowser | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-chaos-header-'));
  if (!missing) browser = await startChromium();
});
afterAll(async () => {
  await browser?.[Symbol.asyncDispose]();
  await rm(dir, { recursive: true, force: true });
});

const HUB_CHECKS: CheckResult[] = CHECKS.map((c) => ({ ...c, kind: 'hub' }));
const LAG_FAILED: CheckResult = { id: 'event-loop-lag', title: 'The harness kept up', kind: 'validity', status: 'failed', summary: 'event loop p99 109 ms at 11.3 s (bound 100 ms)', evidence: { maxMs: 100, p99Ms: 109 } };
const FAULTS_PASSED: CheckResult = { id: 'faults-applied', title: 'Every fault applied', kind: 'validity', status: 'passed', summary: 'no faults in this scenario' };

const STORM = '500 agents through a redeploy: reconnects must spread over the backoff window; fails with --agent-defect no-jitter';
const DESCRIPTIONS = {
  short: 'the incident',
  storm: STORM,
  long: Array.from({ length: 6 }, () => STORM).join(' '),
  // A path or URL has nowhere to break: it must wrap anyway rather than widen the page.
  unbroken: `/very/long/path/${'segment-'.repeat(40)}end`,
};

/** A result with the given verdict, its checks and reasons as the runner makes them. */
function resultWith(verdict: Verdict, description: string): RunResult {
  const scenario = { name: 'storm', description };
  if (verdict === 'invalid') {
    const checks = [...HUB_CHECKS, LAG_FAILED, FAULTS_PASSED];
    return sampleResult({ scenario, checks, ...verdictOf(checks, false) });
  }
  const checks = verdict === 'passed' ? HUB_CHECKS.filter((c) => c.status !== 'failed') : [...HUB_CHECKS, FAULTS_PASSED];
  return sampleResult({ scenario, checks, verdict, ...(verdict === 'interrupted' ? { replayNote: 'stopped at 3.2 s; the replay runs the whole 5 s' } : {}) });
}

type Box = { x: number; y: number; width: number; height: number };

/** Where the header's parts landed; the tests compile without the DOM lib, so the page side is typed by hand. */
function headerGeometry(page: Page) {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { getBoundingClientRect(): Box; scrollWidth: number; clientWidth: number } | null } }).document;
    const box = (sel: string): Box | null => {
      const r = doc.querySelector(sel)?.getBoundingClientRect();
      return r ? { x: r.x, y: r.y, width: r.width, height: r.height } : null;
    };
    const header = doc.querySelector('header.run')!;
    return {
      header: box('header.run')!,
      verdict: box('header .verdict')!,
      what: box('header .what')!,
      h1: box('header h1')!,
      params: box('header .params')!,
      why: box('header .verdict-why'),
      overflowPx: header.scrollWidth - header.clientWidth,
    };
  });
}

describe('report.html header: the same layout for every verdict, any description, wide or narrow', () => {
  const verdicts: Verdict[] = ['passed', 'failed', 'invalid', 'interrupted'];
  for (const width of [1400, 800]) {
    test(`${width} px: badge and scenario side by side, the scenario's text as wide as the row allows, nothing left blank`, async (ctx) => {
      if (missing) ctx.skip(missing);
      const page = await browser!.context.newPage();
      await page.setViewportSize({ width, height: 900 });
      for (const verdict of verdicts) {
        for (const [kind, description] of Object.entries(DESCRIPTIONS)) {
          const file = join(dir, `${verdict}-${kind}.html`);
          await writeFile(file, renderHtmlReport(resultWith(verdict, description)));
          await page.goto(pathToFileURL(file).href);
          await page.waitForSelector('body[data-ready="true"]');
          const g = await headerGeometry(page);
          const where = `${verdict}, ${kind} description, ${width} px`;
          expect(await page.textContent('header .verdict'), where).toBe(verdict.toUpperCase());
          // The badge is as wide as its word, not the header (the invalid run's badge took 1,140 px).
          expect(g.verdict.width, where).toBeLessThan(220);
          // Title beside the badge, sharing its top line.
          expect(g.what.x, where).toBeGreaterThan(g.verdict.x + g.verdict.width);
          expect(Math.abs(g.h1.y - g.verdict.y), where).toBeLessThan(12);
          // The scenario's text takes the rest of the row (it was squeezed to a column one word wide).
          expect(g.what.width, where).toBeGreaterThan(g.header.width - g.verdict.width - 80);
          // The parameters start right under the taller of badge and text: no blank block.
          expect(g.params.y - Math.max(g.verdict.y + g.verdict.height, g.what.y + g.what.height), where).toBeLessThan(24);
          expect(g.params.width, where).toBeGreaterThan(g.header.width - 60);
          expect(g.overflowPx, where).toBeLessThanOrEqual(0);
          // Invalid and interrupted say why in a full-width block under the replay line.
          if (verdict === 'invalid' || verdict === 'interrupted') {
            expect(g.why, where).not.toBeNull();
            expect(g.why!.width, where).toBeGreaterThan(g.header.width - 60);
            expect(g.why!.y, where).toBeGreaterThan(g.params.y + g.params.height);
          } else expect(g.why, where).toBeNull();
          if (verdict === 'invalid') expect(await page.textContent('header .invalid-reasons'), where).toContain('event-loop-lag: event loop p99 109 ms');
        }
      }
      await page.close();
    });
  }

  test('the checks table keeps hub checks and run-validity checks apart, each with its own counts', async (ctx) => {
    if (missing) ctx.skip(missing);
    const file = join(dir, 'split.html');
    const result = resultWith('invalid', STORM);
    // A validity check listed between hub checks still lands in its own table.
    result.checks = [result.checks[0]!, LAG_FAILED, ...result.checks.slice(1).filter((c) => c !== LAG_FAILED)];
    await writeFile(file, renderHtmlReport(result));
    const page = await browser!.context.newPage();
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');
    const ids = (table: string) => page.$$eval(`${table} tr[data-check-id]`, (rows) => rows.map((r) => r.getAttribute('data-check-id')));
    expect(await ids('#hub-checks')).toEqual(['reconnects', 'connection-loop', 'hub-connections-replaced']);
    expect(await ids('#validity-checks')).toEqual(['event-loop-lag', 'faults-applied']);
    expect(await page.textContent('#hub-count')).toBe('1 failed · 1 passed · 1 skipped');
    expect(await page.textContent('#validity-count')).toBe('1 failed · 1 passed · 0 skipped');
    expect(await page.textContent('#validity-h')).toContain('Run validity');
    // Both tables draw their columns alike, so the two read as one list in two parts.
    const columns = (table: string) => page.$$eval(`${table} thead th`, (cells) => cells.map((c) => Math.round((c as unknown as { getBoundingClientRect(): Box }).getBoundingClientRect().width)));
    expect(await columns('#validity-checks')).toEqual(await columns('#hub-checks'));

    // A run with no validity checks (an older summary.json without `kind`) has the hub table alone.
    await writeFile(file, renderHtmlReport(sampleResult()));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await ids('#hub-checks')).toEqual(CHECKS.map((c) => c.id));
    expect(await page.locator('#validity-checks').count()).toBe(0);
    await page.close();
  });
});
