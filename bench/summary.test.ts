import { describe, expect, it } from 'vitest';
import { rssRatiosSentence } from './report.ts';
import type { BenchSettings, HoldMeasurement, HoldPoint, HoldSummary, Outcome } from './results.ts';
import { holdOrder } from './run-bench.ts';
import { runLimitMs, sidesAt } from './settings.ts';
import { ALL_PROTOCOLS, type ProtocolChoice } from './sides.ts';
import { median, rssRatios, socketIoWithinBound, summarize } from './summary.ts';

const run = (over: Partial<HoldMeasurement>): HoldMeasurement => ({
  agents: 1_000,
  connectMs: 500,
  agentsPerSecond: 2_000,
  failedAttempts: 0,
  rssPerConnectionBytes: 10_240,
  heapPerConnectionBytes: 3_072,
  connectCpuMsPerConnection: 0.3,
  idleCpuPercent: 0,
  ...over,
});

describe('summarize', () => {
  it('takes each figure\'s median, min and max on its own', () => {
    const summary = summarize([
      run({ agentsPerSecond: 3_000, rssPerConnectionBytes: 9_000 }),
      run({ agentsPerSecond: 1_000, rssPerConnectionBytes: 30_000 }),
      run({ agentsPerSecond: 2_500, rssPerConnectionBytes: 10_000 }),
    ]);
    expect(summary.median).toMatchObject({ agents: 1_000, agentsPerSecond: 2_500, rssPerConnectionBytes: 10_000 });
    expect(summary.min).toMatchObject({ agentsPerSecond: 1_000, rssPerConnectionBytes: 9_000 });
    expect(summary.max).toMatchObject({ agentsPerSecond: 3_000, rssPerConnectionBytes: 30_000 });
    expect(summary.runs).toHaveLength(3);
  });

  it('leaves out a figure some run lacks (RSS below the size that can measure it, heap for Artillery)', () => {
    const summary = summarize([run({ rssPerConnectionBytes: undefined }), run({})]);
    expect(summary.median.rssPerConnectionBytes).toBeUndefined();
    expect(summary.max.rssPerConnectionBytes).toBeUndefined();
    expect(summary.median.heapPerConnectionBytes).toBe(3_072);
  });

  it('medians of even counts average the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});

describe('holdOrder', () => {
  it('takes the clients in turn, reversing every other round, so none always runs first or last', () => {
    expect(holdOrder(3)).toEqual(['fleet', 'bare', 'bare', 'fleet', 'fleet', 'bare']);
    expect(holdOrder(2, ['fleet', 'bare', 'artillery'])).toEqual(['fleet', 'bare', 'artillery', 'artillery', 'bare', 'fleet']);
  });
});

describe('the RSS ratios', () => {
  const side = (rssKiB: number): Outcome<HoldSummary> => ({
    status: 'measured',
    value: summarize([run({ rssPerConnectionBytes: rssKiB * 1024 }), run({ rssPerConnectionBytes: (rssKiB + 2) * 1024 }), run({ rssPerConnectionBytes: (rssKiB - 1) * 1024 })]),
  });
  const skipped: Outcome<HoldSummary> = { status: 'skipped', reason: 'not chosen by --protocols v1' };
  const point = (over: Partial<HoldPoint>): HoldPoint => ({
    agents: 5_000,
    fleet: side(8),
    bare: side(10),
    json: side(10),
    socketio: side(12),
    artillery: { status: 'skipped', reason: 'skipped by --no-artillery' },
    ...over,
  });

  it('divides medians: JSON and Socket.IO by the v1 Fleet, the v1 Fleet by bare ws', () => {
    expect(rssRatios(point({}))).toEqual({ fleetPerBare: 0.8, jsonPerV1: 1.25, socketIoPerV1: 1.5 });
  });

  it('holds Socket.IO to 1.5 times the v1 Fleet, the bound included', () => {
    expect(socketIoWithinBound(rssRatios(point({})))).toBe(true);
    expect(socketIoWithinBound(rssRatios(point({ socketio: side(12.1) })))).toBe(false);
    expect(rssRatiosSentence(point({ socketio: side(12.1) }))).toMatch(/Socket\.IO \/ v1 1\.51 \(over the 1\.5× bound\)/);
    expect(rssRatiosSentence(point({}))).toMatch(/JSON \/ v1 1\.25; Socket\.IO \/ v1 1\.50 \(within the 1\.5× bound\); v1 Fleet \/ bare ws 0\.80\./);
  });

  it('has no ratio, and no verdict, where a side was not measured or RSS was not (below 1,000 connections)', () => {
    expect(rssRatios(point({ fleet: skipped }))).toEqual({ fleetPerBare: undefined, jsonPerV1: undefined, socketIoPerV1: undefined });
    expect(socketIoWithinBound(rssRatios(point({ socketio: skipped })))).toBeUndefined();
    const small: Outcome<HoldSummary> = { status: 'measured', value: summarize([run({ rssPerConnectionBytes: undefined })]) };
    expect(rssRatios(point({ json: small })).jsonPerV1).toBeUndefined();
    expect(rssRatiosSentence(point({ socketio: skipped }))).toMatch(/Socket\.IO \/ v1 – \(the 1\.5× bound cannot be judged without both\)/);
  });
});

describe('which sides run where', () => {
  const settings = (protocols: ProtocolChoice[], sizes = [5_000]): BenchSettings =>
    ({ agents: 5_000, sizes, curve: sizes.length > 1, maxInFlight: 128, runsPerSide: 3, settleMs: 1_000, idleWindowMs: 3_000, proxyBlockMs: 500, proxyRounds: 4, quick: false, protocols });

  it('every chosen side at the headline size; only v1 and bare at the curve\'s other sizes', () => {
    expect(sidesAt(settings(ALL_PROTOCOLS), 5_000)).toEqual(['fleet', 'bare', 'json', 'socketio']);
    expect(sidesAt(settings(ALL_PROTOCOLS, [1_000, 5_000]), 1_000)).toEqual(['fleet', 'bare']);
    expect(sidesAt(settings(['socket.io'], [1_000, 5_000]), 1_000)).toEqual([]);
  });

  it('takes all four in turn, reversing every other round', () => {
    expect(holdOrder(2, ['fleet', 'bare', 'json', 'socketio'])).toEqual(['fleet', 'bare', 'json', 'socketio', 'socketio', 'json', 'bare', 'fleet']);
  });

  it('gives the whole bench time for every side it runs', () => {
    const artillery = { run: false, mayInstall: false };
    expect(runLimitMs(settings(ALL_PROTOCOLS, [5_000, 20_000]), artillery)).toBeGreaterThan(runLimitMs(settings(['v1'], [5_000, 20_000]), artillery));
  });
});
