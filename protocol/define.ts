/**
 * A hub's wire, described as data: `defineProtocol({...})` in a `.ts` or
 * `.mjs` file, given with `--protocol ./my-hub.protocol.ts`. It is checked
 * where it is loaded (every field, "did you mean" for a mistyped one) and
 * compiled once into the Protocol seam (protocol/wire.ts) the agents and the
 * harness use. Our own protocol v1 is one such profile (profiles/v1.ts);
 * docs/protocols.md explains every field with worked examples.
 *
 * Frames are JSON text unless `parse` says otherwise. Where a template
 * cannot say it, a function may stand in (see template.ts).
 */
import { EdgeChaosError } from '../common/errors.ts';
import { closestName } from '../common/closest-name.ts';
import { compileMatch, compileTemplate, parsePath, readPath, TemplateError, type Built, type Match, type Template } from './template.ts';
import { asHubSentIt, isWireId, wireCommand, type AgentWire, type HubApi, type HubFrame, type HubMetricNames, type PollWire, type Protocol, type WireCommand, type WireRequest } from './wire.ts';

export type { Match, Template } from './template.ts';
export type { HubMetricNames } from './wire.ts';

type Method = WireRequest['method'];

/** An HTTP call the agent or the harness makes: method, path (and query) resolved against the hub URL, body as JSON. */
export interface RequestTemplate {
  /** Default GET for a poll, POST otherwise. */
  method?: Method;
  /** Absolute path on the hub; may hold placeholders: `/agents/{agent}/jobs`. */
  path: string;
  query?: Readonly<Record<string, Template>>;
  /** Added to `socket.headers`, which every call the agent makes carries. */
  headers?: Readonly<Record<string, Template>>;
  body?: Template;
}

export interface ProtocolProfile {
  /** Lower-case words joined by "-": shown in reports and replay lines. */
  name: string;
  /** The WebSocket upgrade. Placeholders: `{agent}`, `{token}`, `{env.NAME}`. */
  socket: {
    /** Path on the hub (`/agents/{agent}/socket`); absent: the hub URL's own path and query, as given. */
    path?: string;
    query?: Readonly<Record<string, Template>>;
    /** Sent on the upgrade and on every poll and ack; a header naming an unset `{token}` is left out. Never printed. */
    headers?: Readonly<Record<string, Template>>;
    subprotocols?: readonly string[];
  };
  /** Reads a frame's text into a value the rules below look at. Default: JSON.parse. */
  parse?: (text: string) => unknown;
  /** Frames sent as soon as the socket opens, on every connection (a hello). */
  opening?: readonly Template[];
  /** Frames sent in answer to a hub frame (welcome -> hello); `{frame.PATH}` names the hub's frame. */
  replies?: readonly { match: Match; send: Template | readonly Template[] }[];
  /**
   * How the link proves it is alive; silence for 2.5 intervals is a dead link. Default: WebSocket
   * pings from the hub (`{ by: 'pings' }`). `intervalMs` is for a hub whose interval is fixed; without
   * it the run's interval holds (the scenario's, or --hub-ping-interval), which a --hub-cmd hub is
   * told in PING_INTERVAL_MS.
   */
  heartbeat?:
    | { by: 'pings'; intervalMs?: number }
    | { by: 'hub'; match: Match; intervalMs?: number; reply?: Template }
    | { by: 'agent'; everyMs: number; send: Template; answer?: Match };
  /** How to recognise a command and read it. Absent: the hub carries no commands (connection-only). */
  command?: {
    match: Match;
    /** Field path of the command's id (a string or a number). */
    id: string;
    name?: string;
    payload?: string;
    /** The frame that acks it; `{command.id}`, `{command.name}`, `{frame.PATH}`. `false`: the hub takes no acks. */
    ack: Template | false;
  };
  /** Frames the hub sends that mean nothing to an agent (a status, a broadcast): recognised, not an error. */
  ignore?: readonly Match[];
  /** A frame by which the hub ends the session inside the socket: the agent closes with this code and reason. */
  disconnect?: { match: Match; code?: number; reason?: string };
  /** The polling fallback while the socket is down; `false` or absent: none. */
  polling?:
    | false
    | (RequestTemplate & {
        /** Field path of the list of commands in the answer; absent: the answer is the list. */
        list?: string;
        /** Field path of a boolean: more commands wait than this answer holds (ask again at once). */
        more?: string;
        /** Field paths inside one entry of the list; default those of `command`. */
        id?: string;
        name?: string;
        payload?: string;
        /** How polled commands are acked; `{ids}`, `{commands}` for a batch, `{command.id}` for one. `false`: not at all. */
        ack: false | (RequestTemplate & { per: 'batch' | 'command' });
      });
  /** How the harness issues a command; `{agent}`, `{name}`, `{payload}`, `{token}`. Absent: the harness cannot issue commands. */
  issue?: false | (RequestTemplate & { /** Field path of the hub's id for the command in the answer. */ id: string });
  /** The close a hub sends a connection that a newer one of the same agent replaced (the incident's loop). */
  replaceClose?: { code: number; reason: string };
  /** The hub's health endpoint (GET, 2xx when healthy). Absent: the harness probes the TCP port. */
  health?: false | { path: string };
  /** The hub's Prometheus metrics the checks read, by what they mean; a check whose metric is not named skips, saying so. */
  metrics?: false | { path?: string; names: HubMetricNames };
}

/** What building a Protocol from a profile needs from the run. */
export interface CompileContext {
  /** Where the profile came from: a registered name, or the absolute path of its file. */
  source: string;
  /** The run's --token, for `{token}`. */
  token?: string;
  env?: NodeJS.ProcessEnv;
}

const NAME_RE = /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/;
const METHODS: readonly Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const REQUEST_FIELDS = ['method', 'path', 'query', 'headers', 'body'];
const FIELDS: Record<string, readonly string[]> = {
  '': ['name', 'socket', 'parse', 'opening', 'replies', 'heartbeat', 'command', 'ignore', 'disconnect', 'polling', 'issue', 'replaceClose', 'health', 'metrics'],
  socket: ['path', 'query', 'headers', 'subprotocols'],
  reply: ['match', 'send'],
  'heartbeat.pings': ['by', 'intervalMs'],
  'heartbeat.hub': ['by', 'match', 'intervalMs', 'reply'],
  'heartbeat.agent': ['by', 'everyMs', 'send', 'answer'],
  command: ['match', 'id', 'name', 'payload', 'ack'],
  disconnect: ['match', 'code', 'reason'],
  polling: [...REQUEST_FIELDS, 'list', 'more', 'id', 'name', 'payload', 'ack'],
  'polling.ack': [...REQUEST_FIELDS, 'per'],
  issue: [...REQUEST_FIELDS, 'id'],
  replaceClose: ['code', 'reason'],
  health: ['path'],
  metrics: ['path', 'names'],
  'metrics.names': ['replaced', 'disconnects', 'handlersPerConnection', 'pending'],
};

/** Thrown for a profile that cannot describe a hub: names the profile, the field and the bad value. */
export function badProfile(where: string, field: string, problem: string, fix?: string): never {
  throw new EdgeChaosError('EC_BAD_PROTOCOL', `${where}: ${field} ${problem}`, fix ?? `fix ${field} in the protocol profile; docs/protocols.md describes every field`);
}

/** How errors name a profile: `protocol "name"`. */
export function whereOf(profile: unknown): string {
  const name = (profile as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? `protocol ${JSON.stringify(name)}` : 'protocol profile';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses a field `value` does not have ("did you mean"); `valid`: the fields of `kind` in this file's table, unless given (another kind of profile's). */
export function checkFields(where: string, path: string, value: unknown, kind = path, valid: readonly string[] = FIELDS[kind]!): void {
  if (value === undefined) return;
  if (!isObject(value)) badProfile(where, path || 'the profile', `must be an object, got ${JSON.stringify(value)}`);
  for (const key of Object.keys(value)) {
    if (valid.includes(key)) continue;
    const field = path === '' ? key : `${path}.${key}`;
    const guess = closestName(key, valid);
    throw new EdgeChaosError(
      'EC_BAD_PROTOCOL',
      `${where}: ${JSON.stringify(field)} is not a field of ${path === '' ? 'a protocol profile' : path}${guess ? `; did you mean ${guess}?` : ''}`,
      `${guess ? `use ${guess}` : 'remove it'} in the protocol profile; valid: ${valid.join(', ')}`,
    );
  }
}

export function checkPath(where: string, field: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  try {
    parsePath(value as string);
  } catch (error) {
    badProfile(where, field, `must be a field path like "job.id": ${(error as Error).message}`);
  }
}

function checkRequest(where: string, field: string, value: unknown, kind: string): void {
  checkFields(where, field, value, kind);
  const request = value as RequestTemplate;
  if (typeof request.path !== 'string' || !request.path.startsWith('/')) badProfile(where, `${field}.path`, `must be an absolute path on the hub like "/edge/commands", got ${JSON.stringify(request.path)}`);
  if (request.method !== undefined && !METHODS.includes(request.method)) badProfile(where, `${field}.method`, `must be one of ${METHODS.join(', ')}, got ${JSON.stringify(request.method)}`);
  for (const part of ['query', 'headers'] as const) if (request[part] !== undefined && !isObject(request[part])) badProfile(where, `${field}.${part}`, `must be an object of names and templates, got ${JSON.stringify(request[part])}`);
}

/**
 * Checks a protocol profile once, where it is loaded, and returns it
 * unchanged: a mistyped field is named with a guess, a missing or wrong one
 * with what it must be.
 */
export function defineProtocol<P extends ProtocolProfile>(profile: P): P {
  const where = whereOf(profile);
  checkFields(where, '', profile);
  if (typeof profile.name !== 'string' || !NAME_RE.test(profile.name)) badProfile(where, 'name', `must be lower-case words joined by "-", got ${JSON.stringify(profile.name)}`);
  if (!isObject(profile.socket)) badProfile(where, 'socket', `must be an object (at least {}), got ${JSON.stringify(profile.socket)}`);
  checkFields(where, 'socket', profile.socket);
  const { path, subprotocols } = profile.socket;
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) badProfile(where, 'socket.path', `must be an absolute path like "/ws", got ${JSON.stringify(path)}`);
  if (subprotocols !== undefined && !(Array.isArray(subprotocols) && subprotocols.every((s) => typeof s === 'string' && s !== ''))) badProfile(where, 'socket.subprotocols', `must be a list of names, got ${JSON.stringify(subprotocols)}`);
  if (profile.parse !== undefined && typeof profile.parse !== 'function') badProfile(where, 'parse', `must be a function (text) => value, got ${JSON.stringify(profile.parse)}`);
  if (profile.opening !== undefined && !Array.isArray(profile.opening)) badProfile(where, 'opening', `must be a list of frames, got ${JSON.stringify(profile.opening)}`);
  if (profile.replies !== undefined && !Array.isArray(profile.replies)) badProfile(where, 'replies', `must be a list of { match, send }, got ${JSON.stringify(profile.replies)}`);
  profile.replies?.forEach((r, i) => {
    checkFields(where, `replies[${i}]`, r, 'reply');
    if (r.send === undefined) badProfile(where, `replies[${i}].send`, 'is required: the frame (or frames) to send');
  });
  const hb = profile.heartbeat;
  if (hb !== undefined) {
    const by = (hb as { by?: unknown }).by;
    if (by !== 'pings' && by !== 'hub' && by !== 'agent') badProfile(where, 'heartbeat.by', `must be 'pings' (WebSocket pings from the hub), 'hub' (app frames from the hub) or 'agent' (app frames the agent sends), got ${JSON.stringify(by)}`);
    checkFields(where, 'heartbeat', hb, `heartbeat.${by}`);
    const interval = hb.by === 'agent' ? hb.everyMs : hb.intervalMs;
    const field = hb.by === 'agent' ? 'heartbeat.everyMs' : 'heartbeat.intervalMs';
    if ((interval !== undefined || hb.by === 'agent') && !(typeof interval === 'number' && interval >= 10)) badProfile(where, field, `must be a number of ms >= 10, got ${JSON.stringify(interval)}`);
    if (hb.by === 'hub' && hb.match === undefined) badProfile(where, 'heartbeat.match', "is required with by: 'hub': how to recognise the hub's heartbeat frame");
    if (hb.by === 'agent' && hb.send === undefined) badProfile(where, 'heartbeat.send', "is required with by: 'agent': the heartbeat frame the agent sends");
  }
  if (profile.command !== undefined) {
    checkFields(where, 'command', profile.command);
    if (profile.command.match === undefined) badProfile(where, 'command.match', 'is required: how to recognise a command frame, like { "type": "job" }');
    checkPath(where, 'command.id', profile.command.id, true);
    checkPath(where, 'command.name', profile.command.name, false);
    checkPath(where, 'command.payload', profile.command.payload, false);
    if (profile.command.ack === undefined) badProfile(where, 'command.ack', 'is required: the ack frame, or false when the hub takes no acks');
  }
  if (profile.ignore !== undefined && !Array.isArray(profile.ignore)) badProfile(where, 'ignore', `must be a list of matches, got ${JSON.stringify(profile.ignore)}`);
  if (profile.disconnect !== undefined) checkFields(where, 'disconnect', profile.disconnect);
  if (profile.polling) {
    checkRequest(where, 'polling', profile.polling, 'polling');
    const polling = profile.polling;
    if (!profile.command && polling.id === undefined) badProfile(where, 'polling.id', 'is required when the profile has no command rule to take it from');
    for (const key of ['list', 'more', 'id', 'name', 'payload'] as const) checkPath(where, `polling.${key}`, polling[key], false);
    if (polling.ack === undefined) badProfile(where, 'polling.ack', 'is required: how polled commands are acked ({ per, method, path, body }), or false');
    if (polling.ack) {
      checkRequest(where, 'polling.ack', polling.ack, 'polling.ack');
      if (polling.ack.per !== 'batch' && polling.ack.per !== 'command') badProfile(where, 'polling.ack.per', `must be 'batch' (one call acks the poll's commands) or 'command' (one call each), got ${JSON.stringify(polling.ack.per)}`);
    }
  }
  if (profile.issue) {
    checkRequest(where, 'issue', profile.issue, 'issue');
    checkPath(where, 'issue.id', profile.issue.id, true);
    if (!profile.command && !profile.polling) badProfile(where, 'issue', 'is set, but the profile has neither a command rule nor polling: how would an agent receive what the harness issues?');
  }
  if (profile.replaceClose !== undefined) {
    checkFields(where, 'replaceClose', profile.replaceClose);
    const { code, reason } = profile.replaceClose;
    if (!Number.isInteger(code) || code < 1000 || code > 4999) badProfile(where, 'replaceClose.code', `must be a WebSocket close code (1000-4999), got ${JSON.stringify(code)}`);
    if (typeof reason !== 'string') badProfile(where, 'replaceClose.reason', `must be a string (the close reason, "" for none), got ${JSON.stringify(reason)}`);
  }
  if (profile.health) {
    checkFields(where, 'health', profile.health);
    if (typeof profile.health.path !== 'string' || !profile.health.path.startsWith('/')) badProfile(where, 'health.path', `must be an absolute path like "/healthz", got ${JSON.stringify(profile.health.path)}`);
  }
  if (profile.metrics) {
    checkFields(where, 'metrics', profile.metrics);
    checkFields(where, 'metrics.names', profile.metrics.names);
  }
  return profile;
}

/** Compiles a template, saying where it is when it cannot be. */
export function template(where: string, field: string, value: Template, allowed: readonly string[], env: NodeJS.ProcessEnv): Built {
  try {
    return compileTemplate(value, allowed, env);
  } catch (error) {
    if (error instanceof TemplateError) badProfile(where, field, error.message, error.fix);
    throw error;
  }
}

function match(where: string, field: string, value: Match): (frame: unknown) => boolean {
  try {
    return compileMatch(value);
  } catch (error) {
    if (error instanceof TemplateError) badProfile(where, field, error.message, error.fix);
    throw error;
  }
}

/** A frame to send: a string as it is, anything else as JSON. */
function frameText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A frame quoted in a message, cut at 200 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text);
}

/** A request template compiled: values in, a request out; `headers` always carries the socket's. */
function compileRequest(where: string, field: string, request: RequestTemplate, defaultMethod: Method, allowed: readonly string[], env: NodeJS.ProcessEnv, baseHeaders: Readonly<Record<string, string>>) {
  const path = template(where, `${field}.path`, request.path, allowed, env);
  const query = Object.entries(request.query ?? {}).map(([key, t]) => [key, template(where, `${field}.query.${key}`, t, allowed, env)] as const);
  const headers = Object.entries(request.headers ?? {}).map(([key, t]) => [key, template(where, `${field}.headers.${key}`, t, allowed, env)] as const);
  const body = request.body === undefined ? undefined : template(where, `${field}.body`, request.body, allowed, env);
  const method = request.method ?? defaultMethod;
  const base = body ? { ...baseHeaders, 'content-type': 'application/json' } : baseHeaders;
  return (values: Parameters<Built>[0]): WireRequest => {
    // An agent id or a command's id in a path is one segment, encoded; in a query or a body it is the value itself.
    let built = String(path(pathSegments(values)) ?? request.path);
    const params: string[] = [];
    for (const [key, build] of query) {
      const v = build(values);
      if (v !== undefined) params.push(queryParam(key, v));
    }
    if (params.length > 0) built += (built.includes('?') ? '&' : '?') + params.join('&');
    let allHeaders = base;
    if (headers.length > 0) {
      const extra: Record<string, string> = { ...base };
      for (const [key, build] of headers) {
        const v = build(values);
        if (v !== undefined) extra[key] = String(v);
      }
      allHeaders = extra;
    }
    const out: WireRequest = { method, path: built, headers: allHeaders };
    if (body) out.body = body(values);
    return out;
  };
}

/** The values a request path may name, each encoded as one path segment: the agent's id, and the command's id and name (the hub chose those). */
function pathSegments(values: Parameters<Built>[0]): Parameters<Built>[0] {
  const { agent, command } = values;
  if (agent === undefined && command === undefined) return values;
  return {
    ...values,
    ...(agent === undefined ? {} : { agent: encodeURIComponent(agent) }),
    ...(command === undefined ? {} : { command: { ...command, id: encodeURIComponent(command.id), name: encodeURIComponent(command.name) } }),
  };
}

/** One `key=value` of a query string, the value encoded (an object as JSON). */
function queryParam(key: string, value: unknown): string {
  return `${encodeURIComponent(key)}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`;
}

/** Builds the Protocol seam from a checked profile. */
export function compileProtocol(profile: ProtocolProfile, context: CompileContext): Protocol {
  defineProtocol(profile);
  const where = whereOf(profile);
  // Every variable a template reads is noted, so a replay line can say which to set (never their values).
  const envNames = new Set<string>();
  const env = new Proxy(context.env ?? process.env, {
    get: (target, key) => {
      if (typeof key === 'string') envNames.add(key);
      return target[key as string];
    },
  });
  const token = context.token;
  const AT_CONNECT = ['agent', 'token'];

  // The upgrade: headers built once (they may name the token, never the agent).
  const headers: Record<string, string> = {};
  for (const [key, t] of Object.entries(profile.socket.headers ?? {})) {
    const v = template(where, `socket.headers.${key}`, t, ['token'], env)({ token });
    if (v !== undefined) headers[key] = String(v);
  }
  Object.freeze(headers);
  const socketPath = profile.socket.path === undefined ? undefined : template(where, 'socket.path', profile.socket.path, AT_CONNECT, env);
  const socketQuery = Object.entries(profile.socket.query ?? {}).map(([key, t]) => [key, template(where, `socket.query.${key}`, t, AT_CONNECT, env)] as const);
  const origins = new Map<string, string>();
  const origin = (hubUrl: string): string => {
    let o = origins.get(hubUrl);
    if (o === undefined) {
      const url = new URL(hubUrl);
      url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
      o = socketPath ? `${url.protocol}//${url.host}` : url.toString();
      origins.set(hubUrl, o);
    }
    return o;
  };
  const socketUrl = (hubUrl: string, agentId: string): string => {
    let url = origin(hubUrl);
    if (socketPath) url += String(socketPath(pathSegments({ agent: agentId, token })));
    if (socketQuery.length > 0) {
      let sep = url.includes('?') ? '&' : '?';
      for (const [key, build] of socketQuery) {
        const v = build({ agent: agentId, token });
        if (v === undefined) continue;
        url += `${sep}${queryParam(key, v)}`;
        sep = '&';
      }
    }
    return url;
  };

  const parse = profile.parse ?? JSON.parse;
  const opening = (profile.opening ?? []).map((t, i) => template(where, `opening[${i}]`, t, AT_CONNECT, env));
  const AT_FRAME = ['agent', 'token', 'frame'];
  const replies = (profile.replies ?? []).map((r, i) => {
    const sends = (Array.isArray(r.send) ? r.send : [r.send]) as Template[];
    return { match: match(where, `replies[${i}].match`, r.match), send: sends.map((s, j) => template(where, `replies[${i}].send[${j}]`, s, AT_FRAME, env)) };
  });
  const hb = profile.heartbeat ?? { by: 'pings' as const };
  const hubBeat = hb.by === 'hub' ? { match: match(where, 'heartbeat.match', hb.match), reply: hb.reply === undefined ? undefined : template(where, 'heartbeat.reply', hb.reply, AT_FRAME, env) } : undefined;
  const agentBeatAnswer = hb.by === 'agent' && hb.answer !== undefined ? match(where, 'heartbeat.answer', hb.answer) : undefined;
  const agentBeatSend = hb.by === 'agent' ? template(where, 'heartbeat.send', hb.send, ['agent', 'token', 'seq'], env) : undefined;
  const command = profile.command
    ? {
        match: match(where, 'command.match', profile.command.match),
        id: parsePath(profile.command.id),
        name: profile.command.name === undefined ? undefined : parsePath(profile.command.name),
        payload: profile.command.payload === undefined ? undefined : parsePath(profile.command.payload),
        ack: profile.command.ack === false ? undefined : template(where, 'command.ack', profile.command.ack, ['agent', 'token', 'frame', 'command'], env),
      }
    : undefined;
  const ignore = (profile.ignore ?? []).map((m, i) => match(where, `ignore[${i}]`, m));
  const disconnect = profile.disconnect
    ? { match: match(where, 'disconnect.match', profile.disconnect.match), code: profile.disconnect.code ?? 1000, reason: profile.disconnect.reason ?? 'hub ended the session' }
    : undefined;
  const rules = [
    hubBeat && 'heartbeat',
    command && `command ${describeMatch(profile.command!.match)}`,
    ...(profile.replies ?? []).map((r) => `reply ${describeMatch(r.match)}`),
    disconnect && 'disconnect',
    ignore.length > 0 && `${ignore.length} ignore rule(s)`,
  ].filter(Boolean);

  const readCommand = (value: unknown, paths: { id: string[]; name?: string[]; payload?: string[] }): WireCommand | string => {
    const id = readPath(value, paths.id);
    if (!isWireId(id)) return `has no id at ${paths.id.join('.')}`;
    return wireCommand(id, paths.name ? readPath(value, paths.name) : undefined, paths.payload ? readPath(value, paths.payload) : undefined);
  };

  const agent: AgentWire = {
    socketUrl,
    headers,
    subprotocols: Object.freeze([...(profile.socket.subprotocols ?? [])]),
    opening: opening.length === 0 ? () => [] : (agentId) => opening.map((build) => frameText(build({ agent: agentId, token }))),
    read(text: string, agentId: string): HubFrame {
      let frame: unknown;
      try {
        frame = parse(text);
      } catch (error) {
        return { kind: 'unrecognised', why: `${profile.parse ? 'parse' : 'JSON.parse'} failed (${(error as Error).message}) on ${quote(text)}` };
      }
      if (hubBeat?.match(frame)) {
        const reply = hubBeat.reply?.({ agent: agentId, token, frame });
        return reply === undefined ? { kind: 'heartbeat' } : { kind: 'heartbeat', reply: frameText(reply) };
      }
      if (command?.match(frame)) {
        const read = readCommand(frame, command);
        if (typeof read === 'string') return { kind: 'unrecognised', why: `frame ${quote(text)} matched the command rule ${describeMatch(profile.command!.match)} but ${read}` };
        const ack = command.ack?.({ agent: agentId, token, frame, command: asHubSentIt(read) });
        return ack === undefined ? { kind: 'command', command: read } : { kind: 'command', command: read, ack: frameText(ack) };
      }
      if (agentBeatAnswer?.(frame)) return { kind: 'heartbeat' };
      for (const reply of replies) {
        if (reply.match(frame)) return { kind: 'control', reply: reply.send.map((build) => frameText(build({ agent: agentId, token, frame }))) };
      }
      if (disconnect?.match(frame)) return { kind: 'disconnect', code: disconnect.code, reason: disconnect.reason };
      for (const m of ignore) if (m(frame)) return { kind: 'control' };
      return { kind: 'unrecognised', why: `no rule of protocol ${JSON.stringify(profile.name)} recognised the frame ${quote(text)} (rules: ${rules.length > 0 ? rules.join(', ') : 'none'})` };
    },
  };
  if (agentBeatSend && hb.by === 'agent') {
    const everyMs = hb.everyMs;
    (agent as { heartbeat?: AgentWire['heartbeat'] }).heartbeat = { everyMs, frame: (agentId, seq) => frameText(agentBeatSend({ agent: agentId, token, seq })) };
  }
  if (profile.polling) (agent as { polling?: PollWire }).polling = compilePolling(where, profile, env, token, headers);

  const hub: HubApi = {
    metricNames: Object.freeze({ ...(profile.metrics ? profile.metrics.names : {}) }),
    ...(profile.replaceClose ? { replaceClose: { ...profile.replaceClose } } : {}),
    ...(profile.health ? { healthPath: profile.health.path } : {}),
    ...(profile.metrics ? { metricsPath: profile.metrics.path ?? '/metrics' } : {}),
  };
  if (profile.issue) {
    const request = compileRequest(where, 'issue', profile.issue, 'POST', ['agent', 'token', 'name', 'payload'], env, headers);
    const idPath = parsePath(profile.issue.id);
    const issuePath = `${profile.issue.method ?? 'POST'} ${profile.issue.path}`;
    (hub as { issue?: HubApi['issue'] }).issue = {
      request: (agentId, name, payload) => request({ agent: agentId, token, name, payload }),
      read(body) {
        const id = readPath(body, idPath);
        if (isWireId(id)) return { ok: true, id: String(id) };
        const shown = JSON.stringify(body) ?? String(body);
        return { ok: false, why: `the answer to ${issuePath} has no id at ${profile.issue && profile.issue.id}: ${quote(shown)}` };
      },
    };
  }
  return {
    name: profile.name,
    source: context.source,
    envNames: Object.freeze([...envNames].sort()),
    agent,
    hub,
    heartbeatBy: hb.by,
    ...(hb.by === 'agent' ? { heartbeatIntervalMs: hb.everyMs } : hb.intervalMs !== undefined ? { heartbeatIntervalMs: hb.intervalMs } : {}),
  };
}

function compilePolling(where: string, profile: ProtocolProfile, env: NodeJS.ProcessEnv, token: string | undefined, headers: Readonly<Record<string, string>>): PollWire {
  const polling = profile.polling as Exclude<ProtocolProfile['polling'], false | undefined>;
  const request = compileRequest(where, 'polling', polling, 'GET', ['agent', 'token'], env, headers);
  const list = polling.list === undefined ? undefined : parsePath(polling.list);
  const more = polling.more === undefined ? undefined : parsePath(polling.more);
  const pathOr = (own: string | undefined, fallback: string | undefined) => (own ?? fallback) === undefined ? undefined : parsePath((own ?? fallback)!);
  const paths = { id: pathOr(polling.id, profile.command?.id)!, name: pathOr(polling.name, profile.command?.name), payload: pathOr(polling.payload, profile.command?.payload) };
  const ack = polling.ack ? polling.ack : undefined;
  const ackRequest = ack ? compileRequest(where, 'polling.ack', ack, 'POST', ack.per === 'batch' ? ['agent', 'token', 'ids', 'commands'] : ['agent', 'token', 'command'], env, headers) : undefined;
  const listName = polling.list ?? 'the answer itself';
  return {
    request: (agentId) => request({ agent: agentId, token }),
    read(body) {
      const entries = list ? readPath(body, list) : body;
      if (!Array.isArray(entries)) return { ok: false, why: `the poll answer has no list at ${listName}: ${quote(JSON.stringify(body) ?? String(body))}` };
      const commands: WireCommand[] = [];
      for (const entry of entries) {
        const id = readPath(entry, paths.id);
        if (isWireId(id)) commands.push(wireCommand(id, paths.name ? readPath(entry, paths.name) : undefined, paths.payload ? readPath(entry, paths.payload) : undefined));
      }
      return { ok: true, commands, more: more ? readPath(body, more) === true : false };
    },
    acks(agentId, commands) {
      if (!ackRequest || commands.length === 0) return [];
      const seen = commands.map(asHubSentIt);
      if (ack!.per === 'batch') return [{ ids: commands.map((c) => c.id), request: ackRequest({ agent: agentId, token, ids: seen.map((c) => c.id), commands: seen }) }];
      return seen.map((command, i) => ({ ids: [commands[i]!.id], request: ackRequest({ agent: agentId, token, command }) }));
    },
  };
}

function describeMatch(m: Match): string {
  return typeof m === 'function' ? '(a function)' : JSON.stringify(m);
}
