import type { HistoryEvent } from '../history/events.ts';
import type { FaultWindow, GroupMap } from './fault-windows.ts';

/** One ack the hub certainly received, and when. */
export interface CertainAck {
  atMs: number;
  transport: 'ws' | 'poll';
  /** The WebSocket connection it was sent on. */
  conn?: number;
}

/**
 * Below this, a delivery after an ack may have crossed it on the wire (the
 * hub sent it before reading the ack): at least once allows that. Loopback
 * round trips are well under it; a redelivery a hub schedules after the ack
 * (the foreign fixture's is 50 ms) is over it.
 */
export const ACK_CROSSING_MS = 25;

/**
 * The acks the hub certainly received, by agent and command id (key
 * `agent\0id`), earliest first. An HTTP ack counts once the hub answered it
 * 2xx. A WebSocket ack counts when its connection stayed open `receivedAfterMs`
 * after it was sent: TCP delivered it and the hub had time to read it. Either
 * is uncertain when a fault or redeploy hit the agent within `receivedAfterMs`
 * of the ack (a latency toxic can hold it back longer; a restart can lose it).
 */
export function certainAcks(events: readonly HistoryEvent[], opts: { windows: readonly FaultWindow[]; groups: GroupMap; endMs: number; receivedAfterMs: number }): Map<string, CertainAck[]> {
  const closedAt = new Map<string, number>();
  for (const e of events) if (e.type === 'ws.close') closedAt.set(`${e.agent}\u0000${e.conn}`, e.t);
  const certain = new Map<string, CertainAck[]>();
  for (const e of events) {
    if (e.type !== 'command.acked') continue;
    const until = e.t + opts.receivedAfterMs;
    if (e.transport === 'ws' && (closedAt.get(`${e.agent}\u0000${e.conn}`) ?? opts.endMs) < until) continue;
    if (opts.windows.some((w) => w.fromMs <= until && w.toMs >= e.t && opts.groups.hits(w, e.agent))) continue;
    const ack: CertainAck = e.transport === 'ws' ? { atMs: e.t, transport: 'ws', conn: e.conn } : { atMs: e.t, transport: 'poll' };
    for (const id of e.ids) {
      const key = `${e.agent}\u0000${id}`;
      const list = certain.get(key);
      if (list) list.push(ack);
      else certain.set(key, [ack]);
    }
  }
  return certain;
}
