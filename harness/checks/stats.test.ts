import { describe, expect, test } from 'vitest';
import { distribution, formatMs, groupByAgent, percentile } from './stats.ts';

describe('percentile (nearest rank)', () => {
  const tens = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];

  test('picks the value at rank ceil(p/100 * n)', () => {
    expect(percentile(tens, 50)).toBe(50);
    expect(percentile(tens, 51)).toBe(60);
    expect(percentile(tens, 95)).toBe(100);
    expect(percentile(tens, 90)).toBe(90);
    expect(percentile(tens, 10)).toBe(10);
  });

  test('clamps at the ends and handles one value and none', () => {
    expect(percentile(tens, 0)).toBe(10);
    expect(percentile(tens, 100)).toBe(100);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('distribution', () => {
  test('sorts a copy and reports count, min, p50, p95, max', () => {
    const values = [300, 100, 200];
    expect(distribution(values)).toEqual({ count: 3, minMs: 100, p50Ms: 200, p95Ms: 300, maxMs: 300 });
    expect(values).toEqual([300, 100, 200]);
    expect(distribution([])).toBeUndefined();
  });
});

describe('formatMs', () => {
  test('uses ms under a second, s under two minutes, then minutes', () => {
    expect(formatMs(340.4)).toBe('340 ms');
    expect(formatMs(1_000)).toBe('1.0 s');
    expect(formatMs(90_000)).toBe('90.0 s');
    expect(formatMs(180_000)).toBe('3.0 min');
    expect(formatMs(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});

describe('groupByAgent', () => {
  test('groups in order and leaves out events without an agent', () => {
    const grouped = groupByAgent([{ agent: 'a', n: 1 }, { n: 2 }, { agent: 'b', n: 3 }, { agent: 'a', n: 4 }]);
    expect([...grouped.keys()]).toEqual(['a', 'b']);
    expect(grouped.get('a')?.map((e) => e.n)).toEqual([1, 4]);
  });
});
