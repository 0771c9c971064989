import type { ServerOptions } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What the run's own HTTP servers (the collector, the metrics port) share to
 * stay out of a hostile client's reach: connection timeouts, and refusals
 * decided from the request line and headers alone, before any body is read.
 */

/** How long the run's HTTP servers wait on a client, ms. */
export interface ServerTimeouts {
  /** A request's headers must all arrive within this of its first byte (or of the connection opening). */
  headersMs: number;
  /** A whole request, body included, must arrive within this; at least headersMs. */
  requestMs: number;
  /** A keep-alive connection with no request under way closes after this. */
  keepAliveMs: number;
}

/**
 * Every client of these servers writes a request in one go (a shard's batch
 * is a string it already holds, a scrape has no body), so these bounds only
 * ever close connections a client stopped feeding. They sit far above an
 * event-loop stall a valid run can have (the lag check fails a run at 100 ms
 * to 1 s), and the keep-alive bound far above the shards' 200 ms heartbeat.
 * The collector raises requestMs past its shards' own request timeout (see
 * startCollector), so it never answers 408 to a request a shard still awaits.
 */
export const SERVER_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30_000, keepAliveMs: 10_000 };

/** Fastify's options for `timeouts`; node checks them every checkIntervalMs (default 30 s, far too coarse for a 10 s bound). */
export function timeoutOptions(timeouts: ServerTimeouts): { connectionTimeout: number; keepAliveTimeout: number; requestTimeout: number; http: ServerOptions } {
  const { headersMs, requestMs, keepAliveMs } = timeouts;
  if (!(headersMs > 0 && requestMs >= headersMs && keepAliveMs > 0)) {
    throw new RangeError(`server timeouts need headersMs > 0, requestMs >= headersMs and keepAliveMs > 0, got ${JSON.stringify(timeouts)}`);
  }
  return {
    // A socket with no traffic at all for this long goes too, answerless: a backstop past the other bounds, which answer 408.
    connectionTimeout: 2 * requestMs,
    keepAliveTimeout: keepAliveMs,
    requestTimeout: requestMs,
    http: { headersTimeout: headersMs, connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersMs / 4))) },
  };
}

/**
 * Answers `status` and closes the connection after it: the request's body,
 * if it has one, is never read, and a client cannot go on streaming into it.
 */
export function refuse(reply: FastifyReply, status: number, error: string, headers: Record<string, string> = {}): FastifyReply {
  return reply
    .code(status)
    .headers({ ...headers, connection: 'close' })
    .send({ error });
}

/** Whether the request says a body follows (a length above 0, or chunked). */
export function hasBody(request: FastifyRequest): boolean {
  return request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && declaredLength(request) !== 0);
}

/** The declared body length in bytes, when there is a valid one. */
export function declaredLength(request: FastifyRequest): number | undefined {
  const length = request.headers['content-length'];
  return length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
}

/** `application/json; charset=utf-8` -> `application/json`; '' when absent. */
export function mediaType(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The path of the request line, without the query; not decoded, so `%30` is not `0`. */
export function rawPath(request: FastifyRequest): string {
  const url = request.raw.url ?? '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
