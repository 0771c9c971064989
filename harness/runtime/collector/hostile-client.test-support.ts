import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { NDJSON } from '../fleet/shard/wire.ts';

/**
 * A hostile client of the run's HTTP servers over real sockets: the probes of
 * issue 18 (wrong methods, huge bodies with and without the token, shard
 * indexes that are not decimal, wrong content types) and connections held
 * idle or half-sent. Each probe declares its body's length and sends only the
 * first few KiB, then waits for the answer: a server that reads the body
 * before answering never answers it, so "answered at once" is what passes.
 */

export interface Probe {
  name: string;
  method: string;
  /** Sent as written: `%30` stays `%30`. */
  path: string;
  /** Send the run token. */
  token?: boolean;
  contentType?: string;
  /** The Content-Length declared; only the first PREFIX_BYTES of it are sent before the answer. */
  declaredBytes?: number;
  /** The status the server must answer. */
  status: number;
}

const MB = 1_000_000;
/** What a probe sends of a declared body before it waits for the answer. */
const PREFIX_BYTES = 16 * 1024;
const ANSWER_TIMEOUT_MS = 10_000;

/** The collector probes, for a run of `shards` shards. */
export function collectorProbes(shards: number): Probe[] {
  const batchBody = { contentType: NDJSON, declaredBytes: 200 };
  return [
    { name: 'POST /healthz, 50 MB JSON, no token', method: 'POST', path: '/healthz', contentType: 'application/json', declaredBytes: 50 * MB, status: 405 },
    { name: 'PUT /healthz', method: 'PUT', path: '/healthz', status: 405 },
    { name: 'POST /metrics, 50 MB, no token', method: 'POST', path: '/metrics', contentType: 'text/plain', declaredBytes: 50 * MB, status: 405 },
    { name: 'DELETE /metrics', method: 'DELETE', path: '/metrics', status: 405 },
    { name: 'OPTIONS /clock', method: 'OPTIONS', path: '/clock', status: 405 },
    { name: 'GET /shards/0/events', method: 'GET', path: '/shards/0/events', token: true, status: 405 },
    { name: 'POST /shards/0/events, 50 MB, no token', method: 'POST', path: '/shards/0/events', contentType: NDJSON, declaredBytes: 50 * MB, status: 401 },
    { name: 'POST /shards/0/hello, 50 MB, no token', method: 'POST', path: '/shards/0/hello', contentType: 'application/json', declaredBytes: 50 * MB, status: 401 },
    { name: 'GET /clock, no token', method: 'GET', path: '/clock', status: 401 },
    { name: 'GET /nope', method: 'GET', path: '/nope', status: 404 },
    { name: 'POST /nope, 50 MB', method: 'POST', path: '/nope', contentType: 'application/json', declaredBytes: 50 * MB, status: 404 },
    ...['abc', '1.5', '-1', '0x1', '%30', '01', '+1', '', String(shards), '99999999999999999999'].map(
      (index): Probe => ({ name: `POST /shards/${index}/events`, method: 'POST', path: `/shards/${index}/events`, token: true, ...batchBody, status: 404 }),
    ),
    { name: 'POST /shards/abc/hello', method: 'POST', path: '/shards/abc/hello', token: true, contentType: 'application/json', declaredBytes: 100, status: 404 },
    { name: 'POST /shards/0/events as text/plain', method: 'POST', path: '/shards/0/events', token: true, contentType: 'text/plain', declaredBytes: 200, status: 415 },
    { name: 'POST /shards/0/events as JSON', method: 'POST', path: '/shards/0/events', token: true, contentType: 'application/json', declaredBytes: 200, status: 415 },
    { name: 'POST /shards/0/events, no content type', method: 'POST', path: '/shards/0/events', token: true, declaredBytes: 200, status: 415 },
    { name: 'POST /shards/0/hello as NDJSON', method: 'POST', path: '/shards/0/hello', token: true, contentType: NDJSON, declaredBytes: 100, status: 415 },
    { name: 'POST /shards/0/hello, 50 MB', method: 'POST', path: '/shards/0/hello', token: true, contentType: 'application/json', declaredBytes: 50 * MB, status: 413 },
    { name: 'POST /shards/0/events, 200 MB', method: 'POST', path: '/shards/0/events', token: true, contentType: NDJSON, declaredBytes: 200 * MB, status: 413 },
    { name: 'GET /healthz with a 50 MB body', method: 'GET', path: '/healthz', contentType: 'application/json', declaredBytes: 50 * MB, status: 413 },
  ];
}

/** The metrics port's probes. */
export function metricsProbes(): Probe[] {
  return [
    { name: 'POST /metrics, 50 MB JSON', method: 'POST', path: '/metrics', contentType: 'application/json', declaredBytes: 50 * MB, status: 405 },
    { name: 'PUT /metrics', method: 'PUT', path: '/metrics', status: 405 },
    { name: 'GET /', method: 'GET', path: '/', status: 404 },
    { name: 'POST /healthz, 50 MB', method: 'POST', path: '/healthz', contentType: 'application/json', declaredBytes: 50 * MB, status: 404 },
    { name: 'GET /metrics with a 50 MB body', method: 'GET', path: '/metrics', declaredBytes: 50 * MB, status: 413 },
  ];
}

export interface ProbeAnswer {
  status: number;
  body: string;
  /** The server said it closes the connection. */
  closes: boolean;
}

/** Sends `probe` to `baseUrl` (http://host:port); status 0 when no answer came within 10 s or the connection failed (the body says which). */
export function sendProbe(baseUrl: string, probe: Probe, token: string): Promise<ProbeAnswer> {
  const url = new URL(baseUrl);
  const headers: Record<string, string | number> = {};
  if (probe.token) headers.authorization = `Bearer ${token}`;
  if (probe.contentType) headers['content-type'] = probe.contentType;
  if (probe.declaredBytes !== undefined) headers['content-length'] = probe.declaredBytes;
  return new Promise((resolve) => {
    let done = false;
    const finish = (answer: ProbeAnswer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const req = httpRequest({ host: url.hostname, port: url.port, method: probe.method, path: probe.path, headers, agent: false });
    const timer = setTimeout(() => finish({ status: 0, body: `no answer within ${ANSWER_TIMEOUT_MS} ms`, closes: false }), ANSWER_TIMEOUT_MS);
    req.on('error', (error) => finish({ status: 0, body: error.message, closes: false }));
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body, closes: res.headers.connection === 'close' }));
    });
    if (probe.declaredBytes === undefined) req.end();
    else req.write(Buffer.alloc(Math.min(PREFIX_BYTES, probe.declaredBytes), 'x'));
  });
}

/**
 * Streams a whole `bytes`-byte body to `path`, as fast as the server takes
 * it, until the server answers or drops the connection; resolves with how
 * many bytes went out and the status, if one was read before the close.
 */
export function blast(baseUrl: string, path: string, bytes: number, contentType = 'application/json'): Promise<{ sentBytes: number; status?: number; error?: string }> {
  const url = new URL(baseUrl);
  const chunk = Buffer.alloc(64 * 1024, '7');
  return new Promise((resolve) => {
    let sentBytes = 0;
    let status: number | undefined;
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      req.destroy();
      resolve({ sentBytes, status, error });
    };
    const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path, headers: { 'content-type': contentType, 'content-length': bytes }, agent: false });
    req.on('error', (error) => finish((error as NodeJS.ErrnoException).code ?? error.message));
    req.on('response', (res) => {
      status = res.statusCode;
      res.resume();
      finish();
    });
    const pump = () => {
      while (!done && sentBytes < bytes) {
        const piece = bytes - sentBytes >= chunk.length ? chunk : chunk.subarray(0, bytes - sentBytes);
        sentBytes += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
    };
    pump();
  });
}

export interface HeldConnection {
  /** Resolves when the server closed it, with what the server wrote and how long it was held, ms. */
  closed: Promise<{ received: string; heldMs: number }>;
  destroy(): void;
}

/**
 * Opens a connection and sends `prefix` (nothing: an idle connection; half a
 * request line or half a body: a half-sent request), then nothing more.
 */
export function holdConnection(baseUrl: string, prefix: string): HeldConnection {
  const url = new URL(baseUrl);
  const socket = connect({ host: url.hostname, port: Number(url.port) });
  const startedMs = performance.now();
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  if (prefix) socket.write(prefix);
  const closed = new Promise<{ received: string; heldMs: number }>((resolve) => socket.once('close', () => resolve({ received, heldMs: performance.now() - startedMs })));
  return { closed, destroy: () => socket.destroy() };
}

/** Half-sent requests, as `holdConnection` prefixes: `token` makes the one with a body get past the token check. */
export function halfSentRequests(token: string): Record<string, string> {
  return {
    idle: '',
    'half a request line': 'GET /metr',
    'headers without their end': 'GET /metrics HTTP/1.1\r\nhost: x\r\n',
    'a body cut short': `POST /shards/0/events HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: ${NDJSON}\r\ncontent-length: 1000\r\n\r\n{"kind":"batch"`,
  };
}
