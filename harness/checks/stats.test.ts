import { describe, expect, test } from 'vitest';
import { distribution, formatMs, groupByAgent } from './stats.ts';

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
