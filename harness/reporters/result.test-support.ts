/** A hand-written run result for reporter tests: every check status, and text that needs escaping. */
import type { CheckResult } from '../checks/types.ts';
import type { HistoryEvent } from '../history/events.ts';
import type { RunResult } from '../runner/result.ts';

export const NASTY = `<script>alert("x & y")</script> it's`;

export const CHECKS: CheckResult[] = [
  { id: 'reconnects', title: 'At most 2 reconnect(s) per agent', status: 'passed', summary: '0 reconnect(s) in all', evidence: { total: 0 } },
  {
    id: 'connection-loop',
    title: 'No connection loops (3+ connections in a row each shorter than 5.0 s)',
    status: 'failed',
    summary: `connection loop: 1/2 agents kept reconnecting, closed with 1000 "New connection established" & ${NASTY}`,
    evidence: { looping: [{ agent: 'agent-2', cycles: 4, closes: [{ code: 1000, reason: NASTY, count: 4 }] }] },
  },
  { id: 'hub-connections-replaced', title: 'Hub replaced at most 0 connection(s) <metrics>', status: 'skipped', summary: `skipped: ${NASTY}`, reason: NASTY },
];

export const EVENTS: HistoryEvent[] = [
  { t: 0, type: 'run.phase', phase: 'ramp' },
  { t: 1, agent: 'agent-1', type: 'ws.connecting', attempt: 0 },
  { t: 5, agent: 'agent-1', type: 'ws.open', conn: 1 },
  { t: 6, agent: 'agent-2', type: 'ws.open', conn: 1 },
  { t: 7, agent: 'agent-2', type: 'ws.close', conn: 1, code: 1000, reason: 'New connection established', openMs: 1, by: 'remote' },
  { t: 8, type: 'run.phase', phase: 'steady' },
];

export function sampleResult(overrides: Partial<RunResult> = {}): RunResult {
  return {
    schemaVersion: 1,
    scenario: { name: 'loop', description: 'the incident' },
    params: { agents: 2, durationMs: 5_000, seed: '7', agentIdPrefix: 'agent-', pingIntervalMs: 2_000, hubDefects: ['duplicate-ws-handler'], agentDefects: [], loop: { minCycles: 3, maxConnectionMs: 5_000 } },
    hub: { kind: 'in-process', url: 'http://127.0.0.1:40000', metrics: true, admin: true },
    groups: [],
    startedAt: '2025-11-18T10:00:00.000Z',
    elapsedMs: 5_123,
    verdict: 'failed',
    checks: CHECKS,
    stats: { agents: 2, connects: 2, disconnects: 1, connectFailures: 0, commandsIssued: 0, commandsApplied: 0, events: EVENTS.length },
    replay: 'npm run scenario loop -- --agents 2 --duration 5s --seed 7 --defect duplicate-ws-handler',
    agentIds: ['agent-1', 'agent-2'],
    events: EVENTS,
    hubMetricsText: 'edge_hub_connections_open 1\n',
    ...overrides,
  };
}
