/**
 * A seeded fuzzer for the hub: malformed HTTP requests, raw garbage over
 * TCP and odd WebSocket frames, each case drawn from one seeded stream
 * (agent/rng.ts), so a seed replays the same cases. Between batches it
 * checks the hub still answers /healthz quickly and still serves a normal
 * agent end to end. Every input here is the client's fault, so any 5xx is
 * a finding.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import WebSocket from 'ws';
import { createRng, type Rng } from '../common/rng.ts';
import { encodeAck, pollUrl, wsUrl } from '../protocol/v1.ts';

/** Small helpers over one seeded stream. */
export class Gen {
  readonly rng: Rng;
  constructor(rng: Rng) {
    this.rng = rng;
  }
  int(n: number): number {
    return Math.floor(this.rng.next() * n);
  }
  chance(p: number): boolean {
    return this.rng.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }
  text(n: number, alphabet = 'abcXYZ019 ._:-/?&=%"\\{}[],\r\n\t\u0000\u00e9\u{1F600}'): string {
    const chars = [...alphabet];
    let s = '';
    for (let i = 0; i < n; i++) s += this.pick(chars);
    return s;
  }
  /** A JSON value, sometimes deep, sometimes odd. */
  json(depth = 0): unknown {
    const roll = this.int(depth > 3 ? 5 : 8);
    if (roll === 0) return null;
    if (roll === 1) return this.pick([0, -1, 1e308, 0.5, 2 ** 53]);
    if (roll === 2) return this.text(this.int(20));
    if (roll === 3) return this.chance(0.5);
    if (roll === 4) return this.pick(['__proto__', 'constructor', '', 'ack', 'command']);
    if (roll === 5) return Array.from({ length: this.int(4) }, () => this.json(depth + 1));
    return Object.fromEntries(Array.from({ length: this.int(4) }, () => [this.pick(['edge_agent_id', 'ids', 'name', 'payload', 'type', 'id', 'x']), this.json(depth + 1)]));
  }
  agentId(): string {
    return this.pick(['edge-1', 'a', 'x'.repeat(128), 'x'.repeat(129), '', 'bad id', 'é', '../etc', 'a%00b', `fz-${this.int(50)}`]);
  }
}

export type Case =
  | { kind: 'http'; what: string; raw: Buffer }
  | { kind: 'ws'; what: string; query: string; frames: (string | Buffer)[] };

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'BREW', 'get', ''];
const PATHS = ['/edge/commands', '/edge/acks', '/admin/commands', '/admin/routes', '/metrics', '/healthz', '/ws', '/', '/nope', '//edge/commands', '/edge/commands/../admin/routes', '/%zz', '*'];
const TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx', '', 'APPLICATION/JSON'];

function query(g: Gen): string {
  const parts: string[] = [];
  for (let i = g.int(4); i > 0; i--) {
    const key = g.pick(['edge_agent_id', 'limit', 'edge_agent_id[]', 'x', '', '%zz', 'edge_agent_id[a]']);
    const value = g.pick([g.agentId(), String(g.int(2_000) - 5), g.text(g.int(10)), '%', '1e3', '']);
    parts.push(`${key}=${encodeURIComponent(value).replace(/%2F/g, g.chance(0.2) ? '%' : '%2F')}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

function body(g: Gen): string {
  switch (g.int(9)) {
    case 0: return '';
    case 1: return g.text(g.int(200));
    case 2: return '['.repeat(g.int(20_000));
    case 3: return `{"edge_agent_id":"${g.agentId()}","name":"n","payload":${'['.repeat(g.int(6_000))}${']'.repeat(g.int(6_000))}}`;
    case 4: return JSON.stringify({ edge_agent_id: g.agentId(), name: g.text(g.int(300)), payload: 'x'.repeat(g.pick([10, 70_000, 200_000])) });
    case 5: return JSON.stringify({ edge_agent_id: g.agentId(), ids: Array.from({ length: g.pick([0, 3, 10_001]) }, () => g.text(8)) });
    case 6: return '{"__proto__":{"x":1},"edge_agent_id":"a","name":"n"}';
    default: return JSON.stringify(g.json());
  }
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** A request to a real route that is right but for one thing: where most handler bugs hide. */
function nearlyValid(g: Gen): Case {
  const id = g.chance(0.8) ? `fz-${g.int(30)}` : g.agentId();
  const payload = () => g.pick([deep(g.pick([10, 32, 33, 4_111, 5_000, 50_000])), JSON.stringify('x'.repeat(g.pick([10, 65_000, 70_000]))), JSON.stringify(g.json()), '{"a":' + deep(40) + '}']);
  const route = g.int(4);
  let method = 'POST';
  let path: string;
  let b = '';
  if (route === 0) {
    path = '/admin/commands';
    b = `{"edge_agent_id":${JSON.stringify(id)},"name":${JSON.stringify(g.chance(0.9) ? 'cmd' : g.text(g.int(300)))},"payload":${payload()}}`;
  } else if (route === 1) {
    path = '/edge/acks';
    b = JSON.stringify({ edge_agent_id: id, ids: g.chance(0.8) ? [g.text(36)] : g.json() });
  } else {
    method = 'GET';
    path = `/edge/commands?edge_agent_id=${encodeURIComponent(id)}${g.chance(0.5) ? `&limit=${g.pick(['1', '100', '1000', '1001', '0', 'x', '-3', '1&limit=2'])}` : ''}${g.chance(0.1) ? '&edge_agent_id=b' : ''}`;
  }
  const bodyBytes = Buffer.from(b);
  const head = `${method} ${path} HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n${b ? `Content-Type: application/json\r\nContent-Length: ${bodyBytes.length}\r\n` : ''}\r\n`;
  return { kind: 'http', what: `nearly valid ${method} ${path.slice(0, 60)}`, raw: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]) };
}

function httpCase(g: Gen): Case {
  if (g.chance(0.4)) return nearlyValid(g);
  if (g.chance(0.08)) return { kind: 'http', what: 'raw bytes', raw: g.bytes(g.int(400) + 1) };
  const method = g.pick(METHODS);
  const path = g.pick(PATHS) + query(g);
  const b = g.chance(0.6) ? body(g) : '';
  const headers = [`Host: ${g.chance(0.95) ? 'hub' : g.text(5)}`, 'Connection: close'];
  if (g.chance(0.8)) headers.push(`Content-Type: ${g.pick(TYPES)}`);
  if (g.chance(0.2)) headers.push(`Authorization: ${g.pick(['Bearer ', 'Bearer x', 'Basic abc', 'bearer  y z', g.text(10).replace(/[\r\n]/g, '')])}`);
  const bodyBytes = Buffer.from(b);
  // Lengths that lie: shorter (the rest is a pipelined garbage request), or longer (held until requestTimeout).
  const lengthRoll = g.int(40);
  const length = lengthRoll === 0 ? bodyBytes.length + 10 : lengthRoll === 1 ? Math.max(0, bodyBytes.length - 3) : bodyBytes.length;
  if (g.chance(0.05)) headers.push('Transfer-Encoding: chunked');
  else if (bodyBytes.length > 0 || g.chance(0.5)) headers.push(`Content-Length: ${lengthRoll === 2 ? '-1' : length}`);
  const head = `${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`;
  return { kind: 'http', what: `${method} ${path.slice(0, 60)}`, raw: Buffer.concat([Buffer.from(head, 'latin1'), bodyBytes]) };
}

function wsCase(g: Gen): Case {
  const id = g.chance(0.9) ? `fz-${g.int(30)}` : g.agentId();
  const q = g.chance(0.9) ? `?edge_agent_id=${encodeURIComponent(id)}` : query(g);
  const frames: (string | Buffer)[] = [];
  const flood = g.chance(0.05);
  const count = flood ? 3_000 : g.int(8);
  for (let i = 0; i < count; i++) {
    switch (flood ? 0 : g.int(8)) {
      case 0: frames.push(encodeAck(g.text(36))); break;
      case 1: frames.push(g.text(g.int(50))); break;
      case 2: frames.push(g.bytes(g.int(100))); break;
      case 3: frames.push(JSON.stringify({ type: g.pick(['ack', 'command', 'hello', '', null]), id: g.json() })); break;
      case 4: frames.push('x'.repeat(g.pick([100, 70_000]))); break;
      case 5: frames.push('['.repeat(g.int(100_000))); break;
      default: frames.push(JSON.stringify(g.json()));
    }
  }
  return { kind: 'ws', what: `ws ${q.slice(0, 40)} ${flood ? 'flood' : `${count} frames`}`, query: q, frames };
}

export function makeCase(g: Gen): Case {
  return g.chance(0.75) ? httpCase(g) : wsCase(g);
}

export interface FuzzTally {
  cases: number;
  /** Answers with status >= 500: every input is the client's fault. */
  serverErrors: { what: string; status: number }[];
  /** Cases that got neither an answer nor a close in time. */
  hangs: string[];
  /** Health checks or normal-agent round trips that failed after a batch. */
  unhealthy: string[];
  statuses: Record<string, number>;
}

const CASE_TIMEOUT_MS = 5_000;

/** Sends one raw request; resolves with the answer's status (0: closed without one). */
async function runHttp(port: number, raw: Buffer): Promise<number | 'hang'> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  let answer = '';
  socket.on('data', (d: Buffer) => {
    if (answer.length < 64) answer += d.toString('latin1');
  });
  socket.once('connect', () => socket.end(raw));
  const timer = setTimeout(() => socket.destroy(new Error('hang')), CASE_TIMEOUT_MS);
  const [hadError] = (await once(socket, 'close')) as [boolean];
  clearTimeout(timer);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  if (!status && hadError && socket.errored?.message === 'hang') return 'hang';
  return status ? Number(status[1]) : 0;
}

async function runWs(hubUrl: string, c: Extract<Case, { kind: 'ws' }>): Promise<number | 'hang'> {
  let socket: WebSocket;
  try {
    socket = new WebSocket(`${hubUrl.replace(/^http/, 'ws')}/ws${c.query}`, { perMessageDeflate: false });
  } catch {
    return 0; // a URL the client itself refuses never reaches the hub
  }
  socket.on('error', () => {});
  let status = 101;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  socket.on('close', () => finish());
  // A refused upgrade: read the answer to its end; the client never opens, so there is no close to wait for.
  socket.on('unexpected-response', (_req, res) => {
    status = res.statusCode ?? 0;
    res.on('end', () => finish());
    res.on('error', () => finish());
    res.resume();
  });
  const timer = setTimeout(() => {
    status = -1;
    finish();
  }, CASE_TIMEOUT_MS);
  socket.on('open', () => {
    for (const frame of c.frames) if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    if (socket.readyState === WebSocket.OPEN) socket.close(1000, 'fuzz done');
  });
  await done;
  clearTimeout(timer);
  if (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CLOSING) socket.terminate();
  return status === -1 ? 'hang' : status;
}

/** /healthz quickly, then a normal agent: connect, receive a command, ack it, and see it gone from the poll. */
export async function checkHealthy(hubUrl: string, label: string, healthWithinMs = 1_000): Promise<string | undefined> {
  const t0 = performance.now();
  try {
    const health = await fetch(new URL('/healthz', hubUrl), { signal: AbortSignal.timeout(5_000) });
    const ms = performance.now() - t0;
    if (health.status !== 200) return `${label}: /healthz answered ${health.status}`;
    if (ms > healthWithinMs) return `${label}: /healthz took ${Math.round(ms)} ms`;
    const agentId = `probe-${label.replace(/[^A-Za-z0-9]/g, '')}`;
    const socket = new WebSocket(wsUrl(hubUrl, agentId), { perMessageDeflate: false });
    socket.on('error', () => {});
    try {
      await Promise.race([once(socket, 'open'), once(socket, 'unexpected-response').then(() => Promise.reject(new Error('upgrade refused')))]);
      const message = once(socket, 'message');
      const enqueue = await fetch(new URL('/admin/commands', hubUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ edge_agent_id: agentId, name: 'probe' }) });
      if (enqueue.status !== 201) return `${label}: enqueue answered ${enqueue.status}`;
      const [data] = (await Promise.race([message, new Promise((_, reject) => setTimeout(() => reject(new Error('no command within 5 s')), 5_000))])) as [Buffer];
      const command = JSON.parse(data.toString()) as { id: string };
      socket.send(encodeAck(command.id));
      socket.close(1000, 'agent stopping');
      await once(socket, 'close'); // the close follows the ack on the same stream
      const poll = (await (await fetch(pollUrl(hubUrl, agentId))).json()) as { commands: unknown[] };
      if (poll.commands.length !== 0) return `${label}: the acked probe command is still pending`;
    } finally {
      socket.terminate();
    }
  } catch (error) {
    return `${label}: ${(error as Error).message}`;
  }
  return undefined;
}

export interface FuzzOptions {
  hubUrl: string;
  port: number;
  seed: string | number;
  cases: number;
  /** Cases in flight at once. Default 8. */
  concurrency?: number;
  /** Cases between health checks. Default 250. */
  batch?: number;
  onBatch?: (tally: FuzzTally) => void;
}

/** Runs `cases` seeded cases at a hub in batches, with a health check after each. */
export async function fuzzHub(options: FuzzOptions): Promise<FuzzTally> {
  const g = new Gen(createRng(options.seed).child('fuzz'));
  const tally: FuzzTally = { cases: 0, serverErrors: [], hangs: [], unhealthy: [], statuses: {} };
  const batch = options.batch ?? 250;
  const concurrency = options.concurrency ?? 8;
  for (let done = 0; done < options.cases; ) {
    const size = Math.min(batch, options.cases - done);
    const cases = Array.from({ length: size }, () => makeCase(g));
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < cases.length) {
        const c = cases[next++]!;
        const status = c.kind === 'http' ? await runHttp(options.port, c.raw) : await runWs(options.hubUrl, c);
        tally.cases++;
        if (status === 'hang') tally.hangs.push(c.what);
        else {
          tally.statuses[status] = (tally.statuses[status] ?? 0) + 1;
          if (status >= 500) tally.serverErrors.push({ what: c.what, status });
        }
      }
    }));
    done += size;
    const problem = await checkHealthy(options.hubUrl, `after case ${done}`);
    if (problem) tally.unhealthy.push(problem);
    options.onBatch?.(tally);
  }
  return tally;
}
