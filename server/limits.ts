import { checkDurationMs, formatDuration } from '../common/duration.ts';
import { HubError } from './errors.ts';

/**
 * The hub's limits and their defaults in one place, so `--help`,
 * docs/protocol.md and the code cannot drift apart. Each is a HubOptions
 * field (server/app.ts) with the same name.
 */

/** No hub duration option may exceed this: a day is longer than any sane ping or timeout, and far below the 2^31-1 ms where Node timers wrap to 1 ms. */
export const MAX_HUB_DURATION_MS = 24 * 3_600_000;
/** Below this a ping interval is a busy loop, not a heartbeat. */
export const MIN_PING_INTERVAL_MS = 10;

/** Default maxPayloadDepth: objects/arrays nested in one command payload. */
export const DEFAULT_MAX_PAYLOAD_DEPTH = 32;
/** Default maxPayloadBytes: one command payload as JSON, bytes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
/** Default bodyLimitBytes: any HTTP request body (an ack batch of 10,000 ids fits). */
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/** Default maxPendingPerAgent: commands queued for one agent before enqueue answers 429. */
export const DEFAULT_MAX_PENDING_PER_AGENT = 1_000;
/** Default pollPageSize: commands in one poll answer when the agent asks for no `limit`. */
export const DEFAULT_POLL_PAGE_SIZE = 100;
/** The largest `limit` a poll may ask for. */
export const MAX_POLL_PAGE_SIZE = 1_000;
/** Default requestTimeoutMs: time to receive a whole HTTP request, headers and body. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default wsFrameBudget: frames one socket may send per wsFrameWindowMs; above the queue cap, so acking a full resend fits. */
export const DEFAULT_WS_FRAME_BUDGET = 2_000;
/** Default wsFrameWindowMs. */
export const DEFAULT_WS_FRAME_WINDOW_MS = 1_000;
/** Default wsMaxFrameBytes: an ack frame is under 100 bytes. */
export const DEFAULT_WS_MAX_FRAME_BYTES = 64 * 1024;

/** The limit options of HubOptions (server/app.ts), each with its unit and default. */
export interface HubLimitOptions {
  /** Deepest nesting of objects/arrays in a command payload; deeper is a 400 at enqueue. Default 32. */
  maxPayloadDepth?: number;
  /** Largest command payload as JSON, bytes; larger is a 400 at enqueue. Default 65_536. */
  maxPayloadBytes?: number;
  /** Largest HTTP request body, bytes; larger is a 413. Default 1_048_576. */
  bodyLimitBytes?: number;
  /** Commands pending for one agent before POST /admin/commands answers 429. Default 1_000. */
  maxPendingPerAgent?: number;
  /** Commands per poll answer when the poll has no `limit`; at most 1_000. Default 100. */
  pollPageSize?: number;
  /** Time to receive a whole HTTP request (headers and body), ms; then 408 and the connection closes. Default 30_000. */
  requestTimeoutMs?: number;
  /** Frames one WebSocket may send per wsFrameWindowMs; past it the hub closes it with 1008. Default 2_000. */
  wsFrameBudget?: number;
  /** The window of wsFrameBudget, ms. Default 1_000. */
  wsFrameWindowMs?: number;
  /** Largest WebSocket frame an agent may send, bytes; larger closes the socket with 1009. Default 65_536. */
  wsMaxFrameBytes?: number;
}

export type HubLimits = Required<HubLimitOptions>;

/** Every limit with its default, checked once where the hub is built. */
export function resolveLimits(options: HubLimitOptions): HubLimits {
  const duration = (name: string, ms: number) => checkDurationMs(ms, { flag: name, minMs: 1, maxMs: MAX_HUB_DURATION_MS, code: 'EC_HUB_BAD_OPTION' });
  return {
    maxPayloadDepth: whole('maxPayloadDepth', options.maxPayloadDepth ?? DEFAULT_MAX_PAYLOAD_DEPTH),
    maxPayloadBytes: whole('maxPayloadBytes', options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES),
    bodyLimitBytes: whole('bodyLimitBytes', options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES),
    maxPendingPerAgent: whole('maxPendingPerAgent', options.maxPendingPerAgent ?? DEFAULT_MAX_PENDING_PER_AGENT),
    pollPageSize: whole('pollPageSize', options.pollPageSize ?? DEFAULT_POLL_PAGE_SIZE, MAX_POLL_PAGE_SIZE),
    requestTimeoutMs: duration('requestTimeoutMs', options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    wsFrameBudget: whole('wsFrameBudget', options.wsFrameBudget ?? DEFAULT_WS_FRAME_BUDGET),
    wsFrameWindowMs: duration('wsFrameWindowMs', options.wsFrameWindowMs ?? DEFAULT_WS_FRAME_WINDOW_MS),
    wsMaxFrameBytes: whole('wsMaxFrameBytes', options.wsMaxFrameBytes ?? DEFAULT_WS_MAX_FRAME_BYTES),
  };
}

function whole(name: string, value: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new HubError('EC_HUB_BAD_OPTION', `${name} must be a whole number from 1 to ${max}, got ${value}`, `pass ${name} within that range, or leave it out for the default`);
  }
  return value;
}

/** The command-line flag of each limit, for `npm run hub` (server/main.ts) and its --help. */
export const LIMIT_FLAGS: readonly { option: keyof HubLimitOptions; flag: string; kind: 'count' | 'duration'; max?: number; help: string; fallback: string }[] = [
  { option: 'maxPendingPerAgent', flag: '--max-pending-per-agent', kind: 'count', help: 'commands pending for one agent before enqueue answers 429', fallback: `${DEFAULT_MAX_PENDING_PER_AGENT}` },
  { option: 'pollPageSize', flag: '--poll-page-size', kind: 'count', max: MAX_POLL_PAGE_SIZE, help: `commands per poll answer without ?limit= (a poll may ask up to ${MAX_POLL_PAGE_SIZE})`, fallback: `${DEFAULT_POLL_PAGE_SIZE}` },
  { option: 'maxPayloadDepth', flag: '--max-payload-depth', kind: 'count', help: 'deepest nesting of a command payload; deeper is a 400', fallback: `${DEFAULT_MAX_PAYLOAD_DEPTH}` },
  { option: 'maxPayloadBytes', flag: '--max-payload-bytes', kind: 'count', help: 'largest command payload as JSON; larger is a 400', fallback: `${DEFAULT_MAX_PAYLOAD_BYTES}` },
  { option: 'bodyLimitBytes', flag: '--body-limit-bytes', kind: 'count', help: 'largest HTTP request body; larger is a 413', fallback: `${DEFAULT_BODY_LIMIT_BYTES}` },
  { option: 'requestTimeoutMs', flag: '--request-timeout', kind: 'duration', help: 'time to receive a whole HTTP request; then 408 and close', fallback: formatDuration(DEFAULT_REQUEST_TIMEOUT_MS) },
  { option: 'wsFrameBudget', flag: '--ws-frame-budget', kind: 'count', help: 'frames one WebSocket may send per --ws-frame-window; past it, close 1008', fallback: `${DEFAULT_WS_FRAME_BUDGET}` },
  { option: 'wsFrameWindowMs', flag: '--ws-frame-window', kind: 'duration', help: 'the window of --ws-frame-budget', fallback: formatDuration(DEFAULT_WS_FRAME_WINDOW_MS) },
  { option: 'wsMaxFrameBytes', flag: '--ws-max-frame-bytes', kind: 'count', help: 'largest WebSocket frame from an agent; larger, close 1009', fallback: `${DEFAULT_WS_MAX_FRAME_BYTES}` },
];
