import type { AgentEvent } from '../../agent/events.ts';

/** What the harness itself did, on the same clock as the agents' observations. */
export type HarnessEvent =
  | { t: number; type: 'run.phase'; phase: 'ramp' | 'steady' | 'settle' | 'stop' }
  | { t: number; type: 'command.issued'; agent: string; id: string; name: string }
  | { t: number; type: 'command.issue.failed'; agent: string; error: string; status?: number }
  | { t: number; type: 'fault.applied'; fault: string; kind: string; target: string; detail: Record<string, unknown> }
  | { t: number; type: 'fault.removed'; fault: string; kind: string; target: string; atStop?: boolean }
  | { t: number; type: 'fault.error'; error: string }
  | { t: number; type: 'hub.redeploy'; name: string; kind: string; phase: 'begin' | 'end'; detail?: Record<string, unknown> }
  | { t: number; type: 'hub.redeploy.failed'; name: string; error: string };

export type { AgentEvent };

/** One timestamped history of everything observable in a run; `t` is ms since the run started. */
export type HistoryEvent = AgentEvent | HarnessEvent;

export type EventOf<T extends HistoryEvent['type']> = Extract<HistoryEvent, { type: T }>;
