import { fork, type ChildProcess } from 'node:child_process';
import type { FleetCounts } from './fleet.ts';
import { buildFleet, sharedConfig, shardSlice, type ShardConfig } from './shard/config.ts';
import type { ParentMessage, ShardMessage } from './shard/messages.ts';
import { nodeEntry } from '../../../common/layout.ts';
import { HarnessError } from '../../errors.ts';
import { builtInProtocol } from '../../../protocol/registry.ts';
import { NetworkFleet } from './network-fleet.ts';
import type { FleetHandle, FleetSpec } from './spec.ts';

/** createFleet's argument and result, for its callers. */
export type { FleetHandle, FleetSpec } from './spec.ts';

/** Agents per shard above which a single process would crowd its 20,000 open files (sockets, polls, timers). */
export const AGENTS_PER_SHARD = 5_000;

/** How many shard processes a fleet of this size gets by default: none below 2,000 agents. */
export function defaultShards(agents: number): number {
  return agents <= 2_000 ? 0 : Math.max(2, Math.ceil(agents / AGENTS_PER_SHARD));
}

export function createFleet(spec: FleetSpec): FleetHandle {
  const ids = Array.from({ length: spec.agents }, (_, i) => `${spec.idPrefix}${i + 1}`);
  if (spec.network) return new NetworkFleet(spec, spec.network, ids);
  if (spec.shards <= 0) {
    const fleet = buildFleet(sliceConfig(spec, 0, spec.agents), spec.wire ?? builtInProtocol(spec.protocol, { token: spec.token }), spec.clock, spec.sink);
    const stop = () => fleet.stop();
    return { ids, shards: 0, start: () => fleet.start(), counts: () => fleet.counts(), stop, [Symbol.asyncDispose]: stop };
  }
  return new ShardedFleet(spec, ids);
}

/** The config for agents [firstIndex, firstIndex + count) of the fleet. */
function sliceConfig(spec: FleetSpec, firstIndex: number, count: number): ShardConfig {
  return { ...sharedConfig(spec), firstIndex, hubUrls: Array.from({ length: count }, (_, i) => spec.hubUrlFor(firstIndex + i)) };
}

/** shard/main as this process runs: its .ts through tsx from sources, its .js from dist. */
const SHARD_MAIN = nodeEntry('./shard/main.ts', import.meta.url);

/** The fleet spread over child processes; their events flow back into the run's one history. */
class ShardedFleet implements FleetHandle {
  readonly ids: readonly string[];
  readonly shards: number;
  readonly #spec: FleetSpec;
  readonly #children: { proc: ChildProcess; counts: FleetCounts; lost: Record<string, number>; exited: Promise<void> }[] = [];
  #stopping: Promise<void> | undefined;

  constructor(spec: FleetSpec, ids: string[]) {
    this.#spec = spec;
    this.ids = ids;
    this.shards = Math.min(spec.shards, spec.agents);
  }

  async start(): Promise<void> {
    const { agents } = this.#spec;
    const started: Promise<void>[] = [];
    for (let s = 0; s < this.shards; s++) {
      const { firstIndex, count } = shardSlice(agents, this.shards, s);
      if (count <= 0) break;
      started.push(this.#startShard(s, firstIndex, count));
    }
    await Promise.all(started);
  }

  #startShard(shard: number, firstIndex: number, count: number): Promise<void> {
    const spec = this.#spec;
    const proc = fork(SHARD_MAIN.file, [], { execArgv: SHARD_MAIN.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const entry = { proc, counts: { connected: 0, polling: 0, down: count }, lost: {} as Record<string, number>, exited };
    this.#children.push(entry);
    const config = sliceConfig(spec, firstIndex, count);
    return new Promise<void>((resolve, reject) => {
      const fail = (why: string) => reject(new HarnessError('EC_FLEET_SHARD', `fleet shard ${shard + 1} (agents ${firstIndex + 1}..${firstIndex + count}) ${why}`, 'run with fewer agents or --fleet-shards 0 to see the error in this process'));
      proc.on('message', (message: ShardMessage) => {
        if (message.type === 'events') {
          for (const event of message.events) spec.sink(event);
          entry.counts = message.counts;
          for (const [type, total] of Object.entries(message.lost)) {
            spec.onEventsLost?.(type, total - (entry.lost[type] ?? 0));
            entry.lost[type] = total;
          }
        } else if (message.type === 'started') resolve();
        else if (message.type === 'error') fail(`failed: ${message.message}`);
      });
      proc.once('exit', (code, signal) => {
        const how = signal ?? `code ${code}`;
        fail(`exited (${how}) before its agents started`);
        // After start (a settled promise ignores the fail above): the run is still going and these agents went silent.
        if (this.#stopping === undefined) spec.onShardExit?.({ shard: shard + 1, agents: `${firstIndex + 1}..${firstIndex + count}`, how });
      });
      proc.send({ type: 'start', config } satisfies ParentMessage);
    });
  }

  shardPids(): (number | undefined)[] {
    return this.#children.map(({ proc }) => (proc.exitCode === null && proc.signalCode === null ? proc.pid : undefined));
  }

  counts(): FleetCounts {
    const total = { connected: 0, polling: 0, down: 0 };
    for (const { counts } of this.#children) {
      total.connected += counts.connected;
      total.polling += counts.polling;
      total.down += counts.down;
    }
    return total;
  }

  stop(): Promise<void> {
    this.#stopping ??= Promise.all(
      this.#children.map(async ({ proc, exited }) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return;
        if (proc.connected) proc.send({ type: 'stop' } satisfies ParentMessage);
        const kill = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(kill);
      }),
    ).then(() => undefined);
    return this.#stopping;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
