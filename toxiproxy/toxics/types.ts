/**
 * The contract between a link (one direction of one connection) and the
 * toxics it runs. A toxic type is a `ToxicDefinition`; each connection and
 * direction gets its own `Stage` from it, so per-connection state (a
 * bandwidth clock, a byte budget) never leaks between connections.
 */

/** `upstream` = client to server, `downstream` = server to client. */
export type StreamDirection = 'upstream' | 'downstream';

export const STREAM_DIRECTIONS: readonly StreamDirection[] = ['upstream', 'downstream'];

/** Bytes as read from the source, with when they were read (monotonic ms). */
export interface Chunk {
  readonly data: Buffer;
  readonly arrivedAtMs: number;
}

/**
 * How a direction ends.
 * - `eof`: the source half-closed; the destination gets a FIN once data is out.
 * - `close`: a toxic closes the whole connection (after flushing what was sent).
 * - `reset`: a toxic resets the whole connection (TCP RST on both sides).
 */
export type EndKind = 'eof' | 'close' | 'reset';

/** Where a stage sends what it lets through. */
export interface StageOutput {
  push(chunk: Chunk): void;
  end(kind: EndKind): void;
}

export interface StageContext {
  /** The next stage or the destination socket; rewired when the chain changes. */
  readonly out: StageOutput;
  /** Numbers in [0, 1) from this toxic's own seeded stream on this connection and direction. */
  readonly random: () => number;
  /** Reports a delay the toxic drew (latency + jitter), for tests that check a seed replays. */
  readonly traceDelay: (delayMs: number) => void;
  /** Monotonic clock in ms, the same one `Chunk.arrivedAtMs` uses. */
  nowMs(): number;
}

/** What a stage still held when it was stopped, handed on so no byte is lost. */
export interface Interrupted {
  readonly held: readonly Chunk[];
  /** An end the stage received but had not passed on yet. */
  readonly end: EndKind | undefined;
  /** Carried into the replacement stage when the toxic is updated. */
  readonly state: unknown;
}

/** One toxic running on one direction of one connection. */
export interface Stage {
  write(chunk: Chunk): void;
  end(kind: EndKind): void;
  /** Stops every timer and returns what is still held; the stage is dead after. */
  interrupt(): Interrupted;
  /** Bytes waiting inside the stage, for backpressure. */
  heldBytes(): number;
}

/** Integer attributes, every one of the type present (0 when unset). */
export type ToxicAttributes = Readonly<Record<string, number>>;

export interface ToxicDefinition<K extends string = string> {
  readonly type: string;
  readonly attributeNames: readonly K[];
  /** Rejects attribute values the stage cannot run with; returns why. */
  check?(attributes: Readonly<Record<K, number>>): string | undefined;
  createStage(attributes: Readonly<Record<K, number>>, ctx: StageContext, state: unknown): Stage;
  /** How removing the toxic from an open connection ends it, if it does. */
  readonly endOnRemove?: EndKind;
}

/** A toxic as configured on a proxy (what the API shows). */
export interface ToxicSpec {
  readonly name: string;
  readonly type: string;
  readonly stream: StreamDirection;
  /** Chance that the toxic applies to a given connection and direction: 1 or more always, 0 or less never. */
  readonly toxicity: number;
  readonly attributes: ToxicAttributes;
}

export const NOTHING_HELD: Interrupted = { held: [], end: undefined, state: undefined };
