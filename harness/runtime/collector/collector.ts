import { Counter, Gauge, Registry } from 'prom-client';
import type { AgentEvent } from '../../../agent/events.ts';
import type { FleetCounts } from '../fleet/fleet.ts';
import type { BatchAck, ClockEstimate, ShardBatch, ShardHello } from '../fleet/shard/wire.ts';

/** What the collector hands the run. */
export interface CollectorSinks {
  /** One agent event, its `t` corrected to the coordinator's clock. */
  sink(event: AgentEvent): void;
  /** A shard's buffer overflowed: `count` more events of `type` never arrived. */
  onEventsLost?(type: string, count: number): void;
  /** A shard the run can no longer trust (reported once per shard). */
  onShardLost?(lost: ShardLoss): void;
}

/** `shard` is 1-based, as reports name shards; `index` is the 0-based JOB_COMPLETION_INDEX. */
export interface ShardLoss {
  index: number;
  shard: number;
  agents: string;
  /** `exit`: its process ended; `lost`: alive or not, its events cannot be trusted. */
  kind: 'exit' | 'lost';
  why: string;
}

export interface CollectorPolicy {
  /** A shard that has said hello and then sends nothing for this long is lost, ms. Default 10_000 (shards send a batch every 200 ms). */
  silenceGraceMs?: number;
  /** A shard whose clock offset is less certain than this is lost: cross-agent checks (spread, recovery) compare its times with others', ms. Default 50. */
  maxClockUncertaintyMs?: number;
}

/** What an HTTP route answers. */
export interface Answer {
  status: number;
  body: unknown;
}

/** One shard's stream as the collector sees it. */
export class ShardStream {
  readonly index: number;
  readonly firstIndex: number;
  readonly count: number;
  instance: string | undefined;
  clock: ClockEstimate | undefined;
  /** The highest sequence number applied; every batch up to it was applied exactly once. */
  lastSeq = 0;
  receivedEvents = 0;
  duplicates = 0;
  counts: FleetCounts;
  lost: Record<string, number> = {};
  started = false;
  final = false;
  lastSeenMs = performance.now();
  loss: ShardLoss | undefined;

  constructor(index: number, firstIndex: number, count: number) {
    this.index = index;
    this.firstIndex = firstIndex;
    this.count = count;
    this.counts = { connected: 0, polling: 0, down: count };
  }

  get agents(): string {
    return `${this.firstIndex + 1}..${this.firstIndex + this.count}`;
  }
}

/**
 * The coordinator's side of the shard transport, apart from HTTP (routes.ts
 * serves it): hellos and batches in, the run's history out. Batches apply in
 * sequence order, once each: a retried batch the collector already holds is
 * acked again and ignored, so a connection that drops between applying a
 * batch and acking it duplicates nothing. Each event's `t` moves by the
 * shard's clock offset. A shard is reported lost, once, when it goes silent,
 * its clock is too uncertain, a second process takes its slice, it stops
 * before the run does, or events go missing on the way.
 */
export class Collector {
  readonly streams: readonly ShardStream[];
  readonly registry: Registry;
  readonly #sinks: CollectorSinks;
  readonly #silenceGraceMs: number;
  readonly #maxUncertaintyMs: number;
  readonly #listeners = new Set<() => void>();
  readonly #metrics: { batches: Counter<'shard'>; duplicates: Counter<'shard'>; events: Counter<'shard'>; offset: Gauge<'shard'>; uncertainty: Gauge<'shard'> };
  #stopping = false;

  constructor(slices: readonly { firstIndex: number; count: number }[], sinks: CollectorSinks, policy: CollectorPolicy = {}, registry = new Registry()) {
    this.streams = slices.map((s, i) => new ShardStream(i, s.firstIndex, s.count));
    this.#sinks = sinks;
    this.#silenceGraceMs = policy.silenceGraceMs ?? 10_000;
    this.#maxUncertaintyMs = policy.maxClockUncertaintyMs ?? 50;
    this.registry = registry;
    const registers = [registry];
    const labelNames = ['shard'] as const;
    this.#metrics = {
      batches: new Counter({ name: 'edge_chaos_collector_batches_total', help: 'Event batches applied, by shard (1-based)', labelNames, registers }),
      duplicates: new Counter({ name: 'edge_chaos_collector_duplicate_batches_total', help: 'Batches received again after they were applied (an ack was lost) and ignored', labelNames, registers }),
      events: new Counter({ name: 'edge_chaos_collector_events_total', help: 'Agent events merged into the history, by shard', labelNames, registers }),
      // Prometheus's base unit is the second; the hello's figures are ms.
      offset: new Gauge({ name: 'edge_chaos_shard_clock_offset_seconds', help: "Coordinator clock minus the shard's, as the shard measured it", labelNames, registers }),
      uncertainty: new Gauge({ name: 'edge_chaos_shard_clock_uncertainty_seconds', help: 'Half the shortest round trip of the clock measurement', labelNames, registers }),
    };
  }

  stream(index: number): ShardStream | undefined {
    return Number.isSafeInteger(index) ? this.streams[index] : undefined;
  }

  /** A request from shard `index` arrived (its body may still be on the way). */
  seen(index: number): void {
    const stream = this.stream(index);
    if (stream) stream.lastSeenMs = performance.now();
  }

  hello(index: number, hello: ShardHello): Answer {
    const stream = this.stream(index)!;
    if (hello.firstIndex !== stream.firstIndex || hello.agents !== stream.count) {
      return { status: 409, body: { error: `shard index ${index} runs agents ${stream.agents}, the hello says ${hello.firstIndex + 1}..${hello.firstIndex + hello.agents}: the shard read another run's config` } };
    }
    if (stream.instance !== undefined && stream.instance !== hello.instance) {
      this.lose(index, 'lost', `a second process (pid ${hello.pid} on ${hello.host}) started for its slice: a restarted pod runs its agents again from the start`);
      return { status: 409, body: { error: `shard index ${index} already has a process; a restarted shard cannot rejoin a run` } };
    }
    if (stream.instance === undefined) {
      stream.instance = hello.instance;
      stream.clock = hello.clock;
      const shard = String(index + 1);
      this.#metrics.offset.set({ shard }, hello.clock.offsetMs / 1_000);
      this.#metrics.uncertainty.set({ shard }, hello.clock.uncertaintyMs / 1_000);
      if (!(hello.clock.uncertaintyMs <= this.#maxUncertaintyMs)) {
        this.lose(index, 'lost', `its clock offset is uncertain by ±${hello.clock.uncertaintyMs} ms (over ${this.#maxUncertaintyMs} ms; round trip ${hello.clock.rttMs} ms): checks across agents cannot compare its times`);
      }
      this.#changed();
    }
    return { status: 200, body: { ack: stream.lastSeq } satisfies BatchAck };
  }

  batch(index: number, batch: ShardBatch): Answer {
    const stream = this.stream(index)!;
    if (stream.instance === undefined) return { status: 409, body: { error: 'say hello first (POST /shards/:index/hello)' } };
    if (batch.seq <= stream.lastSeq) {
      stream.duplicates++;
      this.#metrics.duplicates.inc({ shard: String(index + 1) });
      return { status: 200, body: { ack: stream.lastSeq, duplicate: true } satisfies BatchAck };
    }
    if (batch.seq !== stream.lastSeq + 1) return { status: 409, body: { error: `batch ${batch.seq} after ${stream.lastSeq}: batches go one at a time, in order`, ack: stream.lastSeq } };
    const offsetMs = stream.clock!.offsetMs;
    for (const event of batch.events) this.#sinks.sink({ ...event, t: Math.round((event.t + offsetMs) * 10) / 10 });
    stream.lastSeq = batch.seq;
    stream.receivedEvents += batch.events.length;
    stream.counts = batch.counts;
    for (const [type, total] of Object.entries(batch.lost)) {
      const more = total - (stream.lost[type] ?? 0);
      if (more > 0) this.#sinks.onEventsLost?.(type, more);
      stream.lost[type] = Math.max(total, stream.lost[type] ?? 0);
    }
    const shard = String(index + 1);
    this.#metrics.batches.inc({ shard });
    this.#metrics.events.inc({ shard }, batch.events.length);
    if (batch.sentEvents !== stream.receivedEvents) {
      this.lose(index, 'lost', `${batch.sentEvents - stream.receivedEvents} of its events went missing between it and the collector (sent ${batch.sentEvents}, received ${stream.receivedEvents})`);
    }
    if (batch.started) stream.started = true;
    if (batch.final) {
      stream.final = true;
      if (!this.#stopping) this.lose(index, 'lost', 'it stopped before the run did (SIGTERM from outside the run?)');
    }
    this.#changed();
    return { status: 200, body: { ack: batch.seq } satisfies BatchAck };
  }

  /** Reports shard `index` lost, once; the first report wins. */
  lose(index: number, kind: ShardLoss['kind'], why: string): void {
    const stream = this.streams[index];
    if (!stream || stream.loss) return;
    stream.loss = { index, shard: index + 1, agents: stream.agents, kind, why };
    this.#sinks.onShardLost?.(stream.loss);
    this.#changed();
  }

  /** Finds shards that went silent; `nowMs` is performance.now(). */
  checkSilence(nowMs = performance.now()): void {
    if (this.#stopping) return;
    for (const s of this.streams) {
      if (s.instance !== undefined && !s.final && !s.loss && nowMs - s.lastSeenMs > this.#silenceGraceMs) {
        this.lose(s.index, 'lost', `it stopped streaming for ${Math.round((nowMs - s.lastSeenMs) / 100) / 10} s (grace ${this.#silenceGraceMs / 1_000} s)`);
      }
    }
  }

  /** The run is stopping: shards now stop on its word, and silence is no longer a loss. */
  beginStop(): void {
    this.#stopping = true;
    this.#changed();
  }

  get stopping(): boolean {
    return this.#stopping;
  }

  counts(): FleetCounts {
    const total = { connected: 0, polling: 0, down: 0 };
    for (const { counts } of this.streams) {
      total.connected += counts.connected;
      total.polling += counts.polling;
      total.down += counts.down;
    }
    return total;
  }

  /** Resolves once `condition()` holds (checked after every change), or false after `timeoutMs`. */
  until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        finish(true);
      };
      const finish = (ok: boolean) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(ok);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.#listeners.add(check);
    });
  }

  #changed(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}
