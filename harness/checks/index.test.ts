import { describe, expect, test } from 'vitest';
import { CHECKERS, CHECK_NAMES, anyCheckHas, evaluateChecks, type ChecksConfig } from './index.ts';
import { HistoryBuilder } from './history.test-support.ts';

describe('evaluateChecks', () => {
  test('runs the configured checks and the always-on validity checks, in the registry order whatever the config order, each with its kind', () => {
    const input = new HistoryBuilder().connections('agent-1', 3).input(['agent-1']);
    const results = evaluateChecks(input, {
      hubReplaced: {},
      connectionDurations: {},
      reconnects: { maxPerAgent: 5 },
      connectionLoop: {},
    });
    expect(results.map((r) => [r.id, r.kind, r.status])).toEqual([
      ['connection-loop', 'hub', 'failed'],
      ['reconnects', 'hub', 'passed'],
      ['connection-durations', 'hub', 'passed'],
      ['hub-connections-replaced', 'hub', 'skipped'],
      ['event-loop-lag', 'validity', 'skipped'],
      ['faults-applied', 'validity', 'passed'],
      ['shards-alive', 'validity', 'passed'],
      ['wire-fit', 'validity', 'passed'],
      ['machine-headroom', 'validity', 'skipped'],
      ['history-complete', 'validity', 'passed'],
    ]);
    expect(evaluateChecks(input, {}).map((r) => r.id)).toEqual(['event-loop-lag', 'faults-applied', 'shards-alive', 'wire-fit', 'machine-headroom', 'history-complete']);
  });

  test('history-complete fails (a validity failure) when a check that ran reads a kind the history dropped', () => {
    const input = { ...new HistoryBuilder().connections('agent-1', 1).input(['agent-1']), eventsDropped: { 'ws.connecting': 12, poll: 3 } };
    const results = evaluateChecks(input, { reconnectStorm: { minBackoffMs: 100 } });
    const history = results.find((r) => r.id === 'history-complete')!;
    expect(history).toMatchObject({ kind: 'validity', status: 'failed' });
    expect(history.summary).toContain('reconnect-storm reads ws.connecting');
    expect(evaluateChecks(input, { reconnects: { maxPerAgent: 1 } }).find((r) => r.id === 'history-complete')!.status).toBe('passed');
  });

  test('every registry entry is one name; the names are the record keys', () => {
    expect(CHECK_NAMES).toEqual(Object.keys(CHECKERS));
  });

  test('each entry names its check with the id reports, matrices and matchers have always read, and that id is on its result', () => {
    // The ids the check functions returned themselves before their entries named them: a report's output may not change.
    const before: Record<string, string> = {
      hubHealth: 'hub-health',
      connectionLoop: 'connection-loop',
      reconnects: 'reconnects',
      connectionDurations: 'connection-durations',
      connectTime: 'connect-time',
      commandDelivery: 'command-delivery',
      recovery: 'recovery',
      deadDetection: 'dead-detection',
      liveness: 'liveness',
      reconnectStorm: 'reconnect-storm',
      reconnectSpread: 'reconnect-spread',
      pollingFallback: 'polling-fallback',
      hubReplaced: 'hub-connections-replaced',
      hubHandlersPerConnection: 'hub-handlers-per-connection',
      resourceGrowth: 'resource-growth',
      faultEffect: 'fault-effect',
      eventLoopLag: 'event-loop-lag',
      faultsApplied: 'faults-applied',
      shardsAlive: 'shards-alive',
      wireFit: 'wire-fit',
    };
    expect(Object.fromEntries(CHECK_NAMES.map((name) => [name, CHECKERS[name].id]))).toEqual(before);
    const all = Object.fromEntries(CHECK_NAMES.map((name) => [name, {}])) as ChecksConfig;
    const results = evaluateChecks(new HistoryBuilder().connections('agent-1', 3).input(['agent-1']), all);
    expect(results.map((r) => r.id)).toEqual([...Object.values(before), 'machine-headroom', 'history-complete']);
    // id first, kind last, as the checks' own results had them: summary.json keeps its key order.
    for (const r of results) expect([Object.keys(r)[0], Object.keys(r).at(-1)]).toEqual(['id', 'kind']);
  });

  test('the settle phase waits for the whole fleet only for checks that judge its end state', () => {
    expect(CHECK_NAMES.filter((name) => anyCheckHas({ [name]: {} }, 'waitsForWholeFleet'))).toEqual(['hubHealth', 'recovery']);
    expect(anyCheckHas({}, 'waitsForWholeFleet')).toBe(false);
    expect(anyCheckHas({ connectionLoop: {}, recovery: { withinMs: 1_000 } }, 'waitsForWholeFleet')).toBe(true);
  });
});

describe('run-validity checks', () => {
  test('faults-applied fails when a fault could not be applied, naming when and why', () => {
    const history = new HistoryBuilder().fault('cut', 'partition', 1_000, 2_000);
    const ok = evaluateChecks(history.input(['agent-1']), {}).find((r) => r.id === 'faults-applied')!;
    expect(ok).toMatchObject({ status: 'passed', summary: '1 fault application(s), none failed' });
    const input = history.input(['agent-1']);
    const broken = { ...input, events: [...input.events, { t: 3_000, type: 'fault.error' as const, error: 'proxy not found' }] };
    const failed = evaluateChecks(broken, {}).find((r) => r.id === 'faults-applied')!;
    expect(failed.status).toBe('failed');
    expect(failed.summary).toBe('1 fault change(s) could not be applied (first at 3.0 s: proxy not found)');
  });

  test('shards-alive fails when a shard process died during the run', () => {
    const input = new HistoryBuilder().connections('agent-1', 1).input(['agent-1']);
    const died = { ...input, events: [...input.events, { t: 4_200, type: 'fleet.shard.exit' as const, shard: 2, agents: '5001..10000', how: 'SIGKILL' }] };
    const result = evaluateChecks(died, {}).find((r) => r.id === 'shards-alive')!;
    expect(result).toMatchObject({ kind: 'validity', status: 'failed' });
    expect(result.summary).toBe('fleet shard 2 (agents 5001..10000) died at 4.2 s (SIGKILL)');
  });

  test('shards-alive fails when a shard was lost while its process lived (silent, clock, restarted), naming why', () => {
    const input = new HistoryBuilder().connections('agent-1', 1).input(['agent-1']);
    const lost = { ...input, events: [...input.events, { t: 12_000, type: 'fleet.shard.lost' as const, shard: 1, agents: '1..250', why: 'stopped streaming for 10 s' }] };
    const result = evaluateChecks(lost, {}).find((r) => r.id === 'shards-alive')!;
    expect(result).toMatchObject({ kind: 'validity', status: 'failed' });
    expect(result.summary).toBe('fleet shard 1 (agents 1..250) was lost at 12.0 s: stopped streaming for 10 s');
  });

  test('history-complete fails on any connection or command a shard lost, and on a lost kind a check reads; passes a lost kind nothing reads', () => {
    const input = new HistoryBuilder().connections('agent-1', 1).input(['agent-1']);
    const lostOpens = evaluateChecks({ ...input, eventsLost: { 'ws.open': 1, poll: 40 } }, {}).find((r) => r.id === 'history-complete')!;
    expect(lostOpens.status).toBe('failed');
    expect(lostOpens.summary).toMatch(/^41 event\(s\) never reached the history, 1 ws.open among them/);
    const needed = evaluateChecks({ ...input, eventsLost: { 'ws.connecting': 3 } }, { reconnectStorm: { minBackoffMs: 100 } }).find((r) => r.id === 'history-complete')!;
    expect(needed.status).toBe('failed');
    expect(needed.summary).toContain('lost by a fleet shard that checks need (reconnect-storm reads ws.connecting)');
    const lostPolls = { ...input, eventsLost: { poll: 40 } };
    const unread = evaluateChecks(lostPolls, { reconnects: { maxPerAgent: 1 } }).find((r) => r.id === 'history-complete')!;
    expect(unread).toMatchObject({ status: 'passed', summary: '40 event(s) dropped past the cap or lost by a shard, none that a check reads' });
  });
});
