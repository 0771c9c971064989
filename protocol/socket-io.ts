/**
 * Socket.IO 4 (Engine.IO 4, websocket transport only) as a protocol:
 * `defineSocketIoProtocol({...})` in a profile file, or the built-in
 * `--protocol socket.io` (profiles/socket-io.ts). It compiles to the same
 * Protocol seam (wire.ts) a declarative profile does; its HTTP side (polling,
 * issuing, health, metrics, the upgrade's URL and headers) is compiled by
 * define.ts from the same fields, so only the frames are read here.
 *
 * On the wire, each text frame is one Engine.IO packet (a type digit, then
 * data), and an Engine.IO `message` (4) carries one Socket.IO packet:
 *
 *     hub -> agent  0{"sid":..,"pingInterval":..,..}  Engine.IO open
 *     agent -> hub  40{"agentId":"a-1"}                CONNECT to the namespace, auth payload
 *     hub -> agent  40{"sid":..}                       CONNECT ack
 *     hub -> agent  2        agent -> hub  3           ping, pong: in v4 the server pings
 *     hub -> agent  421["command",{"id":..}]           EVENT asking for ack 1
 *     agent -> hub  431[{"id":..}]                     ACK 1
 *     hub -> agent  41 / 44{"message":..}              DISCONNECT / CONNECT_ERROR
 *
 * Every frame means the same whoever reads it, so one Protocol serves a whole
 * fleet with no per-agent state: the CONNECT is the answer to the open packet,
 * a pong the answer to a ping, an ack the answer to its event (the ack id is
 * in the event). Packets are decoded and encoded with Socket.IO's own parsers
 * (engine.io-parser, socket.io-parser); see `decodeSocketIo` for the one
 * thing they keep between frames and how this module avoids it.
 */
import { decodePacket, encodePacket, type Packet as EnginePacket, type PacketType as EnginePacketType } from 'engine.io-parser';
import { Decoder, Encoder, PacketType, type Packet } from 'socket.io-parser';
import { badProfile, checkFields, checkPath, compileProtocol, defineProtocol, quote, template, whereOf, type CompileContext, type ProtocolProfile } from './define.ts';
import { parsePath, readPath, type Built, type Template } from './template.ts';
import v1 from './profiles/v1.ts';
import { asHubSentIt, isWireId, wireCommand, type AgentWire, type HubFrame, type Protocol } from './wire.ts';

/** The closes an agent reports when the hub ends the session inside the socket (RFC 6455's 4000-4999: the application's own). */
export const SOCKET_IO_CLOSE = {
  /** DISCONNECT (`41`): the server disconnected the socket (`socket.disconnect()`); Socket.IO's client calls this "io server disconnect". */
  disconnect: { code: 4000, reason: 'socket.io disconnect: io server disconnect' },
  /** CONNECT_ERROR (`44`): the server refused the namespace (a middleware's error); the reason carries its message. */
  connectError: { code: 4001, reason: 'socket.io connect_error' },
  /** An Engine.IO close packet (`1`). */
  engineClose: { code: 4002, reason: 'engine.io close' },
} as const;

/** Event names Socket.IO reserves: a server cannot emit them, so a command event cannot be one. */
const RESERVED_EVENTS = ['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener'];

type DeclarativeHttp = Pick<ProtocolProfile, 'polling' | 'issue' | 'replaceClose' | 'health' | 'metrics'>;

/** A Socket.IO hub, as `defineSocketIoProtocol` takes it. */
export interface SocketIoProfileInput extends DeclarativeHttp {
  /** Lower-case words joined by "-" or ".": shown in reports and replay lines. */
  name: string;
  /** Set by defineSocketIoProtocol; may be given. */
  kind?: 'socket.io';
  /** Engine.IO's path on the hub (the server's `path` option). Default `/socket.io/`. Placeholders: `{agent}`, `{token}`. */
  path?: string;
  /** More query parameters of the upgrade; `EIO=4&transport=websocket` are always sent. */
  query?: Readonly<Record<string, Template>>;
  /** Headers of the upgrade and of every poll and ack; one naming an unset `{token}` is left out. Default `authorization: Bearer {token}`. Never printed. */
  headers?: Readonly<Record<string, Template>>;
  /** The namespace the agent connects to. Default `/`. */
  namespace?: string;
  /**
   * The CONNECT packet's auth payload (`socket.handshake.auth` on the server): `{agent}`, `{token}`.
   * A key whose value names an unset `{token}` is left out. Default `{ agentId: '{agent}', token: '{token}' }`.
   * `false`: no payload.
   */
  auth?: Template | false;
  /** The event that carries a command. Default `command`. */
  commandEvent?: string;
  /**
   * Where the command's id, name and payload are: field paths in the event's first argument
   * (`job.id`), or in its arguments by position (`args.0`, `args.2.id`). Default `id`, `name`, `payload`.
   */
  command?: { id?: string; name?: string; payload?: string };
  /**
   * How a command is acked. An event that asked for an ack (`socket.emit('command', c, callback)`)
   * always gets one, an ACK packet with `data` as its argument, as a Socket.IO client's callback
   * would; an event that did not gets the `event` emitted with `data`. `'callback'`: acks only
   * through the callback. `false`: never. Default `{ event: 'ack', data: { id: '{command.id}' } }`.
   * `data` may name `{command.id}`, `{command.name}`, `{frame.args.0...}`, `{agent}`, `{token}`.
   */
  ack?: false | 'callback' | { event?: string | false; data?: Template };
  /**
   * Events other than the command: `ignore` (default), as a Socket.IO client with no listener
   * for them does (a hub's status broadcasts, its rooms' chatter); `unrecognised`: each is a frame
   * the profile cannot read, which wire-fit reports (a strict check that commandEvent is right).
   */
  otherEvents?: 'ignore' | 'unrecognised';
  /** The hub's Engine.IO pingInterval when the profile fixes it, ms. Default: the run's --ping-interval (a hub the harness starts is told it in PING_INTERVAL_MS). */
  pingIntervalMs?: number;
  // polling, issue, replaceClose, health, metrics: as in a declarative profile (define.ts). Defaults:
  // polling and issuing on protocol v1's routes (GET /edge/commands, POST /edge/acks, POST
  // /admin/commands); health GET /healthz; no metrics. `false` turns one off.
}

/** A checked Socket.IO profile: the discriminator tells it from a declarative one where a file is loaded. */
export interface SocketIoProfile extends SocketIoProfileInput {
  readonly kind: 'socket.io';
}

const FIELDS = ['name', 'kind', 'path', 'query', 'headers', 'namespace', 'auth', 'commandEvent', 'command', 'ack', 'otherEvents', 'pingIntervalMs', 'polling', 'issue', 'replaceClose', 'health', 'metrics'];

/** Checks a Socket.IO profile where it is written (and again where a file is loaded): every field, "did you mean" for a mistyped one. */
export function defineSocketIoProtocol(input: SocketIoProfileInput): SocketIoProfile {
  const where = whereOf(input);
  checkFields(where, '', input, '', FIELDS);
  if (input.kind !== undefined && input.kind !== 'socket.io') badProfile(where, 'kind', `must be 'socket.io' (or left out), got ${JSON.stringify(input.kind)}`);
  const profile: SocketIoProfile = { ...input, kind: 'socket.io' };
  for (const field of ['path', 'namespace'] as const) {
    const value = profile[field];
    if (value !== undefined && !(typeof value === 'string' && value.startsWith('/'))) badProfile(where, field, `must start with "/", like ${field === 'path' ? '"/socket.io/"' : '"/edge"'}, got ${JSON.stringify(value)}`);
  }
  if (profile.namespace !== undefined && /[,]/.test(profile.namespace)) badProfile(where, 'namespace', `cannot hold a comma (it ends the namespace in a packet), got ${JSON.stringify(profile.namespace)}`);
  const event = profile.commandEvent;
  if (event !== undefined && !(typeof event === 'string' && event !== '' && !RESERVED_EVENTS.includes(event))) {
    badProfile(where, 'commandEvent', `must be an event name a server can emit (not empty, not one of ${RESERVED_EVENTS.join(', ')}), got ${JSON.stringify(event)}`);
  }
  checkFields(where, 'command', profile.command, 'command', ['id', 'name', 'payload']);
  for (const key of ['id', 'name', 'payload'] as const) checkPath(where, `command.${key}`, profile.command?.[key], false);
  const ack = profile.ack;
  if (ack !== undefined && ack !== false && ack !== 'callback') {
    checkFields(where, 'ack', ack, 'ack', ['event', 'data']);
    if (ack.event !== undefined && ack.event !== false && !(typeof ack.event === 'string' && ack.event !== '' && !RESERVED_EVENTS.includes(ack.event))) {
      badProfile(where, 'ack.event', `must be an event name (not one of ${RESERVED_EVENTS.join(', ')}), or false to ack only through the callback, got ${JSON.stringify(ack.event)}`);
    }
  }
  if (profile.otherEvents !== undefined && profile.otherEvents !== 'ignore' && profile.otherEvents !== 'unrecognised') {
    badProfile(where, 'otherEvents', `must be 'ignore' or 'unrecognised', got ${JSON.stringify(profile.otherEvents)}`);
  }
  if (profile.pingIntervalMs !== undefined && !(typeof profile.pingIntervalMs === 'number' && profile.pingIntervalMs >= 10)) {
    badProfile(where, 'pingIntervalMs', `must be a number of ms >= 10, got ${JSON.stringify(profile.pingIntervalMs)}`);
  }
  for (const part of ['query', 'headers'] as const) {
    const value = profile[part];
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) badProfile(where, part, `must be an object of names and templates, got ${JSON.stringify(value)}`);
  }
  // The name and the HTTP side are a declarative profile's, checked as such; templates are compiled where the profile is loaded.
  defineProtocol(declarativeOf(profile));
  return profile;
}

/** True for a default export made by defineSocketIoProtocol (or written with `kind: 'socket.io'`). */
export function isSocketIoProfile(profile: unknown): profile is SocketIoProfile {
  return typeof profile === 'object' && profile !== null && (profile as { kind?: unknown }).kind === 'socket.io';
}

/** As protocol v1's: the token, when the run has one, on the upgrade and on every poll and ack. */
const DEFAULT_HEADERS = { authorization: 'Bearer {token}' };

/** Protocol v1's poll answer is `{ commands: [{ id, name, payload }] }` whatever the socket's events look like. */
const V1_POLLING = v1.polling ? { ...v1.polling, id: 'id', name: 'name', payload: 'payload' } : false;

/** One engine.io-parser packet to text. Its Node build calls back at once for text (only a browser's Blob takes a turn), so this is synchronous. */
function engineText(type: EnginePacketType, data?: string): string {
  let text: string | undefined;
  encodePacket(data === undefined ? { type } : { type, data }, false, (encoded) => (text = encoded as string));
  if (text === undefined) throw new Error(`engine.io-parser did not encode a ${type} packet at once`);
  return text;
}

const encoder = new Encoder();

/** One Socket.IO packet inside an Engine.IO message; undefined when it would carry binary (the agent sends text frames only). */
function socketIoText(packet: Packet): string | undefined {
  const parts = encoder.encode(packet);
  return parts.length === 1 && typeof parts[0] === 'string' ? engineText('message', parts[0]) : undefined;
}

const decoder = new Decoder();
let decoded: Packet | undefined;
decoder.on('decoded', (packet: Packet) => (decoded = packet));

/**
 * A Socket.IO packet from an Engine.IO message's text. The one Decoder a
 * process has is shared: it is synchronous ('decoded' fires inside add), and
 * the only state it keeps between calls is a binary packet being put back
 * together from the binary frames that follow it, which the agent never reads
 * (it reads text frames only). So BINARY_EVENT and BINARY_ACK are refused
 * before the decoder sees them, and no agent's frame can leave it waiting.
 */
export function decodeSocketIo(text: string): Packet | string {
  const type = text.charCodeAt(0) - 48;
  if (type === PacketType.BINARY_EVENT || type === PacketType.BINARY_ACK) return 'a binary packet (its attachments come in binary frames, which the agent does not read)';
  decoded = undefined;
  try {
    decoder.add(text);
  } catch (error) {
    return `socket.io-parser: ${(error as Error).message}`;
  }
  const packet = decoded;
  decoded = undefined;
  return packet ?? 'socket.io-parser decoded nothing';
}

// Frames that mean the same for every agent, shared (the agent only reads them).
const PING = engineText('ping');
const CONTROL: HubFrame = Object.freeze({ kind: 'control' });
const SERVER_DISCONNECT: HubFrame = Object.freeze({ kind: 'disconnect', ...SOCKET_IO_CLOSE.disconnect });
const ENGINE_CLOSE: HubFrame = Object.freeze({ kind: 'disconnect', ...SOCKET_IO_CLOSE.engineClose });

/** WebSocket close reasons are at most 123 bytes (RFC 6455 5.5: a control frame's payload is 125). */
function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text.slice(0, 122);
  while (Buffer.byteLength(`${cut}…`) > 123) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** `args.N...`: a path into the event's arguments by position, which only an event has. */
const isPositional = (path: string) => /^args\.\d+(\.|$)/.test(path);

/** A path into the event: `args.N...` by position, anything else into the first argument. As [argument index, path inside it]. */
function eventPath(path: string): [number, string[]] {
  const parts = parsePath(path);
  return isPositional(path) ? [Number(parts[1]), parts.slice(2)] : [0, parts];
}

/** What ack templates see as `{frame...}`: the event, its arguments, its ack id, its namespace. */
export interface SocketIoEventFrame {
  event: string;
  args: unknown[];
  id?: number;
  nsp: string;
}

function commandPaths(profile: SocketIoProfileInput) {
  return { id: profile.command?.id ?? 'id', name: profile.command?.name ?? 'name', payload: profile.command?.payload ?? 'payload' };
}

/**
 * The declarative profile of a Socket.IO hub's HTTP side, the upgrade's URL and its headers, which
 * define.ts checks and compiles. Its command rule never matches (the Socket.IO reader reads every
 * frame); it is there for the poll entries' default paths, which are the command's as in a declarative
 * profile, except that `args.N` paths are the event's only.
 */
function declarativeOf(profile: SocketIoProfile): ProtocolProfile {
  const where = whereOf(profile);
  const paths = commandPaths(profile);
  const polling = profile.polling === undefined ? V1_POLLING : profile.polling;
  if (polling && polling.id === undefined && isPositional(paths.id)) {
    badProfile(where, 'polling.id', `is required: command.id (${JSON.stringify(paths.id)}) reads the event's arguments, which a poll answer has not`);
  }
  const own = (path: string, fallback: string) => (isPositional(path) ? fallback : path);
  return {
    name: profile.name,
    socket: { path: profile.path ?? '/socket.io/', query: { EIO: '4', transport: 'websocket', ...profile.query }, headers: profile.headers ?? DEFAULT_HEADERS },
    command: { match: () => false, id: own(paths.id, 'id'), name: own(paths.name, 'name'), payload: own(paths.payload, 'payload'), ack: false },
    polling,
    issue: profile.issue === undefined ? v1.issue : profile.issue,
    health: profile.health === undefined ? { path: '/healthz' } : profile.health,
    ...(profile.replaceClose !== undefined ? { replaceClose: profile.replaceClose } : {}),
    ...(profile.metrics !== undefined ? { metrics: profile.metrics } : {}),
  };
}

/** Builds the Protocol seam from a Socket.IO profile. */
export function compileSocketIoProtocol(input: SocketIoProfile, context: CompileContext): Protocol {
  const profile = defineSocketIoProtocol(input);
  const where = whereOf(profile);
  const env = context.env ?? process.env;
  const token = context.token;
  const namespace = profile.namespace ?? '/';
  const commandEvent = profile.commandEvent ?? 'command';
  const paths = commandPaths(profile);
  const headers = profile.headers ?? DEFAULT_HEADERS;
  // Checked here so an error names the field as this profile spells it (define.ts would say socket.query...).
  for (const [key, t] of Object.entries(profile.query ?? {})) template(where, `query.${key}`, t, ['agent', 'token'], env);
  for (const [key, t] of Object.entries(headers)) template(where, `headers.${key}`, t, ['token'], env);
  if (profile.path !== undefined) template(where, 'path', profile.path, ['agent', 'token'], env);

  const base = compileProtocol(declarativeOf(profile), context);

  const auth = compileAuth(where, profile.auth, env);
  const idAt = eventPath(paths.id);
  const nameAt = eventPath(paths.name);
  const payloadAt = eventPath(paths.payload);
  const ackSpec = profile.ack ?? {};
  const ackData: Built | undefined =
    ackSpec === false ? undefined : template(where, 'ack.data', ackSpec === 'callback' || ackSpec.data === undefined ? { id: '{command.id}' } : ackSpec.data, ['agent', 'token', 'frame', 'command'], env);
  const ackEvent = ackSpec === false || ackSpec === 'callback' ? undefined : ackSpec.event === undefined ? 'ack' : ackSpec.event || undefined;
  const strict = profile.otherEvents === 'unrecognised';
  const pong = engineText('pong');
  const HEARTBEAT: HubFrame = Object.freeze({ kind: 'heartbeat', reply: pong });
  const none: readonly string[] = Object.freeze([]);
  const named = `protocol ${JSON.stringify(profile.name)}`;

  const readArg = (args: readonly unknown[], [index, path]: [number, string[]]) => (path.length === 0 ? args[index + 1] : readPath(args[index + 1], path));

  /** An event: `data` is [name, ...args] as the parser gives it. */
  const readEvent = (packet: Packet, text: string, agentId: string): HubFrame => {
    const data = packet.data as unknown[];
    if (data[0] !== commandEvent) {
      return strict ? { kind: 'unrecognised', why: `${named} reads only the ${JSON.stringify(commandEvent)} event; the hub sent ${JSON.stringify(data[0])}: ${quote(text)}` } : CONTROL;
    }
    const id = readArg(data, idAt);
    if (!isWireId(id)) {
      return { kind: 'unrecognised', why: `the ${JSON.stringify(commandEvent)} event ${quote(text)} has no id at ${paths.id} (${named})` };
    }
    const command = wireCommand(id, readArg(data, nameAt), readArg(data, payloadAt));
    if (!ackData || (packet.id === undefined && !ackEvent)) return { kind: 'command', command };
    const frame: SocketIoEventFrame = { event: commandEvent, args: data.slice(1), nsp: packet.nsp, ...(packet.id === undefined ? {} : { id: packet.id }) };
    const value = ackData({ agent: agentId, token, frame, command: asHubSentIt(command) });
    const args = value === undefined ? [] : [value];
    const ack =
      packet.id !== undefined
        ? socketIoText({ type: PacketType.ACK, nsp: packet.nsp, id: packet.id, data: args })
        : socketIoText({ type: PacketType.EVENT, nsp: packet.nsp, data: [ackEvent, ...args] });
    if (ack === undefined) return { kind: 'unrecognised', why: `${named} built an ack holding binary data for ${quote(text)}; ack.data must be JSON` };
    return { kind: 'command', command, ack };
  };

  const readMessage = (text: string, socketIo: string, agentId: string): HubFrame => {
    const packet = decodeSocketIo(socketIo);
    if (typeof packet === 'string') return { kind: 'unrecognised', why: `${quote(text)} is not a Socket.IO packet ${named} can read: ${packet}` };
    // A namespace this agent never joined: nothing of its own (Socket.IO's client drops these too).
    if (packet.nsp !== namespace) return CONTROL;
    switch (packet.type) {
      case PacketType.EVENT:
        return readEvent(packet, text, agentId);
      case PacketType.CONNECT:
      case PacketType.ACK:
        // The namespace's welcome; an ack of something the agent emitted (it asks for none).
        return CONTROL;
      case PacketType.DISCONNECT:
        return SERVER_DISCONNECT;
      case PacketType.CONNECT_ERROR: {
        const data = packet.data as unknown;
        const message = typeof data === 'string' ? data : typeof (data as { message?: unknown })?.message === 'string' ? (data as { message: string }).message : JSON.stringify(data);
        return { kind: 'disconnect', code: SOCKET_IO_CLOSE.connectError.code, reason: closeReason(`${SOCKET_IO_CLOSE.connectError.reason}: ${message}`), refused: true };
      }
      default:
        return { kind: 'unrecognised', why: `${quote(text)}: Socket.IO packet type ${packet.type} (${named})` };
    }
  };

  const agent: AgentWire = {
    ...base.agent,
    // The CONNECT waits for the open packet, as Socket.IO's client does.
    opening: () => none,
    read(text: string, agentId: string): HubFrame {
      // The hottest frame (every agent, every pingInterval) is engine.io-parser's encoding of a ping, the one character "2": answered without decoding or allocating.
      if (text === PING) return HEARTBEAT;
      let packet: EnginePacket;
      try {
        packet = decodePacket(text);
      } catch (error) {
        return { kind: 'unrecognised', why: `engine.io-parser: ${(error as Error).message} on ${quote(text)} (${named})` };
      }
      switch (packet.type) {
        case 'ping':
          // `2probe` is only sent while upgrading from polling, which this agent never does; answered in kind all the same.
          return { kind: 'heartbeat', reply: packet.data === undefined ? pong : engineText('pong', String(packet.data)) };
        case 'message':
          if (typeof packet.data !== 'string') return { kind: 'unrecognised', why: `${quote(text)} is a base64 binary message, which ${named} does not read` };
          return readMessage(text, packet.data, agentId);
        case 'open': {
          const handshake = parseJson(packet.data);
          if (typeof (handshake as { sid?: unknown })?.sid !== 'string') return { kind: 'unrecognised', why: `${quote(text)} is an Engine.IO open packet without a sid (${named})` };
          const connect = socketIoText({ type: PacketType.CONNECT, nsp: namespace, ...(auth ? { data: auth({ agent: agentId, token }) } : {}) });
          return connect === undefined ? { kind: 'unrecognised', why: `${named}: the auth payload holds binary data; it must be JSON` } : { kind: 'control', reply: [connect] };
        }
        case 'close':
          return ENGINE_CLOSE;
        case 'pong':
        case 'noop':
        case 'upgrade':
          return CONTROL;
        default:
          return { kind: 'unrecognised', why: `${quote(text)} is not an Engine.IO 4 packet (${named})` };
      }
    },
  };
  return {
    name: profile.name,
    source: context.source,
    agent,
    hub: base.hub,
    // Engine.IO pings are frames, not WebSocket pings.
    heartbeatBy: 'hub',
    ...(profile.pingIntervalMs !== undefined ? { heartbeatIntervalMs: profile.pingIntervalMs } : {}),
  };
}

/** The auth payload; an object's keys are built one by one, so a key naming an unset `{token}` is left out rather than the whole payload. */
function compileAuth(where: string, auth: Template | false | undefined, env: NodeJS.ProcessEnv): Built | undefined {
  if (auth === false) return undefined;
  const spec = auth ?? { agentId: '{agent}', token: '{token}' };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    const build = template(where, 'auth', spec, ['agent', 'token'], env);
    return (values) => build(values) ?? {};
  }
  const entries = Object.entries(spec as Record<string, Template>).map(([key, t]) => [key, template(where, `auth.${key}`, t, ['agent', 'token'], env)] as const);
  return (values) => {
    const out: Record<string, unknown> = {};
    for (const [key, build] of entries) {
      const v = build(values);
      if (v !== undefined) out[key] = v;
    }
    return out;
  };
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
