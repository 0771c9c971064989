import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../history/events.ts';
import { checkConnectTime } from './connect-time.ts';
import { checkConnectionLoop } from './connection-loop.ts';
import { checkDeadDetection } from './dead-detection.ts';
import { checkEventLoopLag } from './event-loop-lag.ts';
import { checkFaultEffect } from './fault-effect.ts';
import { checkPollingFallback } from './polling-fallback.ts';
import { checkReconnectStorm } from './reconnect-storm.ts';
import { checkRecovery } from './recovery.ts';
import type { CheckInput } from './types.ts';

/** Checks over faults and redeploys, on small hand-written histories. */
const open = (agent: string, t: number, conn = 1): HistoryEvent => ({ t, agent, type: 'ws.open', conn });
const close = (agent: string, t: number, openMs: number, code = 1006, by: 'remote' | 'dead' | 'stop' = 'remote'): HistoryEvent => ({ t, agent, type: 'ws.close', conn: 1, code, reason: '', openMs, by });
const applied = (fault: string, kind: string, target: string, t: number): HistoryEvent => ({ t, type: 'fault.applied', fault, kind, target, detail: {} });
const removed = (fault: string, kind: string, target: string, t: number): HistoryEvent => ({ t, type: 'fault.removed', fault, kind, target });
const redeploy = (name: string, phase: 'begin' | 'end', t: number): HistoryEvent => ({ t, type: 'hub.redeploy', name, kind: 'graceful', phase });
const connecting = (agent: string, t: number, attempt: number): HistoryEvent => ({ t, agent, type: 'ws.connecting', attempt });

function input(events: HistoryEvent[], agents: string[], extra: Partial<CheckInput> = {}): CheckInput {
  const sorted = [...events].sort((a, b) => a.t - b.t);
  return { events: sorted, agents, endMs: sorted.at(-1)?.t ?? 0, ...extra };
}

describe('recovery', () => {
  const agents = ['a1', 'a2'];
  test('measures each agent from the drop a redeploy caused, even when the drop is recorded after the new hub is up', () => {
    // The hub restarts in 10 ms; its old sockets finish closing after that.
    const events = [open('a1', 0), open('a2', 0), redeploy('r', 'begin', 1_000), redeploy('r', 'end', 1_010), close('a1', 1_020, 1_020), close('a2', 1_030, 1_030), open('a1', 2_500), open('a2', 4_000)];
    const passed = checkRecovery(input(events, agents), { withinMs: 5_000 });
    expect(passed.status).toBe('passed');
    const failed = checkRecovery(input(events, agents), { withinMs: 2_000 });
    expect(failed.status).toBe('failed');
    expect(failed.summary).toContain('100% back only after 3.0 s');
  });

  test('knows the whole fleet without proxy groups, and names agents that never came back', () => {
    const events = [open('a1', 0), open('a2', 0), redeploy('r', 'begin', 1_000), close('a1', 1_001, 1_001), close('a2', 1_001, 1_001), redeploy('r', 'end', 1_100), open('a1', 2_000)];
    const result = checkRecovery(input(events, agents, { endMs: 20_000 }), { withinMs: 5_000 });
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('only 1/2 came back');
    expect(result.summary).toContain('a2');
  });

  test('a tighter bound for a smaller share is judged too', () => {
    const events = [
      ...['a1', 'a2', 'a3', 'a4'].map((a) => open(a, 0)),
      applied('cut', 'partition', 'all', 1_000),
      ...['a1', 'a2', 'a3', 'a4'].map((a) => close(a, 1_001, 1_001)),
      removed('cut', 'partition', 'all', 5_000),
      open('a1', 5_500), open('a2', 5_600), open('a3', 5_700), open('a4', 9_000),
    ];
    const four = ['a1', 'a2', 'a3', 'a4'];
    expect(checkRecovery(input(events, four), { withinMs: 5_000, earlier: { percent: 75, withinMs: 1_000 } }).status).toBe('passed');
    expect(checkRecovery(input(events, four), { withinMs: 5_000, earlier: { percent: 75, withinMs: 500 } }).status).toBe('failed');
  });

  test('is skipped when nothing healed', () => {
    expect(checkRecovery(input([open('a1', 0)], ['a1']), { withinMs: 1_000 }).status).toBe('skipped');
  });
});

describe('connection loop during faults', () => {
  const groups = [{ name: 'cut', agents: ['a1'] }];
  const flapping = [applied('flap', 'flap', 'cut', 0), ...[0, 1, 2, 3].flatMap((i) => [open('a1', i * 3_000 + 100), close('a1', i * 3_000 + 2_100, 2_000)]), removed('flap', 'flap', 'cut', 12_500)];

  test('short connections ended by a network fault on the agent are explained by the fault (no close frame from the hub)', () => {
    const result = checkConnectionLoop(input(flapping, ['a1'], { groups }), {});
    expect(result.status).toBe('passed');
    expect(result.summary).toContain('explained by faults or redeploys');
  });

  test('the same connections without a fault on that agent are a loop', () => {
    const otherGroup = [{ name: 'cut', agents: ['a2'] }, { name: 'rest', agents: ['a1'] }];
    expect(checkConnectionLoop(input(flapping, ['a1', 'a2'], { groups: otherGroup }), {}).status).toBe('failed');
  });

  test('connections that die right after opening are a loop even during a fault', () => {
    const events = [applied('flap', 'flap', 'cut', 0), ...[0, 1, 2].flatMap((i) => [open('a1', i * 1_000), close('a1', i * 1_000 + 5, 5, 1000)]), removed('flap', 'flap', 'cut', 5_000)];
    expect(checkConnectionLoop(input(events, ['a1'], { groups }), {}).status).toBe('failed');
  });
});

describe('dead-link detection', () => {
  const groups = [{ name: 'silent', agents: ['a1', 'a2'] }];
  test('passes when every connected agent gave up on the silent link in time, fails naming the one that did not', () => {
    const events = [open('a1', 0), open('a2', 0), applied('bh', 'blackhole', 'silent', 1_000), { t: 5_000, agent: 'a1', type: 'ws.dead', conn: 1, silentMs: 5_000 } as HistoryEvent, close('a1', 5_001, 5_001, 1006, 'dead'), removed('bh', 'blackhole', 'silent', 20_000)];
    const failed = checkDeadDetection(input(events, ['a1', 'a2'], { groups }), { withinMs: 6_000 });
    expect(failed.status).toBe('failed');
    expect(failed.summary).toContain('a2');
    const both = [...events, { t: 6_500, agent: 'a2', type: 'ws.dead', conn: 1, silentMs: 5_500 } as HistoryEvent];
    expect(checkDeadDetection(input(both, ['a1', 'a2'], { groups }), { withinMs: 6_000 }).status).toBe('passed');
  });
});

describe('fault effect', () => {
  test('a disruptive fault that changed nothing the agents saw fails: a green run must prove something', () => {
    const groups = [{ name: 'cut', agents: ['a1'] }];
    const idle = [open('a1', 0), applied('cut', 'partition', 'cut', 1_000), removed('cut', 'partition', 'cut', 5_000)];
    expect(checkFaultEffect(input(idle, ['a1'], { groups }), {}).status).toBe('failed');
    const hit = [...idle, close('a1', 1_001, 1_001)];
    expect(checkFaultEffect(input(hit, ['a1'], { groups }), {}).status).toBe('passed');
  });
});

describe('polling fallback', () => {
  test('an agent that reconnected after a redeploy without ever polling fails the check', () => {
    const events = [open('a1', 0), redeploy('r', 'begin', 1_000), close('a1', 1_001, 1_001), redeploy('r', 'end', 1_100), open('a1', 3_000)];
    expect(checkPollingFallback(input(events, ['a1']), {}).status).toBe('failed');
    const polled = [...events, { t: 1_500, agent: 'a1', type: 'poll', ok: true, commands: 0 } as HistoryEvent];
    expect(checkPollingFallback(input(polled, ['a1']), {}).status).toBe('passed');
  });
});

// Thundering herds (reconnect-spread) have their own file: reconnect-spread.test.ts.
describe('reconnect storms', () => {
  test('an agent retrying faster than its backoff allows is a storm', () => {
    const retries = Array.from({ length: 30 }, (_, i) => connecting('a1', i * 100, i + 1));
    const result = checkReconnectStorm(input(retries, ['a1']), { minBackoffMs: 1_000 });
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('a1');
    const paced = Array.from({ length: 30 }, (_, i) => connecting('a1', i * 1_000, i + 1));
    expect(checkReconnectStorm(input(paced, ['a1']), { minBackoffMs: 1_000 }).status).toBe('passed');
  });
});

describe('connect time', () => {
  test('fails when the fleet came up too slowly, or not at all', () => {
    const events = [open('a1', 1_000), open('a2', 8_000)];
    expect(checkConnectTime(input(events, ['a1', 'a2']), { withinMs: 10_000 }).status).toBe('passed');
    expect(checkConnectTime(input(events, ['a1', 'a2']), { withinMs: 5_000 }).status).toBe('failed');
    expect(checkConnectTime(input(events, ['a1', 'a2', 'a3']), { withinMs: 10_000 }).summary).toContain('only 2 of 3');
  });
});

describe('event loop lag', () => {
  const sample = (t: number, loopLagMs: number): HistoryEvent => ({ t, type: 'resource.sample', component: 'harness', pid: 1, rssBytes: 1, loopLagMs }) as HistoryEvent;
  test('one interval over the bound fails and says when; no samples skips', () => {
    expect(checkEventLoopLag(input([sample(1_000, 20), sample(2_000, 30)], []), { maxMs: 100 }).status).toBe('passed');
    const result = checkEventLoopLag(input([sample(1_000, 20), sample(2_000, 240)], []), { maxMs: 100 });
    expect(result.status).toBe('failed');
    expect(result.summary).toContain('240 ms at 2.0 s');
    expect(checkEventLoopLag(input([], []), { maxMs: 100 }).status).toBe('skipped');
  });

  test('a long run tolerates a rare spike, not a pattern', () => {
    const long = Array.from({ length: 100 }, (_, i) => sample(i * 1_000, i === 50 ? 150 : 20));
    expect(checkEventLoopLag(input(long, []), { maxMs: 100 }).status).toBe('passed');
    const often = Array.from({ length: 100 }, (_, i) => sample(i * 1_000, i % 10 === 0 ? 150 : 20));
    expect(checkEventLoopLag(input(often, []), { maxMs: 100 }).status).toBe('failed');
  });
});

describe('recovery across overlapping disruptions', () => {
  test('an agent still partitioned when a redeploy ends is judged from the end of its partition', () => {
    const groups = [{ name: 'offline', agents: ['a2'] }, { name: 'rest', agents: ['a1'] }];
    const events = [
      open('a1', 0), open('a2', 0),
      applied('cut', 'partition', 'offline', 1_000), close('a2', 1_001, 1_001),
      redeploy('r', 'begin', 2_000), close('a1', 2_001, 2_001), redeploy('r', 'end', 2_100),
      open('a1', 3_000),
      removed('cut', 'partition', 'offline', 20_000), open('a2', 21_000),
    ];
    const result = checkRecovery(input(events, ['a1', 'a2'], { groups }), { withinMs: 5_000 });
    expect(result.status).toBe('passed');
    // Without the partition, a2 coming back 19 s after the redeploy would be a failure.
    const unpartitioned = events.filter((e) => e.type !== 'fault.applied' && e.type !== 'fault.removed');
    expect(checkRecovery(input(unpartitioned, ['a1', 'a2'], { groups }), { withinMs: 5_000 }).status).toBe('failed');
  });
});
