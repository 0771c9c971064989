import { expect, test } from 'vitest';
import { parsePrometheusText } from '../../common/prom-text.ts';
import { History } from '../history/history.ts';
import { RunMetrics } from './run-metrics.ts';

test('the run metrics follow the history: connects, reconnects, disconnects (not the stop), commands, faults, phase and shards', async () => {
  const history = new History();
  let counts: { connected: number; polling: number; down: number } | undefined;
  const metrics = new RunMetrics({ history, agents: 2, counts: () => counts, shards: () => 2, clock: () => 1_500 });
  const before = parsePrometheusText(await metrics.text());
  expect(before.sum('edge_chaos_agents', { state: 'down' })).toBe(2);
  expect(before.sum('edge_chaos_run_phase', { phase: 'start' })).toBe(1);

  const close = (t: number, agent: string, conn: number, by: 'remote' | 'stop') => history.append({ t, agent, type: 'ws.close', conn, code: 1006, reason: '', openMs: 1, by });
  history.append({ t: 0, type: 'run.phase', phase: 'steady' });
  history.append({ t: 1, agent: 'agent-1', type: 'ws.open', conn: 1 });
  history.append({ t: 2, agent: 'agent-2', type: 'ws.open', conn: 1 });
  close(3, 'agent-1', 1, 'remote');
  history.append({ t: 4, agent: 'agent-1', type: 'ws.failed', attempt: 1, error: 'ECONNREFUSED' });
  history.append({ t: 5, agent: 'agent-1', type: 'ws.open', conn: 2 });
  history.append({ t: 6, type: 'fault.applied', fault: 'cut', kind: 'partition', target: 'g', detail: {} });
  history.append({ t: 7, type: 'command.issued', agent: 'agent-2', id: 'c1', name: 'x' });
  history.append({ t: 8, agent: 'agent-2', type: 'command', id: 'c1', name: 'x', transport: 'ws', repeat: false });
  history.append({ t: 9, agent: 'agent-2', type: 'command', id: 'c1', name: 'x', transport: 'ws', repeat: true });
  history.append({ t: 10, type: 'fleet.shard.lost', shard: 2, agents: '2..2', why: 'silent' });
  counts = { connected: 1, polling: 1, down: 0 };
  const during = parsePrometheusText(await metrics.text());
  expect(during.sum('edge_chaos_faults_active')).toBe(1);
  expect(during.sum('edge_chaos_agents', { state: 'polling' })).toBe(1);
  expect(during.sum('edge_chaos_fleet_shards_alive')).toBe(1);
  expect(during.sum('edge_chaos_run_phase', { phase: 'steady' })).toBe(1);
  expect(during.sum('edge_chaos_run_phase', { phase: 'start' })).toBeUndefined();

  history.append({ t: 11, type: 'fault.removed', fault: 'cut', kind: 'partition', target: 'g' });
  close(12, 'agent-1', 2, 'stop');
  close(12, 'agent-2', 1, 'stop');
  const end = parsePrometheusText(await metrics.text());
  expect([
    end.sum('edge_chaos_connects_total'),
    end.sum('edge_chaos_reconnects_total'),
    end.sum('edge_chaos_disconnects_total'),
    end.sum('edge_chaos_connect_failures_total'),
    end.sum('edge_chaos_commands_issued_total'),
    end.sum('edge_chaos_commands_applied_total'),
    end.sum('edge_chaos_faults_active'),
    end.sum('edge_chaos_history_events_total'),
    end.sum('edge_chaos_run_elapsed_seconds'),
  ]).toEqual([3, 1, 1, 1, 1, 1, 0, 14, 1.5]);
  metrics.close();
  history.append({ t: 13, agent: 'agent-1', type: 'ws.open', conn: 3 });
  expect(parsePrometheusText(await metrics.text()).sum('edge_chaos_connects_total')).toBe(3);
});
