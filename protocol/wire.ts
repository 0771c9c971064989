/**
 * The seam between an edge agent's policy and a hub's wire, and between the
 * harness and the hub's own API.
 *
 * The agent (agent/agent.ts) keeps what every edge agent does whatever it
 * talks to: reconnect backoff, the liveness deadline, apply-once, poll
 * scheduling and the observations the checks read. A protocol owns how that
 * is said on one hub's wire: the URL, headers and subprotocols of the
 * upgrade, what each frame from the hub means, the frames the agent sends,
 * and the polling fallback's requests. The harness gets the same for issuing
 * commands and for the names of the hub's metrics.
 *
 * A Protocol is built once per fleet (one per shard process) and shared by
 * every agent, so it holds no per-agent state: what a frame means is a pure
 * function of the frame and the agent's id. Protocols are found by name in
 * protocol/registry.ts (so a shard process gets the same one as its parent)
 * or loaded from a profile file the user wrote (protocol/define.ts).
 */

/**
 * The field of a command's payload where the harness puts its own token for
 * the command (`cmd-N`, unique in a run), so a delivery is matched to what was
 * issued even when the hub gives commands ids of its own.
 */
export const COMMAND_TOKEN_FIELD = 'edgeChaosToken';

/** The harness's token in a command's payload, when it carries one. */
export function commandToken(payload: unknown): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const token = (payload as Record<string, unknown>)[COMMAND_TOKEN_FIELD];
  return typeof token === 'string' ? token : undefined;
}

/** A command as the agent applies it. */
export interface WireCommand {
  /** The id as text: what apply-once and the history key on. */
  id: string;
  name: string;
  payload: unknown;
  /** The id as the hub sent it, when that was a number: acks say it back the same way. */
  hubId?: number;
}

/** An id a hub may give a command (or an issuing call may answer): a non-empty string, or a number. */
export function isWireId(value: unknown): value is string | number {
  return (typeof value === 'string' && value !== '') || typeof value === 'number';
}

/** A command from the values a protocol read: the id as text (a number kept as hubId), a missing name as ''. */
export function wireCommand(id: string | number, name: unknown, payload: unknown): WireCommand {
  const command: WireCommand = { id: String(id), name: typeof name === 'string' ? name : name === undefined ? '' : String(name), payload };
  if (typeof id === 'number') command.hubId = id;
  return command;
}

/** A command as templates see it (an ack's `{command.id}`, a batch's `{ids}`): its id as the hub sent it. */
export function asHubSentIt(command: WireCommand): { id: string | number; name: string; payload: unknown } {
  return { id: command.hubId ?? command.id, name: command.name, payload: command.payload };
}

/** What one text frame from the hub means to the agent. */
export type HubFrame =
  /** A command: apply it once per id; send `ack` (when there is one) after every delivery, repeats included. */
  | { kind: 'command'; command: WireCommand; ack?: string }
  /** An app-level heartbeat: liveness, as a WebSocket ping is; `reply` is sent at once when there is one. */
  | { kind: 'heartbeat'; reply?: string }
  /** A frame the protocol knows that carries nothing for the agent (a welcome, a status); `reply` frames are sent at once. */
  | { kind: 'control'; reply?: readonly string[] }
  /**
   * The hub ends the session inside the socket (a Socket.IO disconnect): the agent closes the socket with
   * this code and reason. `refused`: the hub refused the session it was offered (a Socket.IO connect_error):
   * when it refuses every one, the agents do not say what it expects (wire-fit).
   */
  | { kind: 'disconnect'; code: number; reason: string; refused?: boolean }
  /** No rule of the protocol recognised the frame, or a rule matched but a field it names is missing: `why` says which. */
  | { kind: 'unrecognised'; why: string };

/** An HTTP request the agent or the harness makes, resolved against the hub URL. */
export interface WireRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, resolved against the hub (or proxy) URL: `/edge/commands?edge_agent_id=a-1`. */
  path: string;
  headers?: Readonly<Record<string, string>>;
  /** Sent as JSON (`content-type: application/json`) when present. */
  body?: unknown;
}

/** Sends a request to the hub (or proxy) at `hubUrl`: its path resolved against it, its body as JSON. */
export function sendWireRequest(hubUrl: string, request: WireRequest, signal: AbortSignal): Promise<Response> {
  return fetch(new URL(request.path, hubUrl), {
    method: request.method,
    headers: request.headers,
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal,
  });
}

/** One poll's answer, read. */
export type PollAnswer = { ok: true; commands: WireCommand[]; more: boolean } | { ok: false; why: string };

/** The polling fallback: how the agent asks for commands while its WebSocket is down, and how it acks them. */
export interface PollWire {
  request(agentId: string): WireRequest;
  /** Reads a 2xx answer's JSON body. Entries without an id are left out. */
  read(body: unknown): PollAnswer;
  /** The calls that ack these commands (one per batch, or one per command), each with the ids it acks; empty when the hub takes no poll acks. */
  acks(agentId: string, commands: readonly WireCommand[]): { ids: string[]; request: WireRequest }[];
}

/** The agent's side of the wire. */
export interface AgentWire {
  /** The WebSocket URL for an agent: `ws(s)://` + the hub URL's host + the protocol's path and query. */
  socketUrl(hubUrl: string, agentId: string): string;
  /** Headers of the upgrade (and of every poll), secrets included: never printed. */
  readonly headers: Readonly<Record<string, string>>;
  /** WebSocket subprotocols to offer; empty for none. */
  readonly subprotocols: readonly string[];
  /** Frames sent as soon as the socket opens (a hello), re-sent on every reconnect. */
  opening(agentId: string): readonly string[];
  /** What a text frame from the hub means. */
  read(text: string, agentId: string): HubFrame;
  /** Heartbeats the agent sends itself, every `everyMs`, while the socket is open; absent when the hub sends them. */
  readonly heartbeat?: { everyMs: number; frame(agentId: string, seq: number): string };
  /** The polling fallback; absent when the hub has none (the agent then only waits to reconnect). */
  readonly polling?: PollWire;
}

/** How the harness reads an issuing call's answer. */
export type IssueAnswer = { ok: true; id: string } | { ok: false; why: string };

/** The harness's side of the hub's API. */
export interface HubApi {
  /** How to issue a command to an agent; absent when the protocol carries no commands (connection-only). */
  issue?: {
    request(agentId: string, name: string, payload: unknown): WireRequest;
    /** The hub's id for the command, from a 2xx answer's JSON body. */
    read(body: unknown): IssueAnswer;
  };
  /** The close the hub sends a connection a newer one replaced (the incident's loop), when the protocol has one. */
  readonly replaceClose?: { code: number; reason: string };
  /** Path of the hub's health endpoint (GET, 2xx when healthy); absent: the harness probes the upgrade path's TCP port only. */
  readonly healthPath?: string;
  /** Path of the hub's Prometheus metrics; absent when it has none. */
  readonly metricsPath?: string;
  /** Names of the hub's metrics the checks read; a check whose metric is not mapped skips, saying so. */
  readonly metricNames: HubMetricNames;
}

/** The hub metrics edge-chaos's checks read, by what they mean. */
export interface HubMetricNames {
  /** Counter: connections the hub closed because a newer one of the same agent replaced them. */
  replaced?: string;
  /** Counter with `code` and `reason` labels: connections the hub closed. */
  disconnects?: string;
  /** Histogram: message handlers registered per connection (the incident's double registration shows as > 1). */
  handlersPerConnection?: string;
  /** Gauge: commands the hub holds that were not acked yet. */
  pending?: string;
}

/** One hub's wire, both sides, under a name. */
export interface Protocol {
  /** Its name in reports and replay lines: a registered name (`v1`, `ws`, `socket.io`) or the profile's own. */
  readonly name: string;
  /** How the run gets it again in another process: a registered name, or the absolute path of the profile file. */
  readonly source: string;
  /** Environment variables its templates read (`{env.NAME}`): another process, or a replay, needs them set. */
  readonly envNames?: readonly string[];
  readonly agent: AgentWire;
  readonly hub: HubApi;
  /** Interval of the hub's heartbeats (WebSocket pings or app frames), ms, when the protocol fixes it; the run's --ping-interval otherwise. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Who sends the heartbeats: the hub as WebSocket pings, the hub as app frames, or the agents
   * (answered by the hub). All three are liveness; only the agents' interval is the agents' own.
   */
  readonly heartbeatBy: 'pings' | 'hub' | 'agent';
}
