import { encodeHubUrls, sharedConfig, type SharedShardConfig, type ShardPlan, type ShardTransportOptions } from '../shard/config.ts';
import { SHARD_ENV } from '../shard/wire.ts';

/**
 * How network shards get started: the one seam between the network fleet
 * (network-fleet.ts: collector, plan, tokens, judging) and where shards run
 * (local processes here; containers and Kubernetes Jobs beside it). A
 * launcher turns one environment per shard into running shards and reports
 * when one ends; everything else travels over the collector.
 */
export interface ShardLauncher {
  /** For messages: 'local-network', 'containers', 'kubernetes'. */
  readonly name: string;
  /** The address the collector listens on. Default 127.0.0.1; shards in pods need one they can reach. */
  readonly collectorHost?: string;
  /** The port it listens on. Default 0 (any free port); a Service in front of it needs a known one. */
  readonly collectorPort?: number;
  /** The URL the shards dial, given the port the collector got. Default http://127.0.0.1:<port>. */
  collectorUrl?(port: number): string;
  /** Rewrites the plan for where shards run (hub URLs a pod can reach, one source address). Default: unchanged. */
  adaptPlan?(plan: ShardPlan): ShardPlan;
  /** Longest wait from start() until every shard has started its agents, ms. Default 60_000; pulling images or scheduling pods may need more. */
  readonly startTimeoutMs?: number;
  start(shards: readonly ShardEnv[], hooks: LaunchHooks): Promise<LaunchedShards>;
}

/** What a launcher is made from besides the runner's settings. */
export interface LaunchContext {
  /** Lowercase letters and digits (../runner-settings.ts newRunId): names the run's containers or Kubernetes objects. */
  runId: string;
  /** A hard bound on the shards' life, s (a Job's activeDeadlineSeconds): a fleet whose coordinator died cannot dial the hub for ever. */
  deadlineSeconds: number;
  /** Progress lines (building the image, creating the Job). */
  log?: (line: string) => void;
}

/** One shard's environment: exactly what a local process, a container or a pod of an Indexed Job gets. */
export interface ShardEnv {
  /** 0-based; the same as env.JOB_COMPLETION_INDEX (a Job's pods get that from Kubernetes). */
  index: number;
  /** EDGE_CHAOS_SHARD_CONFIG (the plan, identical for every shard), JOB_COMPLETION_INDEX, EDGE_CHAOS_COLLECTOR_URL, EDGE_CHAOS_RUN_TOKEN. */
  env: Record<string, string>;
}

export interface LaunchHooks {
  /**
   * Shard `index` ended on its own: `how` says how ('SIGKILL', 'code 2', 'pod Failed: OOMKilled').
   * Not for the ends stop() causes. The run turns it into a shards-alive failure.
   */
  onExit(index: number, how: string): void;
  /** Aborted when the run stops while start() is still under way (a Ctrl-C while images pull): stop what started and return or reject soon. */
  signal: AbortSignal;
}

export interface LaunchedShards extends AsyncDisposable {
  /** Resolves once every shard has ended. */
  readonly exited: Promise<void>;
  /** Ends every shard as a pod is ended: SIGTERM (the shard delivers its last batch and exits), a hard kill after a grace. Idempotent. */
  stop(): Promise<void>;
  /** The last lines shard `index` wrote to stderr, for an error message, when the launcher has them. */
  logTail?(index: number): string;
  /** Shard processes on this machine by index, undefined once exited: launchers whose shards are local processes only. For resource sampling. */
  pids?(): (number | undefined)[];
}

/** How a shard starts in the project image (/app, sources run through tsx; see the Dockerfile): a container's or a pod's command. */
export const SHARD_IMAGE_COMMAND: readonly string[] = ['node', '--import', 'tsx', 'harness/runtime/fleet/shard/main.ts'];

/** Every shard's environment for one run. */
export function shardEnvs(plan: ShardPlan, collectorUrl: string, token: string): ShardEnv[] {
  const config = JSON.stringify(plan);
  return Array.from({ length: plan.shards }, (_, index) => ({
    index,
    env: { [SHARD_ENV.config]: config, [SHARD_ENV.index]: String(index), [SHARD_ENV.collectorUrl]: collectorUrl, [SHARD_ENV.runToken]: token },
  }));
}

/** What every shard of a fleet shares, and how to find each agent's URL: the plan's inputs. */
export interface FleetPlanSpec extends SharedShardConfig {
  agents: number;
  /** The URL agent number `index` (0-based, fleet-wide) dials. */
  hubUrlFor(index: number): string;
}

/** The one document every shard of a run reads (a network fleet's, and what --dry-run prints). */
export function shardPlan(spec: FleetPlanSpec, shards: number, transport?: ShardTransportOptions): ShardPlan {
  return {
    planVersion: 1,
    agents: spec.agents,
    shards,
    hubUrls: encodeHubUrls(spec.agents, spec.hubUrlFor),
    ...sharedConfig(spec),
    ...(transport ? { transport } : {}),
  };
}
