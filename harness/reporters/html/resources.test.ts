import { describe, expect, test } from 'vitest';
import type { HistoryEvent, ResourceSampleEvent } from '../../history/events.ts';
import { renderHtmlReport } from '../html-report.ts';
import { sampleResult } from '../result.test-support.ts';
import { buildReportData } from './report-data.ts';
import { withResourceSamples } from './resource-samples.test-support.ts';
import { MAX_POINTS, resourceSeries } from './resources.ts';
import { syntheticResult } from './synthetic-result.test-support.ts';

const MIB = 1024 * 1024;
const sample = (t: number, component: string, pid: number, fields: Partial<ResourceSampleEvent> = {}): ResourceSampleEvent => ({ t, type: 'resource.sample', component, pid, rssBytes: 100 * MIB, ...fields });

describe('resource series for the report', () => {
  test('no samples, no data and no section', () => {
    expect(resourceSeries(sampleResult().events, [])).toBeUndefined();
    expect(buildReportData(sampleResult()).resources).toBeUndefined();
    expect(renderHtmlReport(sampleResult())).not.toContain('id="resources"');
  });

  test('a restart (new pid) puts a null point between the two processes, so the line breaks there', () => {
    const events: HistoryEvent[] = [
      sample(0, 'harness', 1, { heapUsedBytes: 10 * MIB, loopLagMs: 5 }),
      sample(3, 'hub', 20, { rssBytes: 50 * MIB, handles: 12 }),
      sample(1_000, 'harness', 1, { heapUsedBytes: 11 * MIB, loopLagMs: 6 }),
      sample(1_003, 'hub', 20, { rssBytes: 51 * MIB, handles: 13 }),
      sample(2_000, 'harness', 1, { heapUsedBytes: 12 * MIB, loopLagMs: 7 }),
      // The hub is down at 2 s (a redeploy) and back at 3 s as a new process.
      sample(3_000, 'harness', 1, { heapUsedBytes: 13 * MIB, loopLagMs: 8 }),
      sample(3_003, 'hub', 21, { rssBytes: 40 * MIB, handles: 10 }),
    ];
    const res = resourceSeries(events, [])!;
    expect(res.components.map((c) => [c.name, c.incarnations])).toEqual([['harness', 1], ['hub', 2]]);
    expect(res.components[1]!.t).toEqual([0.003, 1.003, 2.003, 3.003]);
    expect(res.intervalMs).toBe(1_000);
    expect(res.samples).toBe(7);
    const rss = res.charts.find((c) => c.metric === 'rss')!;
    expect(rss.values[1]).toEqual([50, 51, null, 40]);
    // The hub has no heap or event loop: its entry is null, and the chart draws the harness alone.
    const heap = res.charts.find((c) => c.metric === 'heap')!;
    expect(heap.values).toEqual([[10, 11, 12, 13], null]);
    // Nobody reported external memory: no chart for it.
    expect(res.charts.map((c) => c.metric)).toEqual(['rss', 'heap', 'handles', 'lag']);
  });

  test(`thinned to at most ${MAX_POINTS} points a component: levels averaged, event loop delay kept at its worst`, () => {
    const events = Array.from({ length: 5_000 }, (_, i) => sample(i * 100, 'harness', 1, { heapUsedBytes: i * MIB, loopLagMs: i === 2_502 ? 500 : 5 }));
    const res = resourceSeries(events, [])!;
    expect(res.components[0]!.samplesPerPoint).toBe(5);
    expect(res.components[0]!.t).toHaveLength(MAX_POINTS);
    const heap = res.charts.find((c) => c.metric === 'heap')!.values[0]!;
    expect(heap.slice(0, 2)).toEqual([2, 7]);
    const lag = res.charts.find((c) => c.metric === 'lag')!.values[0]!;
    expect(Math.max(...(lag as number[]))).toBe(500);
  });

  test("the checks' fitted lines and bound come along, in the chart's units", () => {
    const result = withResourceSamples(syntheticResult(20, 60_000));
    const res = buildReportData(result).resources!;
    expect(res.components.map((c) => [c.name, c.incarnations])).toEqual([['harness', 1], ['hub', 2]]);
    const heap = res.charts.find((c) => c.metric === 'heap')!;
    expect(heap.trends).toHaveLength(1);
    expect(heap.trends[0]!.verdict).toBe('leak');
    expect(heap.trends[0]!.slopePerMin).toBeGreaterThan(20);
    expect(heap.trends[0]!.slopePerMin).toBeLessThan(30);
    // The hub's RSS is fitted per process: one segment each side of the redeploy.
    const rss = res.charts.find((c) => c.metric === 'rss')!;
    expect(rss.trends.find((tr) => tr.component === 1)!.lines).toHaveLength(2);
    expect(res.charts.find((c) => c.metric === 'lag')!.bound?.value).toBe(100);
    const html = renderHtmlReport(result);
    expect(html).toContain('id="res-rss"');
    expect(html).toContain('harness +');
    expect(html).toContain('· leak');
  });
});
