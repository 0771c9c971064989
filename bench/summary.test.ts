import { describe, expect, it } from 'vitest';
import type { HoldMeasurement } from './results.ts';
import { holdOrder } from './run-bench.ts';
import { median, summarize } from './summary.ts';

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
