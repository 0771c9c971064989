import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunResult } from '../runner/result.ts';
import { chromiumMissing, startChromium, type StartedBrowser } from './html/browser.test-support.ts';
import { withMachineSamples, withSaturation } from './html/machine-samples.test-support.ts';
import { withResourceSamples } from './html/resource-samples.test-support.ts';
import { syntheticResult } from './html/synthetic-result.test-support.ts';
import { renderHtmlReport } from './html-report.ts';
import { writeReports } from './index.ts';
import { shortLoopRun } from './real-run.test-support.ts';
import { sampleResult } from './result.test-support.ts';

const missing = chromiumMissing();
let dir = '';
let browser: StartedBrowser | undefined;
let looped: RunResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'edge-chaos-html-'));
  if (missing) return;
  [browser, looped] = await Promise.all([startChromium(), shortLoopRun({ defect: true })]);
});
afterAll(async () => {
  await browser?.[Symbol.asyncDispose]();
  await rm(dir, { recursive: true, force: true });
});

/** Opens a report from disk, as a person double-clicking it would, and collects every console error and page error. */
async function open(file: string): Promise<{ page: Page; errors: string[]; loadMs: number }> {
  const page = await browser!.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  // A report must not reach for the network: any request other than the file itself is an error.
  page.on('request', (r) => {
    if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) errors.push(`network request: ${r.url()}`);
  });
  const started = performance.now();
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready="true"]');
  return { page, errors, loadMs: Math.round(performance.now() - started) };
}

// The tests compile without the DOM lib, so the page-side callbacks are typed by hand.
const timeline = (page: Page) => page.$eval('#timeline-view', (el) => ({ ...(el as unknown as { dataset: Record<string, string | undefined> }).dataset }));

describe('report.html in a real browser', () => {
  test('a real looping run: no errors, every lane drawn, every check listed, the close reason on hover', async (ctx) => {
    if (missing) ctx.skip(missing);
    const runDir = join(dir, 'loop');
    await writeReports(looped, runDir);
    const { page, errors } = await open(join(runDir, 'report.html'));

    const lanes = await timeline(page);
    expect(Number(lanes.lanesDrawn)).toBe(looped.agentIds.length);
    // Hub checks first, then the run's validity checks in their own table, as the console lists them.
    const ids = await page.$$eval('tr[data-check-id] .check-id', (cells) => cells.map((c) => c.textContent));
    expect(ids).toEqual([...looped.checks.filter((c) => c.kind !== 'validity'), ...looped.checks.filter((c) => c.kind === 'validity')].map((c) => c.id));
    expect(await page.locator('#validity-checks tr[data-check-id]').count()).toBe(looped.checks.filter((c) => c.kind === 'validity').length);
    // The header shows the run's own verdict. A looping run is never passed; on a swamped machine the
    // harness may fall behind and call the run invalid (it cannot judge), and the page must say so.
    expect(['failed', 'invalid']).toContain(looped.verdict);
    expect(looped.checks.find((c) => c.id === 'connection-loop')?.status).toBe('failed');
    expect(await page.textContent('header .verdict')).toBe(looped.verdict.toUpperCase());
    expect(await page.textContent('#replay-cmd')).toBe(looped.replay);
    // Four run charts, and the Resources section: every run samples the harness's own event loop (event-loop-lag).
    const resourceCharts = await page.locator('#resources .chart .uplot').count();
    expect(resourceCharts).toBeGreaterThan(0);
    // The Machine section is there whether or not this machine could be sampled (it says why when not).
    const machineCharts = await page.locator('#machine .chart .uplot').count();
    expect(await page.getAttribute('#machine', 'data-charts')).toBe(String(machineCharts));
    expect((await page.locator('.chart .uplot').count()) - resourceCharts - machineCharts).toBe(4);

    // Hover the first connection agent-1 lost: the tooltip names the incident's close code and reason.
    const data = JSON.parse((await readFile(join(runDir, 'report.html'), 'utf8')).match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]!);
    const segs: number[] = data.lanes.segs[0];
    const k = segs.findIndex((v, i) => i % 4 === 3 && v >= 0) - 3;
    expect(k).toBeGreaterThanOrEqual(0);
    const canvas = page.locator('#tl-lanes');
    const plotW = (await canvas.boundingBox())!.width - Number(lanes.gutter) - 10;
    // hover() scrolls the lanes into view first; the position is relative to the canvas.
    await canvas.hover({ position: { x: Number(lanes.gutter) + ((segs[k]! + segs[k + 1]!) / 2 / data.endMs) * plotW, y: Number(lanes.laneHeight) / 2 } });
    await expect.poll(() => page.textContent('#tl-tip')).toContain('closed 1000 "New connection established"');

    // The label says "Copied" only briefly; data-copied stays, so a slow machine cannot miss it.
    await page.click('button.copy');
    await expect.poll(() => page.getAttribute('button.copy', 'data-copied')).toBe('true');
    expect(errors).toEqual([]);
    await page.close();
  });

  test('1,000 agents with faults and a redeploy: lanes are virtualised, the page stays small and opens without errors', async (ctx) => {
    if (missing) ctx.skip(missing);
    const result = syntheticResult(1_000);
    const file = join(dir, 'fleet-1000.html');
    await writeFile(file, renderHtmlReport(result));
    const { page, errors, loadMs } = await open(file);
    const lanes = await timeline(page);
    expect(Number(lanes.lanesTotal)).toBe(1_000);
    // Only the rows in view are drawn; the rest cost nothing until scrolled to.
    expect(Number(lanes.lanesDrawn)).toBeGreaterThan(10);
    expect(Number(lanes.lanesDrawn)).toBeLessThan(200);
    expect(lanes.faultWindows).toBe('1');
    expect(lanes.redeployWindows).toBe('1');
    expect(await page.evaluate<number>('document.getElementsByTagName("*").length')).toBeLessThan(1_000);

    await page.locator('#tl-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => timeline(page).then((d) => Number(d.lanesDrawn))).toBeGreaterThan(10);
    await page.check('#flagged-only');
    await expect.poll(() => timeline(page).then((d) => d.lanesTotal)).toBe('100');
    expect(errors).toEqual([]);
    await ctx.annotate(`1,000 agents: ${Math.round((await readFile(file)).length / 1024)} KiB, opened and drawn in ${loadMs} ms, page script ${await page.getAttribute('body', 'data-render-ms')} ms`);
    await page.close();
  });

  test('resource samples: a Resources chart per metric, a line per process, the fitted trends, and zoom shared with the timeline', async (ctx) => {
    if (missing) ctx.skip(missing);
    const result = withResourceSamples(syntheticResult(50, 60_000));
    const file = join(dir, 'resources.html');
    await writeFile(file, renderHtmlReport(result));
    const { page, errors } = await open(file);
    expect(await page.getAttribute('#resources', 'data-charts')).toBe('5');
    expect(await page.locator('#resources .chart .uplot').count()).toBe(5);
    const figure = (id: string) => page.$eval(`#res-${id}`, (el) => ({ ...(el as unknown as { dataset: Record<string, string | undefined> }).dataset }));
    // RSS: the harness and the hub (restarted by the redeploy), each with its trend; heap and event loop: the harness alone.
    expect(await figure('rss')).toEqual({ series: '2', trends: '2' });
    expect(await figure('heap')).toEqual({ series: '1', trends: '1' });
    expect(await figure('lag')).toEqual({ series: '1', trends: '0' });
    expect(await page.textContent('#res-heap figcaption')).toMatch(/harness \+2\d\.\d+ MiB\/min · leak/);
    expect(await page.textContent('#resources .note')).toContain('hub (2 processes)');

    // Dragging across a Resources chart zooms the timeline (and every other chart) with it.
    expect((await timeline(page)).view).toBe('0-60000');
    const over = page.locator('#res-rss .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => timeline(page).then((d) => d.view)).not.toBe('0-60000');
    expect(errors).toEqual([]);
    await page.close();
  });
  test('machine samples: busy share, run queue and CPU per component, the saturated windows shaded, zoom shared; none: the section says why', async (ctx) => {
    if (missing) ctx.skip(missing);
    const saturated = { fromMs: 20_000, toMs: 26_000, checks: ['recovery'] };
    const result = withSaturation(withMachineSamples(withResourceSamples(syntheticResult(50, 60_000)), { busy: [saturated] }), [saturated]);
    const file = join(dir, 'machine.html');
    await writeFile(file, renderHtmlReport(result));
    const { page, errors } = await open(file);
    const figure = (id: string) => page.$eval(`#${id}`, (el) => ({ ...(el as unknown as { dataset: Record<string, string | undefined> }).dataset }));
    expect(await page.getAttribute('#machine', 'data-charts')).toBe('2');
    expect(await page.locator('#machine .chart .uplot').count()).toBe(2);
    // Busy % and run queue per core; the harness's and the hub's CPU; the one window drawn on both.
    expect(await figure('machine-load')).toEqual({ series: '2', saturatedDrawn: '1' });
    expect(await figure('machine-cpu')).toEqual({ series: '2', saturatedDrawn: '1' });
    expect(await page.textContent('#machine-load figcaption')).toContain('machine-headroom check found the machine saturated while a timing check failed (recovery)');
    expect(await page.textContent('#machine-note')).toContain('60 samples, every 1.0 s, 2 cores');
    // The invalid run's header names the check that made it so.
    expect(await page.textContent('header .invalid-reasons')).toContain('machine-headroom');

    // Zoom to the first 15 s on the Machine chart: the window leaves the view, and the timeline follows.
    const over = page.locator('#machine-load .u-over');
    await over.scrollIntoViewIfNeeded();
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2, { steps: 4 });
    await page.mouse.up();
    await expect.poll(() => figure('machine-cpu').then((d) => d.saturatedDrawn)).toBe('0');
    expect((await timeline(page)).view).not.toBe('0-60000');
    expect(errors).toEqual([]);
    await page.close();

    const bare = join(dir, 'no-machine.html');
    await writeFile(bare, renderHtmlReport(sampleResult()));
    const second = await open(bare);
    expect(await second.page.getAttribute('#machine', 'data-charts')).toBe('0');
    expect(await second.page.locator('#machine .chart').count()).toBe(0);
    expect(await second.page.textContent('#machine-note')).toContain('the run recorded no machine samples');
    expect(second.errors).toEqual([]);
    await second.page.close();
  });
});
