/**
 * Wire protocol v1: the contract between edge agents and any hub (ours or a
 * user's). Both `server/` and `agent/` import this module and nothing else
 * from each other, so the protocol has exactly one definition. The prose
 * version lives in docs/protocol.md; keep the two in step.
 */

export const PROTOCOL_VERSION = 1;

export const WS_PATH = '/ws';
export const POLL_PATH = '/edge/commands';
export const ACKS_PATH = '/edge/acks';
export const ADMIN_COMMANDS_PATH = '/admin/commands';
export const METRICS_PATH = '/metrics';
export const HEALTH_PATH = '/healthz';
export const AGENT_ID_PARAM = 'edge_agent_id';
/** Paging extension: `GET /edge/commands?limit=N` asks for at most N commands. A hub without it ignores the parameter. */
export const POLL_LIMIT_PARAM = 'limit';

/** Close code and reason a hub uses when a newer connection replaces an older one. */
export const CLOSE_REPLACED = { code: 1000, reason: 'New connection established' } as const;
/** Close code and reason a hub uses when it shuts down; agents also accept 1001 Going Away. */
export const CLOSE_SERVICE_RESTART = { code: 1012, reason: 'Service Restart' } as const;
/** Close code and reason a hub may use for a socket that sends frames faster than it allows (1008 Policy Violation). */
export const CLOSE_FRAME_RATE = { code: 1008, reason: 'frame rate limit exceeded' } as const;

/** The reference hub's metrics the harness's checks read, by what they mean (protocol/wire.ts HubMetricNames). */
export const METRIC_NAMES = {
  replaced: 'edge_hub_connections_replaced_total',
  disconnects: 'edge_hub_disconnects_total',
  handlersPerConnection: 'edge_hub_ws_handlers_per_connection',
  pending: 'edge_hub_commands_pending',
} as const;

/** Default interval between the hub's WebSocket pings. */
export const DEFAULT_PING_INTERVAL_MS = 10_000;
/** An agent that hears nothing for this many ping intervals treats the link as dead. */
export const DEAD_AFTER_PING_INTERVALS = 2.5;

/** Longest edge_agent_id a hub accepts, in characters. */
export const AGENT_ID_MAX_LENGTH = 128;
/** The characters an edge_agent_id may use, as the body of a regex character class. */
export const AGENT_ID_CHARS = 'A-Za-z0-9._:-';
/** The whole agent-id rule as a regex source, for JSON schemas (`pattern`) and `new RegExp`. */
export const AGENT_ID_PATTERN = `^[${AGENT_ID_CHARS}]{1,${AGENT_ID_MAX_LENGTH}}$`;
/** The rule in words, for error messages. */
export const AGENT_ID_RULE = `1 to ${AGENT_ID_MAX_LENGTH} characters of [${AGENT_ID_CHARS}]`;

const AGENT_ID_RE = new RegExp(AGENT_ID_PATTERN);

/** True for a string that follows the agent-id rule (AGENT_ID_PATTERN). */
export function isValidAgentId(value: unknown): value is string {
  return typeof value === 'string' && AGENT_ID_RE.test(value);
}

export interface Command {
  id: string;
  name: string;
  payload: unknown;
}

/** Hub to agent. */
export interface CommandMessage extends Command {
  type: 'command';
}

/** Agent to hub. */
export interface AckMessage {
  type: 'ack';
  id: string;
}

export type HubMessage = CommandMessage;
export type AgentMessage = AckMessage;

export interface PollResponse {
  commands: Command[];
  /**
   * Paging extension (optional): true when more commands are pending than
   * this answer holds. An agent acks this page and polls again at once; a
   * hub without the extension leaves it out, which means false.
   */
  more?: boolean;
}

export interface AcksRequest {
  edge_agent_id: string;
  ids: string[];
}

export interface AcksResponse {
  acked: number;
}

export interface EnqueueRequest {
  edge_agent_id: string;
  name: string;
  payload?: unknown;
}

export interface EnqueueResponse {
  id: string;
}

export function encodeCommand(command: Command): string {
  return JSON.stringify({ type: 'command', id: command.id, name: command.name, payload: command.payload });
}

export function encodeAck(id: string): string {
  return JSON.stringify({ type: 'ack', id });
}

export type Decoded<T> = { ok: true; message: T } | { ok: false; error: string };

function parseObject(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'frame is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'frame is not a JSON object';
  return value as Record<string, unknown>;
}

/** Checks a hub-to-agent frame once, where it enters the agent. */
export function decodeHubMessage(text: string): Decoded<HubMessage> {
  const obj = parseObject(text);
  if (typeof obj === 'string') return { ok: false, error: obj };
  if (obj.type !== 'command') return { ok: false, error: `unknown message type ${JSON.stringify(obj.type)}` };
  if (typeof obj.id !== 'string' || obj.id === '') return { ok: false, error: 'command.id must be a non-empty string' };
  if (typeof obj.name !== 'string') return { ok: false, error: 'command.name must be a string' };
  return { ok: true, message: { type: 'command', id: obj.id, name: obj.name, payload: obj.payload } };
}

/** Checks an agent-to-hub frame once, where it enters the hub. */
export function decodeAgentMessage(text: string): Decoded<AgentMessage> {
  const obj = parseObject(text);
  if (typeof obj === 'string') return { ok: false, error: obj };
  if (obj.type !== 'ack') return { ok: false, error: `unknown message type ${JSON.stringify(obj.type)}` };
  if (typeof obj.id !== 'string' || obj.id === '') return { ok: false, error: 'ack.id must be a non-empty string' };
  return { ok: true, message: { type: 'ack', id: obj.id } };
}

export function wsUrl(hubUrl: string, agentId: string): string {
  const url = new URL(WS_PATH, hubUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set(AGENT_ID_PARAM, agentId);
  return url.toString();
}

export function pollUrl(hubUrl: string, agentId: string): string {
  const url = new URL(POLL_PATH, hubUrl);
  url.searchParams.set(AGENT_ID_PARAM, agentId);
  return url.toString();
}
