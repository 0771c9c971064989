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
