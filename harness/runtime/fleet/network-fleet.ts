import { randomBytes } from 'node:crypto';
import type { FleetCounts } from './fleet.ts';
import { shardSlice, TRANSPORT_DEFAULTS, usableShards } from './shard/config.ts';
import { HarnessError } from '../../errors.ts';
import type { Collector, ShardLoss } from '../collector/collector.ts';
import { startCollector, type StartedCollector } from '../collector/server.ts';
import { shardEnvs, shardPlan, type LaunchedShards } from './launchers/launcher.ts';
import type { FleetHandle, FleetSpec, NetworkFleetOptions } from './spec.ts';

/** After the launcher stopped the shards, the longest wait for last batches still on their way, ms. */
const FINAL_WAIT_MS = 10_000;
const DEFAULT_START_TIMEOUT_MS = 60_000;

/**
 * The fleet as network shards: a collector for their streams, one plan and
 * one environment per shard, a launcher that runs them wherever it runs
 * them. Their events reach the run's sink through the collector; a shard
 * that dies, goes silent or cannot be trusted is reported to the run
 * (shards-alive) rather than mistaken for agents the hub lost.
 */
export class NetworkFleet implements FleetHandle {
  readonly ids: readonly string[];
  readonly shards: number;
  readonly #spec: FleetSpec;
  readonly #options: NetworkFleetOptions;
  #collector: StartedCollector | undefined;
  #launched: LaunchedShards | undefined;
  /** The launcher's start() while under way: stop() waits for it, so shards started late are stopped too. */
  #launching: Promise<LaunchedShards> | undefined;
  readonly #abort = new AbortController();
  #running = false;
  /** Losses before every shard had started, reported once start() succeeds. */
  readonly #early: ShardLoss[] = [];
  #stopping: Promise<void> | undefined;

  constructor(spec: FleetSpec, options: NetworkFleetOptions, ids: string[]) {
    this.#spec = spec;
    this.#options = options;
    this.ids = ids;
    this.shards = usableShards(spec.agents, Math.max(1, spec.shards));
  }

  /** The collector, once started: its streams say what each shard sent (sequence numbers, duplicates, clock). */
  get collector(): Collector | undefined {
    return this.#collector?.collector;
  }

  async start(): Promise<void> {
    const spec = this.#spec;
    const { launcher } = this.#options;
    const slices = Array.from({ length: this.shards }, (_, i) => shardSlice(spec.agents, this.shards, i));
    const token = randomBytes(24).toString('base64url');
    this.#collector = await startCollector({
      token,
      slices,
      host: launcher.collectorHost,
      port: launcher.collectorPort,
      shardRequestTimeoutMs: this.#options.transport?.requestTimeoutMs ?? TRANSPORT_DEFAULTS.requestTimeoutMs,
      registry: this.#options.registry,
      ...this.#options.policy,
      dropConnection: this.#options.dropConnection,
      sink: spec.sink,
      onEventsLost: spec.onEventsLost,
      onShardLost: (loss) => this.#report(loss),
    });
    // Stopped while the collector started: stop() found nothing to stop, so nothing more may start.
    if (this.#abort.signal.aborted) return this.#collector.stop();
    const { collector } = this.#collector;
    const collectorUrl = launcher.collectorUrl?.(this.#collector.port) ?? this.#collector.url;
    this.#options.onCollector?.(collectorUrl);
    const planned = shardPlan(spec, this.shards, this.#options.transport);
    const plan = launcher.adaptPlan?.(planned) ?? planned;
    this.#launching = launcher.start(shardEnvs(plan, collectorUrl, token), { onExit: (index, how) => collector.lose(index, 'exit', how), signal: this.#abort.signal });
    this.#launched = await this.#launching;
    const timeoutMs = launcher.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const streams = collector.streams;
    // Ends early when the run stops first (an interrupt during the ramp): no timer outlives the run.
    await collector.until(() => streams.every((s) => s.started) || streams.some((s) => s.loss?.kind === 'exit') || collector.stopping, timeoutMs);
    if (collector.stopping) return;
    const failed = streams.find((s) => s.loss?.kind === 'exit') ?? streams.find((s) => !s.started);
    if (failed) {
      const why = failed.loss ? (failed.loss.kind === 'exit' ? `exited (${failed.loss.why})` : `was lost: ${failed.loss.why}`) : failed.instance ? `did not start its agents within ${timeoutMs / 1_000} s` : `never reached the collector within ${timeoutMs / 1_000} s`;
      const logs = this.#launched?.logTail?.(failed.index).trim();
      throw new HarnessError(
        'EC_FLEET_SHARD',
        `fleet shard ${failed.index + 1} (agents ${failed.agents}, ${launcher.name}) ${why} before its agents started${logs ? `; its last output: ${logs}` : ''}`,
        `run with --fleet-runner local to see the error in this process, or check that the shards can reach the collector at ${collectorUrl}`,
      );
    }
    // A shard that runs but cannot be trusted (an unsure clock, a second process) makes the run invalid, with a report, rather than failing it here.
    this.#running = true;
    for (const loss of this.#early.splice(0)) this.#report(loss);
  }

  shardPids(): (number | undefined)[] {
    return this.#launched?.pids?.() ?? [];
  }

  counts(): FleetCounts {
    return this.#collector?.collector.counts() ?? { connected: 0, polling: 0, down: this.#spec.agents };
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#abort.abort();
      const started = this.#collector;
      if (!started) return;
      const { collector } = started;
      collector.beginStop();
      try {
        // A start() still under way (containers starting, pods scheduling) stops what it started, or hands it over to be stopped.
        const launched = this.#launched ?? (await this.#launching?.catch(() => undefined));
        await launched?.stop();
        // A launcher whose stop does not wait for the shards (a deleted Job) leaves last batches on their way.
        const done = () => collector.streams.every((s) => s.final || s.loss || s.instance === undefined);
        await collector.until(done, FINAL_WAIT_MS);
        for (const s of collector.streams) if (s.instance !== undefined && !s.final && !s.loss) collector.lose(s.index, 'lost', 'its last events never arrived: no final batch after the run stopped it');
      } finally {
        await started.stop();
      }
    })();
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** A shard that exits during start-up fails start() itself; every other loss is the run's to judge. */
  #report(loss: ShardLoss): void {
    if (!this.#running) {
      this.#early.push(loss);
      return;
    }
    const { shard, agents, why } = loss;
    if (loss.kind === 'exit') this.#spec.onShardExit?.({ shard, agents, how: why });
    else this.#spec.onShardLost?.({ shard, agents, why });
  }
}
