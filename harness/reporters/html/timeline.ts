import type { HistoryEvent } from '../../history/events.ts';

/** What an agent is doing at a moment: its WebSocket is open, it polls over HTTP, or neither. */
export const STATE = { ws: 0, poll: 1, down: 2 } as const;
export type LaneState = (typeof STATE)[keyof typeof STATE];

/** One agent's run as back-to-back segments, packed flat so 1,000 lanes stay a small JSON array. */
export interface Lane {
  /** [fromMs, toMs, state, closeIndex] repeated; closeIndex points into `closes`, -1 when the segment did not end with a close. */
  segs: number[];
  /** When a WebSocket connect attempt failed, ms. */
  fails: number[];
}

export interface StateChange {
  t: number;
  from: LaneState;
  to: LaneState;
}

export interface Lanes {
  lanes: Map<string, Lane>;
  /** Distinct close descriptions ("1000 "New connection established" by remote"), referenced by index. */
  closes: string[];
  /** Every state change of every agent, for the fleet-wide counts chart. */
  changes: StateChange[];
  /** Durations of connections that closed, ms. */
  closedMs: number[];
  /** Durations of connections still open when observation ended, ms. */
  openAtEndMs: number[];
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Replays each agent's observations into state segments covering 0..endMs.
 * Derived from the same history the checkers read, so the picture and the
 * verdict never disagree about what happened.
 */
export function buildLanes(events: readonly HistoryEvent[], agentIds: readonly string[], endMs: number): Lanes {
  const closes: string[] = [];
  const closeIndex = new Map<string, number>();
  const changes: StateChange[] = [];
  const closedMs: number[] = [];
  const openAtEndMs: number[] = [];
  const lanes = new Map<string, Lane>();
  const cursors = new Map<string, { ws: boolean; polling: boolean; since: number; openedAt: number; lane: Lane }>();
  for (const id of agentIds) {
    const lane: Lane = { segs: [], fails: [] };
    lanes.set(id, lane);
    cursors.set(id, { ws: false, polling: false, since: 0, openedAt: 0, lane });
  }
  const stateOf = (c: { ws: boolean; polling: boolean }): LaneState => (c.ws ? STATE.ws : c.polling ? STATE.poll : STATE.down);

  for (const e of events) {
    if (!('agent' in e) || e.type === 'command.issued' || e.type === 'command.issue.failed') continue;
    const c = cursors.get(e.agent);
    if (!c) continue;
    const before = stateOf(c);
    let close = -1;
    switch (e.type) {
      case 'ws.open':
        c.ws = true;
        c.openedAt = e.t;
        break;
      case 'ws.close': {
        c.ws = false;
        // An agent falls back to polling as its socket closes (poll.started follows at once). Setting it here
        // keeps lanes right when a capped history dropped the poll events; a stopped agent does not poll.
        c.polling = e.by !== 'stop';
        // A connection the harness ended at the stop did not end on its own: its duration is censored, like one still open.
        (e.by === 'stop' ? openAtEndMs : closedMs).push(e.openMs);
        const text = `${e.code}${e.reason ? ` "${e.reason}"` : ''} (${e.by === 'remote' ? 'by the hub or network' : e.by === 'dead' ? 'agent saw it dead' : 'agent stopped'})`;
        close = closeIndex.get(text) ?? -1;
        if (close < 0) {
          close = closes.push(text) - 1;
          closeIndex.set(text, close);
        }
        break;
      }
      case 'poll.started':
        c.polling = true;
        break;
      case 'poll.paused':
        c.polling = false;
        break;
      case 'ws.failed':
        c.lane.fails.push(round(e.t));
        break;
      default:
        break;
    }
    const after = stateOf(c);
    if (after !== before) {
      c.lane.segs.push(round(c.since), round(e.t), before, close);
      changes.push({ t: e.t, from: before, to: after });
      c.since = e.t;
    }
  }
  for (const c of cursors.values()) {
    if (c.ws) openAtEndMs.push(Math.max(0, endMs - c.openedAt));
    if (endMs > c.since || c.lane.segs.length === 0) c.lane.segs.push(round(c.since), round(Math.max(endMs, c.since)), stateOf(c), -1);
  }
  changes.sort((a, b) => a.t - b.t);
  return { lanes, closes, changes, closedMs, openAtEndMs };
}
