import { fileURLToPath } from 'node:url';

/**
 * The clients the bench measures, one record: which hub each runs against,
 * what its Fleet speaks, and the words the report says about it. A holder
 * side is one process holding N connections (holder/main.ts); a protocol
 * choice is what `--protocols` names, one or more holder sides.
 */

/** The acme hub's key (x-acme-key): the hub is started with it and the JSON profile reads it. Nothing to keep secret on loopback. */
export const ACME_KEY = 'edge-chaos-bench';

/** The custom JSON profile: a team's own wire, described with defineProtocol. */
export const ACME_PROFILE = fileURLToPath(new URL('../examples/protocols/acme-hub/acme.protocol.ts', import.meta.url));

/** The hubs a side runs against; hub-child.ts knows how to start each. */
export type BenchHubKind = 'reference' | 'acme' | 'socketio';

/** How a Fleet side's agents are told the hub's wire. */
export interface FleetProtocol {
  /** A built-in protocol's name or a profile file, as --protocol takes it; undefined: the Fleet's default, v1. */
  spec?: string;
  /** Environment the profile's `{env.NAME}` templates read. */
  env?: Readonly<Record<string, string>>;
  /**
   * True for the hub's frame that completes the session on this wire: the
   * connection counts as open when it arrives, not at the WebSocket open,
   * so the connect rate includes the protocol's own handshake. Undefined:
   * the WebSocket open is the session (v1).
   */
  sessionFrame?: (text: string) => boolean;
}

export interface SideSpec {
  /** The column heading. */
  name: string;
  /** The short name ratios use ("JSON / v1"). */
  short: string;
  hub: BenchHubKind;
  /** Undefined: not a Fleet (bare ws). */
  fleet?: FleetProtocol;
  /** One sentence for docs/benchmarks.md: what this side measures. */
  measures: string;
}

export const SIDES = {
  fleet: {
    name: 'Fleet v1 (EdgeAgent)',
    short: 'v1',
    hub: 'reference',
    fleet: {},
    measures:
      '`harness/runtime/fleet/fleet.ts` with N `EdgeAgent`s on protocol v1 (the Fleet\'s default, through the protocol seam), as the harness builds it (the event sink only counts), against the reference hub; a connection is open at the WebSocket open, and connected agents do not poll.',
  },
  bare: {
    name: 'bare ws',
    short: 'bare',
    hub: 'reference',
    measures:
      'one `ws` client per connection and nothing else, same URL and options as the v1 Fleet (`perMessageDeflate: false`), against the reference hub; a failed handshake is retried after 1 s: the floor the v1 Fleet is compared with.',
  },
  json: {
    name: 'Fleet, custom JSON (acme)',
    short: 'JSON',
    hub: 'acme',
    fleet: {
      spec: ACME_PROFILE,
      env: { ACME_KEY },
      // The welcome ({"type":"welcome","session":S}), which the agent answers with its hello at once; no other frame
      // of this wire says "welcome" while the fleet sits idle (pings come every 60 s, jobs never).
      sessionFrame: (text) => text.includes('"welcome"'),
    },
    measures:
      'the same Fleet on a team\'s own JSON wire, `examples/protocols/acme-hub/acme.protocol.ts` (`defineProtocol`: key header, welcome answered by a hello, app-level pings), against the acme hub in Python (`examples/protocols/acme-hub/hub.py`); a connection is open when its welcome arrives and the agent has sent its hello.',
  },
  socketio: {
    name: 'Fleet, Socket.IO',
    short: 'Socket.IO',
    hub: 'socketio',
    fleet: {
      spec: 'socket.io',
      // Engine.IO message (4) holding Socket.IO's CONNECT (0) for namespace /: the hub's CONNECT ack. The hub sends
      // it only in answer to the agent's CONNECT, after the Engine.IO open packet.
      sessionFrame: (text) => text.startsWith('40'),
    },
    measures:
      'the same Fleet on the built-in `socket.io` protocol (Engine.IO 4 over the websocket transport, with the CONNECT\'s auth payload), against the zoo\'s Socket.IO hub on the `socket.io` package (`harness/runtime/hubs/zoo/socketio-hub.mjs`); a connection is open when the hub\'s CONNECT ack arrives.',
  },
} as const satisfies Record<string, SideSpec>;

export type HolderSide = keyof typeof SIDES;

/** Every holder side, in the order a round takes them. */
export const HOLDER_SIDES = Object.keys(SIDES) as HolderSide[];

/**
 * What --protocols chooses from. v1 brings bare ws with it: bare is v1's
 * floor, and the Fleet / bare ratio is v1's.
 */
export const PROTOCOL_CHOICES = {
  v1: ['fleet', 'bare'],
  json: ['json'],
  'socket.io': ['socketio'],
} as const satisfies Record<string, readonly HolderSide[]>;

export type ProtocolChoice = keyof typeof PROTOCOL_CHOICES;

export const ALL_PROTOCOLS = Object.keys(PROTOCOL_CHOICES) as ProtocolChoice[];

/** The holder sides of some protocol choices, in the order of HOLDER_SIDES. */
export function sidesOf(protocols: readonly ProtocolChoice[]): HolderSide[] {
  const chosen = new Set<HolderSide>(protocols.flatMap((p) => PROTOCOL_CHOICES[p]));
  return HOLDER_SIDES.filter((side) => chosen.has(side));
}

/** The Fleet sides on a protocol other than v1: each compared with the v1 Fleet. */
export const OTHER_PROTOCOL_SIDES = ['json', 'socketio'] as const satisfies readonly HolderSide[];

/** The acceptance's bound on a Socket.IO fleet's RSS per agent, as a multiple of the v1 fleet's. */
export const SOCKET_IO_RSS_BOUND = 1.5;
