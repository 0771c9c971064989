import { describe, expect, test } from 'vitest';
import { createRng } from './rng.ts';

const take = (rng: { next(): number }, n: number) => Array.from({ length: n }, () => rng.next());

describe('createRng', () => {
  test('the same seed gives the same sequence; numbers and their strings are the same seed', () => {
    expect(take(createRng('run-42'), 50)).toEqual(take(createRng('run-42'), 50));
    expect(take(createRng(42), 10)).toEqual(take(createRng('42'), 10));
    expect(createRng(42).seed).toBe('42');
  });

  test('a seed replays the same numbers across versions (recorded values), children included', () => {
    const root = createRng('run-42');
    expect([root.next(), root.next()]).toEqual([0.6778909431304783, 0.046559557784348726]);
    expect(root.child('agent-1').next()).toBe(0.33016795641742647);
    expect(root.child('agent-1').child('x').next()).toBe(0.12069890089333057);
  });

  test('different seeds give different sequences', () => {
    expect(take(createRng('1'), 10)).not.toEqual(take(createRng('2'), 10));
  });

  test('values are uniform in [0, 1)', () => {
    const values = take(createRng('uniform'), 10_000);
    for (const v of values) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.48);
    expect(mean).toBeLessThan(0.52);
    expect(new Set(values).size).toBeGreaterThan(9_990);
  });

  test('a child stream does not depend on how far the parent has advanced', () => {
    const fresh = createRng('root');
    const advanced = createRng('root');
    take(advanced, 1_000);
    expect(take(advanced.child('agent-7'), 20)).toEqual(take(fresh.child('agent-7'), 20));
  });

  test('drawing from a child does not shift the parent or a sibling', () => {
    const a = createRng('root');
    const b = createRng('root');
    take(a.child('agent-1'), 500);
    expect(take(a, 10)).toEqual(take(b, 10));
    const sibling = take(createRng('root').child('agent-2'), 10);
    const root = createRng('root');
    take(root.child('agent-1'), 500);
    expect(take(root.child('agent-2'), 10)).toEqual(sibling);
  });

  test('children with similar labels get unrelated streams, and differ from the parent', () => {
    const root = createRng('root');
    const first = take(root.child('agent-1'), 10);
    expect(take(root.child('agent-2'), 10)).not.toEqual(first);
    expect(take(createRng('root'), 10)).not.toEqual(first);
    expect(root.child('agent-1').seed).toBe('root/agent-1');
    // No two of 1000 sibling streams start alike: a thousand agents do not reconnect in step.
    const firstDraws = new Set(Array.from({ length: 1_000 }, (_, i) => root.child(`agent-${i + 1}`).next()));
    expect(firstDraws.size).toBe(1_000);
  });
});
