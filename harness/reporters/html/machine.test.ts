import { describe, expect, test } from 'vitest';
import type { CheckResult } from '../../checks/types.ts';
import type { HistoryEvent, MachineSampleEvent, ResourceSampleEvent } from '../../history/events.ts';
import { renderHtmlReport } from '../html-report.ts';
import { sampleResult } from '../result.test-support.ts';
import { NO_MACHINE_SAMPLES, machineSeries } from './machine.ts';
import { withMachineSamples, withSaturation } from './machine-samples.test-support.ts';
import { buildReportData } from './report-data.ts';
import { withResourceSamples } from './resource-samples.test-support.ts';
import { MAX_POINTS } from './resources.ts';
import { syntheticResult } from './synthetic-result.test-support.ts';

const machine = (t: number, busyShare: number, runQueue: number, cores = 2): MachineSampleEvent => ({ t, type: 'machine.sample', cores, busyShare, runQueue });
const cpu = (t: number, component: string, pid: number, cpuCores?: number): ResourceSampleEvent => ({ t, type: 'resource.sample', component, pid, rssBytes: 1, ...(cpuCores === undefined ? {} : { cpuCores }) });
const headroom = (status: 'passed' | 'failed', evidence: unknown): CheckResult =>
  status === 'failed' ? { id: 'machine-headroom', title: 'headroom', kind: 'validity', status, summary: '', evidence } : { id: 'machine-headroom', title: 'headroom', kind: 'validity', status, summary: '' };

describe('machine series for the report', () => {
  test('no machine samples: the data says why, and the section says it instead of drawing an empty chart', () => {
    const series = machineSeries(sampleResult().events, [], 5_000);
    expect(series).toEqual({ missing: NO_MACHINE_SAMPLES, cpu: [], saturated: [] });
    const html = renderHtmlReport(sampleResult());
    expect(html).toContain('<section id="machine"');
    expect(html).toContain('no chart: the run recorded no machine samples');
    expect(html).not.toContain('id="machine-load"');
    expect(html).not.toContain('id="machine-cpu"');
  });

  test('busy share in %, run queue per core, and each component\'s CPU with a break at a restart', () => {
    const events: HistoryEvent[] = [
      cpu(0, 'harness', 1),
      cpu(3, 'hub', 20),
      machine(1_000, 0.25, 1),
      cpu(1_000, 'harness', 1, 0.4),
      cpu(1_003, 'hub', 20, 0.15),
      machine(2_000, 1, 6),
      cpu(2_000, 'harness', 1, 1.5),
      // The hub is redeployed: a new pid, whose first sample has no interval behind it and so no CPU.
      machine(3_000, 0.5, 2),
      cpu(3_003, 'hub', 21),
      cpu(4_003, 'hub', 21, 0.3),
      // A component that never reports CPU (a container hub read from outside) gets no line.
      cpu(4_005, 'proxy', 30),
    ];
    const s = machineSeries(events, [], 5_000);
    expect(s.load).toEqual({ cores: 2, t: [1, 2, 3], busyPct: [25, 100, 50], runQueuePerCore: [0.5, 3, 1], samplesPerPoint: 1, samples: 3, intervalMs: 1_000 });
    expect(s.cpu.map((c) => [c.name, c.incarnations])).toEqual([['harness', 1], ['hub', 2]]);
    expect(s.cpu[0]!.cores).toEqual([null, 0.4, 1.5]);
    expect(s.cpu[1]!.t).toEqual([0.003, 1.003, 2.003, 3.003, 4.003]);
    expect(s.cpu[1]!.cores).toEqual([null, 0.15, null, null, 0.3]);
  });

  test(`a long run is thinned to at most ${MAX_POINTS} points, each the busiest it stands for, and stays small in the page`, () => {
    // Two hours at one sample a second, one 1 s saturation in the middle.
    const events: HistoryEvent[] = [];
    for (let i = 1; i <= 7_200; i++) {
      events.push(machine(i * 1_000, i === 3_601 ? 1 : 0.2, i === 3_601 ? 8 : 0));
      events.push(cpu(i * 1_000 + 3, 'hub', 20, i === 3_601 ? 1.8 : 0.1));
    }
    const s = machineSeries(events, [], 7_200_000);
    expect(s.load!.samplesPerPoint).toBe(8);
    expect(s.load!.t).toHaveLength(900); // 7,200 samples, 8 a point
    expect(Math.max(...s.load!.busyPct)).toBe(100);
    expect(Math.max(...s.load!.runQueuePerCore)).toBe(4);
    expect(s.cpu[0]!.t.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(Math.max(...(s.cpu[0]!.cores as number[]))).toBe(1.8);
    expect(JSON.stringify(s).length).toBeLessThan(40_000);
  });

  test('saturated windows come from a failed machine-headroom check only, malformed ones left out, clamped to the run', () => {
    const windows = [
      { fromMs: 1_000, toMs: 2_500, checks: ['recovery'] },
      { fromMs: 4_000, toMs: 9_000, checks: ['polling-fallback', 7] },
      { fromMs: 3_000, toMs: 2_000, checks: [] },
      { fromMs: '1', toMs: 2, checks: [] },
      null,
    ];
    expect(machineSeries([], [headroom('failed', { windows })], 5_000).saturated).toEqual([
      { fromMs: 1_000, toMs: 2_500, checks: ['recovery'] },
      { fromMs: 4_000, toMs: 5_000, checks: ['polling-fallback'] },
    ]);
    expect(machineSeries([], [headroom('passed', undefined)], 5_000).saturated).toEqual([]);
    expect(machineSeries([], [headroom('failed', { windows: 'none' })], 5_000).saturated).toEqual([]);
  });

  test('a synthetic saturated run: the report data, the invalid verdict and the caption naming the checks', () => {
    const result = withSaturation(withMachineSamples(withResourceSamples(syntheticResult(20, 60_000)), { busy: [{ fromMs: 20_000, toMs: 26_000 }] }), [{ fromMs: 20_000, toMs: 26_000, checks: ['recovery'] }]);
    expect(result.verdict).toBe('invalid');
    const data = buildReportData(result).machine;
    expect(data.load!.samples).toBe(60);
    expect(data.cpu.map((c) => c.name)).toEqual(['harness', 'hub']);
    expect(data.saturated).toEqual([{ fromMs: 20_000, toMs: 26_000, checks: ['recovery'] }]);
    // Inside the busy window the machine reads saturated; outside it, idle.
    const at = (s: number) => data.load!.busyPct[data.load!.t.indexOf(s)]!;
    expect(at(22)).toBeGreaterThanOrEqual(97);
    expect(at(10)).toBeLessThan(31);
    const html = renderHtmlReport(result);
    expect(html).toContain('id="machine-load"');
    expect(html).toContain('id="machine-cpu"');
    expect(html).toMatch(/1 window in which the machine-headroom check found the machine saturated while a timing check failed \(recovery\)/);
  });
});
