import { EdgeChaosError } from '../../common/errors.ts';
import { commandLine } from '../../common/layout.ts';
import type { ChecksConfig } from '../checks/index.ts';
import { HarnessError, type HarnessErrorCode } from '../errors.ts';
import type { History } from '../history/history.ts';
import type { ScenarioDefinition } from '../scenario/define.ts';
import { createFleet, type FleetHandle } from '../runtime/fleet/create.ts';
import { loadTestcontainers } from '../runtime/docker/testcontainers.ts';
import { exposedProxies, newRunId } from '../runtime/fleet/runner-settings.ts';
import { startHubWatcher, type HubWatcher } from '../runtime/hubs/health.ts';
import { startHubRuntime, type HubRuntime } from '../runtime/hubs/index.ts';
import { HubMetricsTracker } from '../runtime/hubs/metrics-tracker.ts';
import { startFaultProxy, type FaultProxy } from '../runtime/proxy.ts';
import { defaultSampleIntervalMs, startResourceSampler, type SampledChild } from '../runtime/resources.ts';
import { startMetricsServer } from '../runtime/metrics-server.ts';
import { RunMetrics } from '../runtime/run-metrics.ts';
import type { ShardLauncher } from '../runtime/fleet/launchers/launcher.ts';
import { fleetRunner } from '../runtime/fleet/runners.ts';
import { Cleanup } from './cleanup.ts';
import { RedeployDriver } from './drivers/redeploys.ts';
import { fleetDeadlineSeconds, fleetSettings, fleetShardCount } from '../runtime/fleet/config.ts';
import { assignGroups, type AssignedGroup } from './groups.ts';
import type { RunOptions } from './options.ts';
import type { ResolvedParams } from './params.ts';
import type { RunTally } from './tally.ts';
import { waitFor } from './wait.ts';
import type { Protocol } from '../../protocol/wire.ts';

/** Longest a redeploy waits for the fleet to be back from the previous one before it goes ahead anyway, ms. */
const REDEPLOY_SPACING_BOUND_MS = 60_000;

/** What every phase of a run shares: the one history, its clock and the abort signal. */
export interface RunContext {
  readonly scenario: ScenarioDefinition;
  readonly params: ResolvedParams;
  readonly checks: ChecksConfig;
  readonly options: RunOptions;
  readonly history: History;
  /** Ms since the run started. */
  readonly clock: () => number;
  /** performance.now() at the run's start. */
  readonly t0: number;
  readonly signal: AbortSignal;
  /** Running counts (agents connected now) the phases and the timeline wait on. */
  readonly tally: RunTally;
  /** The hub's wire: how agents talk to it, how commands are issued, what its metrics are named. */
  readonly protocol: Protocol;
}

/**
 * A run with its hub, proxies and fleet started (the fleet not yet ramped).
 * Disposing it stops everything it started, last first; so does a failure
 * half-way through start-up.
 */
export interface StartedRun extends AsyncDisposable {
  readonly hub: HubRuntime;
  readonly proxy: FaultProxy | undefined;
  /** The fleet's groups; empty when the agents dial the hub directly. */
  readonly groups: readonly AssignedGroup[];
  readonly fleet: FleetHandle;
  /** Plays the redeploys; its `current` is the hub serving now. */
  readonly redeploys: RedeployDriver;
  /** The hub's /metrics as what changed during the run, across redeploys. */
  readonly hubMetrics: HubMetricsTracker;
  /** Probes the serving hub and records its process exits; the settle phase stops it just before 'stop'. */
  readonly health: HubWatcher;
  /** The run's live figures; served at /metrics when asked (metricsPort) and by a network fleet's collector. */
  readonly metrics: RunMetrics;
  /** Where the live metrics are served, when they are. */
  readonly metricsUrl: string | undefined;
  /** Registers more teardown (a phase's drivers), run before what start-up registered. */
  defer(step: () => unknown): void;
  stop(): Promise<void>;
}

export async function startRun(ctx: RunContext): Promise<StartedRun> {
  const { scenario, params, options, history, clock } = ctx;
  // An optional peer a chosen part needs is checked before anything starts (a hub would otherwise start only to be stopped).
  if (params.hub.kind === 'container' || params.toxiproxy?.kind === 'container') await loadTestcontainers();
  const stack = new Cleanup();
  try {
    // First: building the containers runner's image can fail, and then nothing else should have started.
    const runner = params.fleetRunner;
    const launcher: ShardLauncher | undefined =
      'start' in runner
        ? runner
        : await startPart(`the fleet runner (${runner.kind})`, 'EC_FLEET_SHARD', async () => fleetRunner(runner.kind).launcher?.(runner, { runId: newRunId(), deadlineSeconds: fleetDeadlineSeconds(scenario, params) }));
    const hub = stack.use(
      await startPart(`the hub (${params.hub.kind})`, 'EC_HUB_START', () =>
        startHubRuntime(params.hub, { defects: params.hubDefects, pingIntervalMs: params.pingIntervalMs, tokens: options.token ? [options.token] : undefined, adminTokens: options.adminToken ? [options.adminToken] : undefined }),
      ),
    );
    const groups = assignGroups(scenario.groups ?? [], params.agents);
    const toxiproxy = params.toxiproxy;
    const proxy = toxiproxy
      ? stack.use(
          await startPart(`Toxiproxy (${toxiproxy.kind})`, 'EC_PROXY_SETUP', () =>
            startFaultProxy({ choice: toxiproxy, hubUrl: hub.url, groups: groups.map((g) => ({ name: g.name, agents: g.endIndex - g.startIndex })), seed: params.seed, exposed: exposedProxies('start' in runner ? undefined : runner.kind, toxiproxy) }),
          ),
        )
      : undefined;
    const agentHubUrl = (index: number) => {
      if (!proxy) return hub.url;
      const group = groups.find((g) => index < g.endIndex)!;
      return proxy.urlFor(group.name, index - group.startIndex);
    };
    // Read before any agent connects: a shared hub's counters and pending commands from before the run are not the run's.
    const hubMetrics = new HubMetricsTracker(params.adminToken, { path: ctx.protocol.hub.metricsPath, protocol: ctx.protocol.name });
    await hubMetrics.started(hub.url);
    // Agents connected when a redeploy began: the next one waits (bounded) until as many are back.
    let connectedAtLastRedeploy = 0;
    const redeploys = new RedeployDriver({
      hub,
      proxy,
      history,
      clock,
      signal: ctx.signal,
      observer: {
        stopping: async (url) => {
          connectedAtLastRedeploy = ctx.tally.connected;
          await hubMetrics.stopping(url);
        },
        started: (url) => hubMetrics.started(url),
        recovered: async () => {
          await waitFor(history, () => ctx.tally.connected >= connectedAtLastRedeploy, REDEPLOY_SPACING_BOUND_MS, ctx.signal);
        },
      },
    });
    // Hubs that replaced the first one in rolling deploys go before it (its disposal removes their shared database).
    stack.defer(async () => {
      for (const h of new Set([redeploys.current, ...redeploys.retired])) if (h !== hub) await h[Symbol.asyncDispose]();
    });
    // Stopped before any hub is disposed, so the run's own teardown is not taken for the hub going away.
    const health = stack.use(startHubWatcher({ current: () => redeploys.current, healthPath: params.healthPath === 'tcp' ? false : (params.healthPath ?? ctx.protocol.hub.healthPath ?? false), clock, sink: (e) => history.append(e) }));
    // Registered before the fleet, so it is closed after it and counts the fleet's last events.
    let fleetRef: FleetHandle | undefined;
    const metrics = new RunMetrics({ history, agents: params.agents, counts: () => fleetRef?.counts(), shards: () => fleetRef?.shards ?? 0, clock });
    stack.defer(() => metrics.close());
    let metricsUrl: string | undefined;
    if (params.metricsPort !== undefined) {
      const server = stack.use(await startMetricsServer(metrics.registry, params.metricsPort));
      metricsUrl = server.url;
      options.onEndpoint?.({ name: 'metrics', url: server.url });
    }
    const fleet = stack.use(
      createFleet({
        ...fleetSettings(scenario, params, options),
        wire: ctx.protocol,
        network: launcher && { launcher, registry: metrics.registry, onCollector: (url) => options.onEndpoint?.({ name: 'collector', url }) },
        agents: params.agents,
        hubUrlFor: agentHubUrl,
        clock,
        runStartEpochMs: performance.timeOrigin + ctx.t0,
        sink: (event) => history.append(event),
        onShardExit: (exit) => history.append({ t: clock(), type: 'fleet.shard.exit', ...exit }),
        onShardLost: (lost) => history.append({ t: clock(), type: 'fleet.shard.lost', ...lost }),
        onEventsLost: (type, count) => history.noteLost(type, count),
        shards: fleetShardCount(params),
      }),
    );
    fleetRef = fleet;
    // Always sampled: the harness's own event loop decides whether the run can judge (event-loop-lag).
    // Registered after the fleet so it stops first and teardown is not sampled.
    const growth = ctx.checks.resourceGrowth;
    {
      stack.use(startResourceSampler({ intervalMs: growth?.sampleIntervalMs ?? defaultSampleIntervalMs(params.durationMs), clock, sink: (e) => history.append(e), children: sampledChildren(redeploys, proxy, fleet) }));
    }
    const stop = () => stack.run();
    return { hub, proxy, groups: proxy ? groups : [], fleet, redeploys, hubMetrics, health, metrics, metricsUrl, defer: (step) => stack.defer(step), stop, [Symbol.asyncDispose]: stop };
  } catch (error) {
    await stack.run().catch(() => undefined);
    throw error;
  }
}

/**
 * Starts one part of the run's runtime; a failure names the part. A coded
 * error keeps its code and fix; anything else is the part's start-up error.
 */
async function startPart<T>(part: string, code: HarnessErrorCode, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof EdgeChaosError) {
      // Keep its class, code and fix; only say which part it came from.
      error.message = `${part}: ${error.message}`;
      throw error;
    }
    throw new HarnessError(code, `${part} could not start: ${(error as Error)?.message ?? String(error)}`, `run it alone to see why (${commandLine('hub')} / ${commandLine('toxiproxy')}), or pick another with --hub-runtime / --toxiproxy`, { cause: error });
  }
}

/**
 * The processes the harness started besides itself, by component, each read at every sample:
 * the serving hub ('hub': a redeploy gives a new pid), the Toxiproxy servers of `--toxiproxy
 * process` ('proxy', or 'proxy-N' when there are several) and the fleet's shard processes on
 * this machine ('shard-N'). Each is sampled as its process tree, with its CPU share; a
 * container hub (--hub-runtime container) as its container's cgroup and processes.
 */
function sampledChildren(redeploys: RedeployDriver, proxy: FaultProxy | undefined, fleet: FleetHandle): Record<string, () => SampledChild | undefined> {
  // A container hub is read from its cgroup, a process hub as its process tree.
  const children: Record<string, () => SampledChild | undefined> = { hub: () => redeploys.current.container ?? redeploys.current.pid };
  const proxyPids = proxy?.serverPids ?? [];
  proxyPids.forEach((pid, i) => (children[proxyPids.length === 1 ? 'proxy' : `proxy-${i + 1}`] = () => pid));
  if (fleet.shardPids) for (let i = 0; i < fleet.shards; i++) children[`shard-${i + 1}`] = () => fleet.shardPids!()[i];
  return children;
}
