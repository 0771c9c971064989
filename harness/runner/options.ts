import type { FleetCounts } from '../runtime/fleet/fleet.ts';
import type { AnyProtocolProfile } from '../../protocol/registry.ts';
import type { HubChoice } from '../runtime/hubs/index.ts';
import type { ToxiproxyChoice } from '../runtime/proxy.ts';
import type { ShardLauncher } from '../runtime/fleet/launchers/launcher.ts';
import type { FleetRunnerChoice } from '../runtime/fleet/runners.ts';

export interface RunOptions {
  /** Number of agents. Default: the scenario's. */
  agents?: number;
  /** Steady-phase length, ms. Default: the scenario's. */
  durationMs?: number;
  /** Seed for every random choice (jitter, traffic). Default: a fresh random one, printed for replay. */
  seed?: string;
  /** Named defects to switch on in the reference hub. */
  hubDefects?: string[];
  /** Target a hub someone else runs instead of starting the reference hub (shorthand for hub: { kind: 'external', url }). */
  hubUrl?: string;
  /** Where the hub runs. Default: the scenario's hub.runtime, else the reference hub in this process up to 50 agents and in its own process past that (IN_PROCESS_HUB_MAX_AGENTS). */
  hub?: HubChoice;
  /**
   * The hub's ping interval, ms: the agents expect it and interval-based checks scale with it; a hub the
   * harness starts is told it instead of the scenario's. Default: the scenario's (10_000 when it sets none);
   * for a `hubUrl` hub, which the harness cannot tell anything, the protocol's 10_000.
   */
  hubPingIntervalMs?: number;
  /** How the scenario was named where it came from (a file path), for the replay command. Default: its name. */
  scenarioSource?: string;
  /** Named agent defects (agent/defects.ts), e.g. no-jitter. */
  agentDefects?: string[];
  /** Cap on stored events; past it, connect attempts, polls and backoff schedules are only counted. Default 2,000,000. */
  maxEvents?: number;
  /**
   * Fleet shards: processes, containers or pods, as fleetRunner says; 0 (local only) runs every agent in this
   * process. Default: 0 up to 2,000 agents, then 2 or more; off local, at least 1.
   */
  fleetShards?: number;
  /**
   * Where the shards run: { kind: 'local' } (this process, or IPC child processes; the default),
   * 'local-network' (local processes over the network transport, as pods), 'containers' (the
   * project image on the local engine), 'kubernetes' (pods of an Indexed Job), each with the
   * settings it reads (FLEET_RUNNERS, docs/distributed.md); or a launcher of your own.
   * fleetShards counts its shards.
   */
  fleetRunner?: FleetRunnerChoice | ShardLauncher;
  /** Serve the run's live Prometheus metrics on 127.0.0.1 at this port (0: any free port); the URL is in onEndpoint and the result. Default: not served. */
  metricsPort?: number;
  /** Called once a run endpoint listens: the live metrics, the network shards' collector. */
  onEndpoint?: (endpoint: { name: 'metrics' | 'collector'; url: string }) => void;
  /** Agent ids are `${agentIdPrefix}1..N`. Default 'agent-'. */
  agentIdPrefix?: string;
  /**
   * The hub's wire: a built-in protocol (`v1`, the default; `ws`, connection-only), the path of a
   * profile file (`defineProtocol`, docs/protocols.md), or the profile itself (agents in this
   * process only: shard processes need a name or a file). Default: the scenario's, else v1.
   */
  protocol?: string | AnyProtocolProfile;
  /**
   * How the harness probes the hub's health: an absolute path (GET, any answer below 500 is up), or
   * 'tcp' (a connect to its port). Default: the protocol's health path, else 'tcp' (connection-only hubs).
   */
  healthPath?: string;
  /** Bearer token agents send (and the in-process hub requires). */
  token?: string;
  /** Bearer token for the hub's /admin/* and /metrics. Default: `token`. */
  adminToken?: string;
  /**
   * Which Toxiproxy carries the agents' traffic when the scenario has faults
   * (or always, when set). Default: TOXIPROXY_URL when set, else the embedded server.
   */
  toxiproxy?: ToxiproxyChoice;
  /** Loop detector: short connections in a row that make a loop. Default: the scenario's, else 3. */
  loopMinCycles?: number;
  /** Loop detector: a connection shorter than this is short, ms. Default: the scenario's, else 5_000. */
  loopMaxConnectionMs?: number;
  /** Aborting stops the run at once; the result is then 'interrupted'. */
  signal?: AbortSignal;
  /** Called about once a second with the fleet's state. */
  onProgress?: (progress: RunProgress) => void;
}

export interface RunProgress extends FleetCounts {
  elapsedMs: number;
  phase: string;
  reconnects: number;
  /** Faults applied and not yet removed, plus hub redeploys under way. */
  faultsActive: number;
}
