import { expect } from 'vitest';
import type { RunResult } from '../../runner/result.ts';

/**
 * A fleet run elsewhere (shard processes, network shards, containers) must be
 * the same run as the reference one: the same reconnect schedule for each of
 * `agents` (the agents' randomness is named by agent id), events merged in
 * time order, and every one of `agentCount` agents connected.
 */
export function expectSameFleetRun(reference: RunResult, other: RunResult, agents: readonly string[], agentCount: number): void {
  const schedule = (r: RunResult, agent: string) => r.events.flatMap((e) => (e.type === 'reconnect.scheduled' && e.agent === agent ? [e.delayMs] : []));
  for (const agent of agents) {
    const a = schedule(reference, agent);
    const b = schedule(other, agent);
    const n = Math.min(a.length, b.length);
    expect(n, `reconnects scheduled for ${agent} in both runs`).toBeGreaterThan(1);
    expect(b.slice(0, n)).toEqual(a.slice(0, n));
  }
  // Events from every shard arrived and were merged in time order.
  const times = other.events.map((e) => e.t);
  expect(times).toEqual([...times].sort((x, y) => x - y));
  expect(new Set(other.events.flatMap((e) => (e.type === 'ws.open' ? [e.agent] : []))).size).toBe(agentCount);
}
