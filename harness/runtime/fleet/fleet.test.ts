import { describe, expect, test } from 'vitest';
import { startHub } from '../../../server/start.ts';
import type { AgentEvent } from '../../../agent/events.ts';
import { Fleet } from './fleet.ts';
import { DEFAULT_BACKOFF, backoffDelayMs } from '../../../agent/backoff.ts';
import { createRng } from '../../../common/rng.ts';

interface Scheduled {
  attempt: number;
  delayMs: number;
}

/** Runs a fleet against a looping hub until every agent scheduled `n` reconnects; returns each agent's attempts and delays. */
async function reconnectDelays(hubUrl: string, seed: string, agents: number, n: number): Promise<Map<string, Scheduled[]>> {
  const delays = new Map<string, Scheduled[]>();
  let done: () => void;
  const allScheduled = new Promise<void>((resolve) => (done = resolve));
  const fleet = new Fleet({
    agents,
    hubUrl,
    rng: createRng(seed),
    clock: () => performance.now(),
    backoff: { minMs: 10, maxMs: 60 },
    sink: (e: AgentEvent) => {
      if (e.type !== 'reconnect.scheduled') return;
      const list = delays.get(e.agent) ?? [];
      delays.set(e.agent, list);
      if (list.length < n) list.push({ attempt: e.attempt, delayMs: e.delayMs });
      if (delays.size === agents && [...delays.values()].every((l) => l.length === n)) done();
    },
  });
  try {
    await fleet.start();
    await allScheduled;
  } finally {
    await fleet.stop();
  }
  return delays;
}

describe('Fleet', () => {
  test('ids are stable and prefixed; events are stamped with the run clock and the agent id', async () => {
    await using hub = await startHub();
    const events: AgentEvent[] = [];
    const asked: [string, number][] = [];
    let opened: () => void;
    const allOpen = new Promise<void>((resolve) => (opened = resolve));
    await using fleet = new Fleet({
      agents: 3,
      idPrefix: 'site-a.',
      hubUrl: (id, index) => {
        asked.push([id, index]);
        return hub.url;
      },
      rampMs: 30,
      rng: createRng(1),
      clock: () => 1234,
      sink: (e) => {
        events.push(e);
        if (events.filter((x) => x.type === 'ws.open').length === 3) opened();
      },
    });
    expect(fleet.ids).toEqual(['site-a.1', 'site-a.2', 'site-a.3']);
    expect(asked).toEqual([['site-a.1', 0], ['site-a.2', 1], ['site-a.3', 2]]);
    await fleet.start();
    await allOpen;
    expect(fleet.counts()).toEqual({ connected: 3, polling: 0, down: 0 });
    expect(new Set(events.map((e) => e.agent))).toEqual(new Set(fleet.ids));
    expect(events.every((e) => e.t === 1234)).toBe(true);
    expect(hub.hub.connections.size).toBe(3);
  });

  test('reconnect jitter is per agent and replays: same seed, same delays; another seed, other delays', async () => {
    await using hub = await startHub({ defects: ['duplicate-ws-handler'] });
    const first = await reconnectDelays(hub.url, 'seed-1', 3, 3);
    const again = await reconnectDelays(hub.url, 'seed-1', 3, 3);
    const other = await reconnectDelays(hub.url, 'seed-2', 3, 3);
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    // No two agents share a schedule (the reconnecting-websocket pitfall: one delay for everyone).
    const schedules = [...first.values()].map((d) => d.map((s) => s.delayMs).join(','));
    expect(new Set(schedules).size).toBe(3);
    // Each agent draws from the run's stream's child named by its id, whenever that child is made.
    const backoff = { ...DEFAULT_BACKOFF, minMs: 10, maxMs: 60 };
    for (const [id, scheduled] of first) {
      const own = createRng('seed-1').child(id);
      expect(scheduled.map((s) => s.delayMs)).toEqual(scheduled.map((s) => backoffDelayMs(backoff, s.attempt, own)));
    }
  });
});
