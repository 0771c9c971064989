/**
 * What a fleet runner starts: one shard per environment, configured exactly
 * as a Kubernetes pod of the fleet's Indexed Job is, by environment alone.
 *
 * The coordinator's fleet runtime (the collector side, issue 13 part 1) builds
 * one `ShardEnv` per shard and hands them to a launcher; the launcher only
 * starts, watches and stops what runs them (a container, a pod). It never reads
 * the shards' events: those reach the collector over HTTP.
 *
 * MERGE NOTE: the env names below are the shard transport's contract; when
 * agent/shard/ exports them, import them from there and delete these.
 */

/** The whole-fleet or per-shard config, as JSON text (`ShardConfig` today). */
export const ENV_SHARD_CONFIG = 'EDGE_CHAOS_SHARD_CONFIG';
/** A path to a file holding that JSON instead (a mounted ConfigMap). */
export const ENV_SHARD_CONFIG_FILE = 'EDGE_CHAOS_SHARD_CONFIG_FILE';
/** 0-based shard index; Kubernetes sets it in every pod of an Indexed Job. */
export const ENV_SHARD_INDEX = 'JOB_COMPLETION_INDEX';
/** Where the shard streams its NDJSON event batches. */
export const ENV_COLLECTOR_URL = 'EDGE_CHAOS_COLLECTOR_URL';
/** The run's bearer token for the collector. */
export const ENV_RUN_TOKEN = 'EDGE_CHAOS_RUN_TOKEN';

/** How a shard's process starts, in the project image (sources run through tsx; see the Dockerfile). */
export const SHARD_COMMAND: readonly string[] = ['node', '--import', 'tsx', 'agent/shard/main.ts'];

/** The environment of one shard: the variables above, plus anything else to pass through (NODE_OPTIONS). */
export type ShardEnv = Readonly<Record<string, string>>;

/** A shard that ended: on its own while the run went on (`early`), or because the run stopped it. */
export interface ShardExit {
  /** 0-based, as JOB_COMPLETION_INDEX. */
  index: number;
  /** The container's or pod's name, so a user can find its logs. */
  name: string;
  /** What happened, one line: "exited with code 1: <last output line>", "OOMKilled", "pod deleted". */
  how: string;
  /** True when the shard ended before stop() was called: its agents went silent mid-run (a lost shard). */
  early: boolean;
}

export interface LaunchOptions {
  /** Called once per shard that ends before stop(): the runner records it as a lost shard (`fleet.shard.exit`). */
  onShardExit?: (exit: ShardExit) => void;
  /** Aborting while shards start stops those started and rejects start(). */
  signal?: AbortSignal;
}

/** Shards started by a launcher. Stopping is idempotent and also what disposal does. */
export interface LaunchedShards extends AsyncDisposable {
  /** Each shard's container or pod name, by index (a pod's name may be a prefix until it exists). */
  readonly names: readonly string[];
  /** Resolves once every shard has ended, by stop() or on its own. Never rejects. */
  readonly exited: Promise<ShardExit[]>;
  /** Asks every shard to stop (SIGTERM: flush, exit), waits a grace period, then removes what is left. */
  stop(): Promise<void>;
}

export interface ShardLauncher {
  readonly kind: 'containers' | 'kubernetes';
  /**
   * Starts one shard per env (index i gets JOB_COMPLETION_INDEX=i if the env
   * lacks it). Resolves once every shard exists and was started, not when its
   * agents are connected: the collector knows that. A failure to start any
   * shard removes those already started and rejects with a coded error.
   */
  start(shards: readonly ShardEnv[], opts?: LaunchOptions): Promise<LaunchedShards>;
}

/** Agents [firstIndex, firstIndex + count) of each shard: contiguous slices, as the local ShardedFleet splits. */
export function shardSlices(agents: number, shards: number): { firstIndex: number; count: number }[] {
  const used = Math.max(1, Math.min(shards, agents));
  const per = Math.ceil(agents / used);
  const slices: { firstIndex: number; count: number }[] = [];
  for (let firstIndex = 0; firstIndex < agents; firstIndex += per) slices.push({ firstIndex, count: Math.min(per, agents - firstIndex) });
  return slices;
}

/** The env of each shard from its config text (one per shard, or one the shards slice by index). */
export function shardEnvs(parts: { configs: readonly string[]; shards: number; collectorUrl: string; runToken: string; extra?: Record<string, string> }): ShardEnv[] {
  return Array.from({ length: parts.shards }, (_, index) => ({
    ...parts.extra,
    [ENV_SHARD_CONFIG]: parts.configs.length === 1 ? parts.configs[0]! : parts.configs[index]!,
    [ENV_SHARD_INDEX]: String(index),
    [ENV_COLLECTOR_URL]: parts.collectorUrl,
    [ENV_RUN_TOKEN]: parts.runToken,
  }));
}
