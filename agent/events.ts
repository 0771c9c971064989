/**
 * What one agent observes, as plain data. The fleet stamps each event with
 * the run clock; the harness keeps them in its history. The agent knows
 * nothing of the harness beyond this shape.
 */
export type Transport = 'ws' | 'poll';

export type AgentObservation =
  | { type: 'ws.connecting'; attempt: number }
  | { type: 'ws.open'; conn: number }
  | {
      type: 'ws.close';
      conn: number;
      code: number;
      reason: string;
      /** How long this connection was open, ms. */
      openMs: number;
      /** Who ended it: the hub (or network), the agent's own liveness check, or the agent stopping. */
      by: 'remote' | 'dead' | 'stop';
      /** Pings heard on this connection (agent/ping-gaps.ts). Absent in histories from agents that did not count them. */
      pings?: number;
      /** The hub refused the session inside the socket (a Socket.IO connect_error): it never began. */
      refused?: boolean;
      /** The longest stretch without a ping, open -> first ping and last ping -> close included, ms. */
      maxPingGapMs?: number;
      /** Where that stretch began, ms after the open. */
      maxPingGapAtMs?: number;
    }
  | { type: 'ws.failed'; attempt: number; error: string; status?: number }
  | { type: 'ws.dead'; conn: number; silentMs: number }
  | { type: 'reconnect.scheduled'; attempt: number; delayMs: number }
  | { type: 'poll.started' }
  | { type: 'poll.paused' }
  | { type: 'poll'; ok: boolean; commands: number; status?: number; error?: string }
  | {
      type: 'command';
      id: string;
      name: string;
      transport: Transport;
      /** Already applied: acked again, not applied. */
      repeat: boolean;
      /** The WebSocket connection (its `ws.open` conn) that delivered it; absent for a poll. */
      conn?: number;
      /** The harness's token from the payload (protocol/wire.ts COMMAND_TOKEN_FIELD), when the hub carried it. */
      token?: string;
    }
  /**
   * The agent acked these ids. Over the WebSocket: one ack frame per id, sent on
   * connection `conn` (frames acked in one turn of the event loop are one
   * event). Over HTTP: one POST /edge/acks that the hub answered 2xx with
   * `status`; a POST that failed is `ack.failed`.
   */
  | { type: 'command.acked'; ids: string[]; transport: 'ws'; conn: number }
  | { type: 'command.acked'; ids: string[]; transport: 'poll'; status: number }
  | { type: 'ack.failed'; ids: string[]; transport: Transport; error: string }
  /**
   * The agent's protocol could not read what the hub sent: a frame no rule
   * recognised, or a poll answer without its list (`why` quotes it). Once per
   * connection, or once per polling session: the profile does not fit the hub.
   */
  | { type: 'wire.unrecognised'; transport: Transport; why: string; conn?: number };

export type AgentEvent = AgentObservation & { t: number; agent: string };

export type AgentEventSink = (event: AgentEvent) => void;
