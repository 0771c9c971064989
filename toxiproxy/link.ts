import type { Socket } from 'node:net';
import type { Rng } from '../common/rng.ts';
import type { LinkMetricLabels } from './metrics.ts';
import { createNoopStage } from './toxics/noop.ts';
import { findToxicDefinition } from './toxics/registry.ts';
import type { EndKind, Stage, StageContext, StageOutput, StreamDirection, ToxicSpec } from './toxics/types.ts';

/**
 * Bytes a link may hold inside its toxics before it stops reading its source.
 * Bounds memory when a toxic is slower than the writer; 16 MiB still carries
 * 100 ms of latency at 160 MB/s, so latency does not cap throughput in tests.
 */
const CHAIN_HIGH_WATER_BYTES = 16 * 1024 * 1024;

interface ChainNode {
  spec: ToxicSpec;
  stage: Stage;
  /** Whether the toxicity roll applied the toxic (otherwise `stage` is a noop). */
  active: boolean;
  next: StageOutput;
  /** Set once the node passed an end on, or was removed: later output is dropped. */
  outputEnded: boolean;
  readonly input: StageOutput;
  readonly ctx: StageContext;
}

export interface LinkOptions {
  readonly direction: StreamDirection;
  readonly source: Socket;
  readonly dest: Socket;
  readonly toxics: readonly ToxicSpec[];
  /** This connection and direction's stream; each toxic draws from its own child, named after it. */
  readonly rng: Rng;
  readonly nowMs: () => number;
  /** A toxic drew a delay (see StageContext.traceDelay). */
  readonly onToxicDelay: (toxic: string, delayMs: number) => void;
  readonly metricLabels: LinkMetricLabels;
  /** A toxic ended the whole connection; the connection owns both sockets. */
  readonly onConnectionEnd: (kind: Exclude<EndKind, 'eof'>) => void;
}

/**
 * One direction of one connection: bytes from `source` to `dest`.
 *
 * With no toxics the sockets are piped (Node streams do the copying and the
 * backpressure, no JS per chunk). With toxics, chunks go through a chain of
 * stages. The chain is rebuilt in place when a toxic is added, updated or
 * removed: a stage being replaced hands back what it holds, which is fed to
 * its successor, so no byte is lost or reordered.
 */
export class Link {
  readonly direction: StreamDirection;
  readonly metricLabels: LinkMetricLabels;
  readonly #source: Socket;
  readonly #dest: Socket;
  readonly #rng: Rng;
  readonly #nowMs: () => number;
  readonly #onToxicDelay: LinkOptions['onToxicDelay'];
  readonly #onConnectionEnd: LinkOptions['onConnectionEnd'];
  #nodes: ChainNode[] = [];
  #piping = false;
  #pausedForChain = false;
  #sourceEnded = false;
  /** The destination got its end; nothing more goes to it. */
  #finished = false;
  #stopped = false;

  readonly #sink: StageOutput = {
    push: (chunk) => {
      if (this.#finished || this.#dest.destroyed || this.#dest.writableEnded) return;
      this.#dest.write(chunk.data);
      this.#resumeIfRoom();
    },
    end: (kind) => {
      if (this.#finished) return;
      this.#finished = true;
      if (kind !== 'eof') this.#onConnectionEnd(kind);
      else if (!this.#dest.destroyed && !this.#dest.writableEnded) this.#dest.end();
    },
  };

  constructor(options: LinkOptions) {
    this.direction = options.direction;
    this.metricLabels = options.metricLabels;
    this.#source = options.source;
    this.#dest = options.dest;
    this.#rng = options.rng;
    this.#nowMs = options.nowMs;
    this.#onToxicDelay = options.onToxicDelay;
    this.#onConnectionEnd = options.onConnectionEnd;
    this.#nodes = options.toxics.map((spec) => this.#makeNode(spec));
    this.#rewire();
  }

  start(): void {
    this.#source.on('end', this.#onSourceEnd);
    this.#dest.on('drain', this.#resumeIfRoom);
    if (this.#nodes.length === 0) this.#startPiping();
    else this.#startChain();
  }

  /** Stops every toxic timer and forwards nothing more; the connection closes the sockets. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#finished = true;
    for (const node of this.#nodes) {
      node.outputEnded = true;
      node.stage.interrupt();
    }
    this.#source.off('data', this.#onData);
    this.#source.off('end', this.#onSourceEnd);
    this.#dest.off('drain', this.#resumeIfRoom);
    if (this.#piping) this.#source.unpipe(this.#dest);
  }

  /** New toxics go at the end of the chain, as in real Toxiproxy. */
  addToxic(spec: ToxicSpec): void {
    if (this.#stopped || this.#finished) return;
    this.#nodes.push(this.#makeNode(spec));
    this.#rewire();
    if (this.#piping) this.#startChain();
  }

  /** Re-rolls toxicity (real Toxiproxy does too) and re-runs held data under the new attributes. */
  updateToxic(spec: ToxicSpec): void {
    const node = this.#nodes.find((candidate) => candidate.spec.name === spec.name);
    if (node === undefined || this.#stopped) return;
    const interrupted = node.stage.interrupt();
    const { stage, active } = this.#roll(spec, node.ctx, interrupted.state);
    node.spec = spec;
    node.stage = stage;
    node.active = active;
    for (const chunk of interrupted.held) stage.write(chunk);
    if (interrupted.end !== undefined) stage.end(interrupted.end);
    this.#resumeIfRoom();
  }

  removeToxic(name: string): void {
    const index = this.#nodes.findIndex((candidate) => candidate.spec.name === name);
    if (index < 0 || this.#stopped) return;
    const [node] = this.#nodes.splice(index, 1);
    if (node === undefined) return;
    const interrupted = node.stage.interrupt();
    const after = this.#nodes[index]?.input ?? this.#sink;
    this.#rewire();
    if (!node.outputEnded) {
      node.outputEnded = true;
      for (const chunk of interrupted.held) after.push(chunk);
      const removalEnd = node.active ? findToxicDefinition(node.spec.type)?.endOnRemove : undefined;
      const end = interrupted.end ?? removalEnd;
      if (end !== undefined) after.end(end);
    }
    if (this.#nodes.length === 0 && !this.#piping && !this.#sourceEnded && !this.#stopped) {
      this.#startPiping();
    } else {
      this.#resumeIfRoom();
    }
  }

  /** Bytes read from the source and handed to the destination, for metrics. */
  byteCounts(): { receivedBytes: number; sentBytes: number } {
    return { receivedBytes: this.#source.bytesRead, sentBytes: this.#dest.bytesWritten };
  }

  #makeNode(spec: ToxicSpec): ChainNode {
    // Its own stream per toxic: adding or removing one never shifts another's
    // rolls and draws. Toxicity rolls come from it too.
    const rng = this.#rng.child(`toxic:${spec.name}`);
    const ctx: StageContext = {
      out: {
        push: (chunk) => {
          if (!node.outputEnded) node.next.push(chunk);
        },
        end: (kind) => {
          if (node.outputEnded) return;
          node.outputEnded = true;
          node.next.end(kind);
        },
      },
      random: () => rng.next(),
      traceDelay: (delayMs) => this.#onToxicDelay(spec.name, delayMs),
      nowMs: this.#nowMs,
    };
    const { stage, active } = this.#roll(spec, ctx, undefined);
    const node: ChainNode = {
      spec,
      stage,
      active,
      next: this.#sink,
      outputEnded: false,
      ctx,
      input: {
        push: (chunk) => {
          if (!node.outputEnded) node.stage.write(chunk);
        },
        end: (kind) => {
          if (!node.outputEnded) node.stage.end(kind);
        },
      },
    };
    return node;
  }

  #roll(spec: ToxicSpec, ctx: StageContext, state: unknown): { stage: Stage; active: boolean } {
    const definition = findToxicDefinition(spec.type);
    if (definition !== undefined && ctx.random() < spec.toxicity) {
      return { stage: definition.createStage(spec.attributes, ctx, state), active: true };
    }
    return { stage: createNoopStage(ctx), active: false };
  }

  #rewire(): void {
    this.#nodes.forEach((node, index) => {
      node.next = this.#nodes[index + 1]?.input ?? this.#sink;
    });
  }

  #entry(): StageOutput {
    return this.#nodes[0]?.input ?? this.#sink;
  }

  #startPiping(): void {
    this.#piping = true;
    this.#pausedForChain = false;
    this.#source.off('data', this.#onData);
    this.#source.pipe(this.#dest, { end: false });
  }

  #startChain(): void {
    this.#piping = false;
    // unpipe() leaves the source paused; resume() restarts it and the chain's
    // own backpressure takes over from here.
    this.#source.unpipe(this.#dest);
    this.#source.on('data', this.#onData);
    this.#source.resume();
  }

  #onData = (data: Buffer): void => {
    this.#entry().push({ data, arrivedAtMs: this.#nowMs() });
    if (this.#finished || this.#pausedForChain) return;
    if (this.#dest.writableNeedDrain || this.#heldBytes() > CHAIN_HIGH_WATER_BYTES) {
      this.#pausedForChain = true;
      this.#source.pause();
    }
  };

  #resumeIfRoom = (): void => {
    if (!this.#pausedForChain || this.#piping || this.#stopped) return;
    if (this.#dest.writableNeedDrain || this.#heldBytes() > CHAIN_HIGH_WATER_BYTES / 2) return;
    this.#pausedForChain = false;
    this.#source.resume();
  };

  #onSourceEnd = (): void => {
    this.#sourceEnded = true;
    this.#entry().end('eof');
  };

  #heldBytes(): number {
    let total = 0;
    for (const node of this.#nodes) total += node.stage.heldBytes();
    return total;
  }
}
