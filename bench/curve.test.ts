import { describe, expect, it } from 'vitest';
import { curveMarkdown, curveSvg, fitLine, rssFit } from './curve.ts';
import type { BenchResult, HoldMeasurement, HoldPoint } from './results.ts';
import { summarize } from './summary.ts';

/** Fleet: 15 KiB per connection + 20 MiB fixed; bare: 9 KiB + 2 MiB; Artillery fails at 10,000. */
function hold(agents: number, perConnectionKiB: number, fixedMiB: number, connectMs: number): HoldMeasurement {
  return {
    agents,
    connectMs,
    agentsPerSecond: agents / (connectMs / 1000),
    failedAttempts: 0,
    rssPerConnectionBytes: (perConnectionKiB * 1024 * agents + fixedMiB * 1024 ** 2) / agents,
    heapPerConnectionBytes: 3_000,
    connectCpuMsPerConnection: 0.3,
    idleCpuPercent: 0,
  };
}

function point(agents: number): HoldPoint {
  const runs = (kib: number, fixed: number, ms: number): HoldMeasurement[] => [hold(agents, kib, fixed, ms), hold(agents, kib, fixed, ms * 1.2), hold(agents, kib, fixed, ms * 0.9)];
  return {
    agents,
    fleet: { status: 'measured', value: summarize(runs(15, 20, agents / 3)) },
    bare: { status: 'measured', value: summarize(runs(9, 2, agents / 4)) },
    json: { status: 'skipped', reason: 'measured at 5,000 connections only' },
    socketio: { status: 'skipped', reason: 'measured at 5,000 connections only' },
    artillery:
      agents < 10_000
        ? { status: 'measured', value: { summary: summarize(runs(9.5, 40, agents / 2)), arrivalsPerSecond: 2_400, version: '2.0.21', install: 'found' } }
        : { status: 'unavailable', reason: 'at 10000 connections, run 1/3: artillery held only 9000 of 10000 connections after 200 s' },
  };
}

const result: BenchResult = {
  machine: { cpuModel: 'Test CPU', cores: 2, ramBytes: 8 * 1024 ** 3, node: 'v20.20.2', os: 'Linux', date: '2026-12-02T00:00:00.000Z' },
  loadAverage: { atStart: [0.1, 0.2, 0.3], atEnd: [0.4, 0.5, 0.6] },
  settings: { agents: 5_000, sizes: [1_000, 2_000, 5_000, 10_000], curve: true, maxInFlight: 128, runsPerSide: 3, settleMs: 1_000, idleWindowMs: 3_000, proxyBlockMs: 500, proxyRounds: 4, quick: false, protocols: ['v1'] },
  points: [1_000, 2_000, 5_000, 10_000].map(point),
  proxy: { status: 'skipped', reason: 'test' },
  totalMs: 1,
};

describe('the cost curve', () => {
  it('fits a line exactly through points on one', () => {
    expect(fitLine([{ x: 1, y: 3 }, { x: 2, y: 5 }, { x: 4, y: 9 }])).toEqual({ slope: 2, intercept: 1 });
    expect(fitLine([{ x: 1, y: 3 }])).toBeUndefined();
    expect(fitLine([{ x: 1, y: 3 }, { x: 1, y: 4 }])).toBeUndefined();
  });

  it('splits RSS growth into a per-connection and a fixed part', () => {
    const fleet = rssFit(result, 'fleet')!;
    expect(fleet.perConnectionBytes / 1024).toBeCloseTo(15, 6);
    expect(fleet.fixedBytes / 1024 ** 2).toBeCloseTo(20, 6);
    expect(rssFit(result, 'bare')!.perConnectionBytes / 1024).toBeCloseTo(9, 6);
  });

  it('tables every size with median (min–max), ratios of medians, and says why Artillery has no numbers at a size', () => {
    const markdown = curveMarkdown(result, 'bench-curve.svg');
    expect(markdown).toContain('![Holding N idle WebSocket connections: cost per client](bench-curve.svg)');
    // Fleet at 1,000: 15 KiB + 20 MiB / 1,000 = 35.5 KiB; bare 9 + 2.048 = 11.0; Artillery 9.5 + 40.96 = 50.5.
    expect(markdown).toMatch(/^\| 1,000 \| 35\.5 \(35\.5–35\.5\) \| 11\.0 \(11\.0–11\.0\) \| 3\.21 \| 50\.5 \(50\.5–50\.5\) \|$/m);
    // Connect time spread: 0.9 to 1.2 of the median.
    expect(markdown).toMatch(/^\| 2,000 \| 0\.67 \(0\.60–0\.80\) \| 0\.50 \(0\.45–0\.60\) \| 1\.33 \| 1\.00 \(0\.90–1\.20\) \|$/m);
    expect(markdown).toMatch(/^\| 10,000 \| .* \| unavailable \|$/m);
    expect(markdown).toContain('Artillery 2.0.21 at 10,000: unavailable: at 10000 connections, run 1/3: artillery held only 9000');
    expect(markdown).toContain('Fleet v1 (EdgeAgent) 15.0 KiB per connection + 20.0 MiB; bare ws 9.0 KiB per connection + 2.0 MiB');
  });

  it('draws both panels with a line per client, Artillery stopping where it failed', () => {
    const svg = curveSvg(result);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const points = (series: string): string[] => [...svg.matchAll(new RegExp(`class="point" data-series="${series}" data-x="(\\d+)"`, 'g'))].map((m) => m[1]!);
    expect(points('Fleet v1 \\(EdgeAgent\\)')).toEqual(['1000', '2000', '5000', '10000', '1000', '2000', '5000', '10000']);
    expect(points('Artillery 2.0.21')).toEqual(['1000', '2000', '5000']);
    expect(svg).toContain('RSS per connection');
    expect(svg).toContain('Time to connect all N');
  });
});
