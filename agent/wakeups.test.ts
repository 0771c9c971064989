import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { WAKE, WAKE_SLOT, wakeups, type Sleeper } from './wakeups.ts';

/** A sleeper that records when it woke, and may ask to sleep again. */
class Probe implements Sleeper {
  [WAKE_SLOT] = -1;
  readonly woke: number[] = [];
  readonly name: string;
  readonly log: string[];
  readonly again: ((now: number) => number | undefined) | undefined;
  constructor(name: string, log: string[], again?: (now: number) => number | undefined) {
    this.name = name;
    this.log = log;
    this.again = again;
  }
  [WAKE](now: number): void {
    this.woke.push(now);
    this.log.push(this.name);
    const next = this.again?.(now);
    if (next !== undefined) wakeups.at(this, next);
  }
}

const until = async (done: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const end = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() > end) throw new Error('timed out');
    await sleep(5);
  }
};

describe('wakeups: one timer for every sleeper', () => {
  test('wakes each sleeper once, in due order, never before its due time', async () => {
    const log: string[] = [];
    const start = performance.now();
    const due: Record<string, number> = { a: start + 60, b: start + 20, c: start + 40, d: start + 20.5 };
    const probes = Object.keys(due).map((name) => new Probe(name, log));
    for (const p of probes) wakeups.at(p, due[p.name]!);
    expect(wakeups.size).toBe(4);
    await until(() => log.length === 4);
    expect(log).toEqual(['b', 'd', 'c', 'a']);
    for (const p of probes) {
      expect(p.woke).toHaveLength(1);
      expect(p.woke[0]).toBeGreaterThanOrEqual(due[p.name]!);
      expect(p[WAKE_SLOT]).toBe(-1);
    }
    expect(wakeups.size).toBe(0);
  });

  test('at() again moves a wake (earlier or later); cancel() drops it', async () => {
    const log: string[] = [];
    const start = performance.now();
    const moved = new Probe('moved', log);
    const cancelled = new Probe('cancelled', log);
    const later = new Probe('later', log);
    wakeups.at(moved, start + 500);
    wakeups.at(cancelled, start + 10);
    wakeups.at(later, start + 30);
    wakeups.at(moved, start + 5); // earlier than the armed timer: must re-arm
    wakeups.cancel(cancelled);
    wakeups.cancel(cancelled); // a second cancel is a no-op
    await until(() => log.length === 2);
    expect(log).toEqual(['moved', 'later']);
    expect(cancelled.woke).toEqual([]);
    // Moved from 500 ms to 5 ms, it woke no later than the wake due at 30 ms (not a wall-clock bound,
    // which a loaded 2-core machine can overrun).
    expect(moved.woke[0]!).toBeLessThanOrEqual(later.woke[0]!);

    const pushed = new Probe('pushed', log);
    wakeups.at(pushed, performance.now() + 5);
    const pushedTo = performance.now() + 80;
    wakeups.at(pushed, pushedTo);
    await until(() => log.length === 3);
    expect(pushed.woke[0]).toBeGreaterThanOrEqual(pushedTo);
  });

  test('a sleeper can sleep again from its wake; many sleepers keep heap order', async () => {
    const log: string[] = [];
    let rounds = 0;
    const again = new Probe('again', log, (now) => (++rounds < 3 ? now + 5 : undefined));
    wakeups.at(again, performance.now() + 5);
    const start = performance.now();
    // 500 sleepers in shuffled order: they must still wake in due order.
    const many = Array.from({ length: 500 }, (_, i) => new Probe(String(i), log));
    const order = many.map((_, i) => (i * 7919) % 500);
    for (const i of order) wakeups.at(many[i]!, start + 20 + i * 0.1);
    for (const i of order.filter((i) => i % 5 === 0)) wakeups.cancel(many[i]!);
    await until(() => rounds === 3 && many.every((p, i) => i % 5 === 0 || p.woke.length === 1));
    const woken = log.filter((name) => name !== 'again').map(Number);
    expect(woken).toEqual(many.map((_, i) => i).filter((i) => i % 5 !== 0));
    expect(wakeups.size).toBe(0);
  });
});
