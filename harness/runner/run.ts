import type { FleetCounts } from '../../agent/fleet.ts';
import { createFleet, defaultShards, type FleetHandle } from '../runtime/fleet.ts';
import { createRng } from '../../agent/rng.ts';
import type { ScenarioDefinition } from '../../scenarios/define.ts';
import { evaluateChecks, type ChecksConfig } from '../checks/index.ts';
import type { HistoryEvent } from '../history/events.ts';
import { History } from '../history/history.ts';
import { Cleanup } from './cleanup.ts';
import { scrapeHubMetrics, startHubRuntime, type HubChoice, type HubRuntime } from '../runtime/hubs/index.ts';
import { RedeployDriver } from '../runtime/redeploys.ts';
import { defaultSampleIntervalMs, startResourceSampler } from '../runtime/resources.ts';
import { resolveParams, type ResolvedParams } from './params.ts';
import type { MetricSamples } from '../runtime/prom-text.ts';
import { FaultInjector } from '../runtime/faults.ts';
import { AGENTS_PER_PROXY, startFaultProxy, type ToxiproxyChoice } from '../runtime/proxy.ts';
import { assignGroups } from './groups.ts';
import { RESULT_SCHEMA_VERSION, verdictOf, type RunResult } from './result.ts';
import { replayCommand } from './replay.ts';
import { CommandTraffic } from './traffic.ts';
import { waitFor, waitMs } from './wait.ts';

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
  /** Where the hub runs. Default: the reference hub in this process. */
  hub?: HubChoice;
  /** How the scenario was named where it came from (a file path), for the replay command. Default: its name. */
  scenarioSource?: string;
  /** Named agent defects (agent/defects.ts), e.g. no-jitter. */
  agentDefects?: string[];
  /** Cap on stored events; past it, connect attempts, polls and backoff schedules are only counted. Default 2,000,000. */
  maxEvents?: number;
  /** Fleet shard processes: 0 runs every agent in this process. Default: 0 up to 2,000 agents, then 2 or more. */
  fleetShards?: number;
  /** Agent ids are `${agentIdPrefix}1..N`. Default 'agent-'. */
  agentIdPrefix?: string;
  /** Bearer token agents send (and the reference hub requires); also the admin token when `adminToken` is unset. */
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

/**
 * Runs one scenario: hub, fleet, traffic, the steady phase, settling, then
 * the checks over the one history. Everything started here is stopped here,
 * on success, failure or abort.
 */
export async function runScenario(scenario: ScenarioDefinition, options: RunOptions = {}): Promise<RunResult> {
  const params = resolveParams(scenario, options);
  const checksConfig = checksFor(scenario, params);
  const history = new History(options.maxEvents);
  const startedAt = new Date();
  const t0 = performance.now();
  const clock = () => Math.round((performance.now() - t0) * 10) / 10;
  const rng = createRng(params.seed);
  const signal = options.signal ?? new AbortController().signal;
  let phase: HistoryEvent & { type: 'run.phase' } = { t: 0, type: 'run.phase', phase: 'ramp' };
  const setPhase = (p: typeof phase.phase) => history.append((phase = { t: clock(), type: 'run.phase', phase: p }));

  const stack = new Cleanup();
  const adminToken = options.adminToken ?? options.token;
  const tally = new RunTally(history);
  let hubMetricsText: string | undefined;
  let hubMetrics: MetricSamples | undefined;
  let metricsMissing: string | undefined;
  let traffic: CommandTraffic | undefined;
  let fleet: FleetHandle | undefined;
  let hub: HubRuntime | undefined;
  let groupsUsed: ReturnType<typeof assignGroups> = [];
  let proxyKind: string | undefined;
  let currentHubUrl = () => hub?.url ?? '';
  try {
    hub = stack.use(
      await startHubRuntime(params.hub, { defects: params.hubDefects, pingIntervalMs: scenario.hub?.pingIntervalMs, tokens: options.token ? [options.token] : undefined, adminTokens: options.adminToken ? [options.adminToken] : undefined }),
    );
    const groups = assignGroups(scenario.groups ?? [], params.agents);
    const needsProxy = params.faults.length > 0 || scenario.proxy === true || params.redeploys.some((r) => r.kind === 'rolling');
    const choice = options.toxiproxy ?? (needsProxy ? defaultToxiproxy(params.agents) : undefined);
    const proxy = choice ? stack.use(await startFaultProxy({ choice, hubUrl: hub.url, groups: groups.map((g) => ({ name: g.name, agents: g.endIndex - g.startIndex })) })) : undefined;
    groupsUsed = proxy ? groups : [];
    proxyKind = proxy ? `${proxy.kind} ${proxy.apiUrl}` : undefined;
    const directUrl = hub.url;
    const agentHubUrl = (index: number) => {
      if (!proxy) return directUrl;
      const group = groups.find((g) => index < g.endIndex)!;
      return proxy.urlFor(group.name, index - group.startIndex);
    };
    const redeploys = new RedeployDriver({ hub, proxy, history, clock });
    // Hubs that replaced the first one in rolling deploys go before it (its disposal removes their shared database).
    stack.defer(async () => {
      for (const h of new Set([redeploys.current, ...redeploys.retired])) if (h !== hub) await h[Symbol.asyncDispose]();
    });
    currentHubUrl = () => redeploys.current.url;
    const rampMs = scenario.defaults.rampMs ?? Math.min(5_000, params.agents * 2);
    fleet = createFleet({
      agents: params.agents,
      idPrefix: params.agentIdPrefix,
      hubUrlFor: agentHubUrl,
      token: options.token,
      rampMs,
      seed: params.seed,
      clock,
      runStartEpochMs: performance.timeOrigin + t0,
      sink: (event) => history.append(event),
      pingIntervalMs: scenario.hub?.pingIntervalMs,
      pollIntervalMs: scenario.agent?.pollIntervalMs,
      backoff: params.backoff,
      shards: options.fleetShards ?? defaultShards(params.agents),
      // Past a few thousand connections from one address, ephemeral ports to one proxy or hub port run short.
      sourceAddresses: params.agents > 5_000 ? Math.ceil(params.agents / 5_000) + 1 : 1,
    });
    stack.defer(() => fleet!.stop());
    // Sampled only where the scenario judges growth or lag; deferred after the fleet so it stops first and teardown is not sampled.
    const { resourceGrowth: growth, eventLoopLag } = checksConfig;
    if (growth || eventLoopLag) {
      const sampler = startResourceSampler({ intervalMs: growth?.sampleIntervalMs ?? defaultSampleIntervalMs(params.durationMs), clock, sink: (e) => history.append(e), children: { hub: () => redeploys.current.pid } });
      stack.defer(() => sampler.stop());
    }
    const progressTimer = setInterval(() => options.onProgress?.({ ...fleet!.counts(), elapsedMs: clock(), phase: phase.phase, reconnects: tally.reconnects(params.agents), faultsActive: tally.disruptions.size }), 1_000);
    stack.defer(() => clearInterval(progressTimer));

    setPhase('ramp');
    await fleet.start();
    setPhase('steady');
    if (scenario.traffic) {
      traffic = new CommandTraffic({ hubUrl: currentHubUrl, agents: fleet.ids, rng: rng.child('traffic'), history, clock, token: adminToken });
      traffic.start(scenario.traffic.commandIntervalMs);
      stack.defer(() => traffic!.stop());
    }
    const injector = proxy && params.faults.length > 0 ? new FaultInjector({ proxy, groups: groups.map((g) => g.name), history, clock }) : undefined;
    if (injector) {
      stack.defer(() => injector.stop());
      injector.schedule(params.faults, params.durationMs);
    }
    stack.defer(() => redeploys.stop());
    redeploys.schedule(params.redeploys);
    await waitMs(params.durationMs, signal);
    await injector?.stop();
    await redeploys.stop();

    if (!signal.aborted) {
      setPhase('settle');
      await traffic?.stop();
      // A healthy fleet ends with every agent connected and every command applied;
      // waiting for that (bounded) lets recovery and delivery be judged, not cut off.
      const settleDeadline = performance.now() + (scenario.settleMs ?? 10_000);
      // Waiting for every agent only matters where recovery is judged; a looping fleet would never settle.
      const needsWholeFleet = checksConfig.recovery !== undefined;
      await waitFor(history, () => tally.outstanding.size === 0 && (!needsWholeFleet || tally.connected === params.agents), scenario.settleMs ?? 10_000, signal);
      const scraped = await scrapeUntilAcked(currentHubUrl(), settleDeadline, signal, adminToken);
      if ('missing' in scraped) metricsMissing = scraped.missing;
      else ({ text: hubMetricsText, samples: hubMetrics } = scraped);
    }
    setPhase('stop');
  } finally {
    await stack.run();
  }

  const endMs = clock();
  // Shards deliver their events in batches; checks and reports read one timeline.
  history.events.sort((a, b) => a.t - b.t);
  const interrupted = signal.aborted;
  const agentIds = [...(fleet?.ids ?? [])];
  const checks = evaluateChecks(
    {
      events: history.events,
      agents: agentIds,
      hubMetrics,
      hubMetricsMissing: interrupted ? 'the run was interrupted before the hub was scraped' : metricsMissing,
      groups: groupsUsed.map((g) => ({ name: g.name, agents: agentIds.slice(g.startIndex, g.endIndex) })),
      commandsMissing: traffic?.unavailable ?? (scenario.traffic ? undefined : 'the scenario issues no commands'),
      endMs,
    },
    checksConfig,
  );

  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    scenario: { name: scenario.name, description: scenario.description },
    params: {
      agents: params.agents,
      durationMs: params.durationMs,
      seed: params.seed,
      agentIdPrefix: params.agentIdPrefix,
      hubDefects: params.hubDefects,
      agentDefects: params.agentDefects,
      loop: {
        minCycles: checksConfig.connectionLoop?.minCycles ?? 3,
        maxConnectionMs: checksConfig.connectionLoop?.maxConnectionMs ?? 5_000,
      },
    },
    groups: groupsUsed.map((g) => ({ name: g.name, agents: g.endIndex - g.startIndex, firstAgent: agentIds[g.startIndex] ?? '', lastAgent: agentIds[g.endIndex - 1] ?? '' })),
    proxy: proxyKind,
    hub: { kind: hub?.kind ?? 'none', url: hub?.url ?? '', metrics: hubMetricsText !== undefined, admin: scenario.traffic !== undefined && traffic?.unavailable === undefined },
    startedAt: startedAt.toISOString(),
    elapsedMs: Math.round(endMs),
    verdict: verdictOf(checks, interrupted),
    checks,
    stats: statsOf(history.events, agentIds.length),
    replay: replayCommand(options.scenarioSource ?? scenario.name, params),
    agentIds,
    events: history.events,
    hubMetricsText,
  };
}

/** TOXIPROXY_URL when set; else the embedded server, in this process for small fleets and as processes for big ones. */
function defaultToxiproxy(agents: number): ToxiproxyChoice {
  const url = process.env.TOXIPROXY_URL;
  if (url) return { kind: 'url', url };
  return agents > 2_000 ? { kind: 'process', servers: Math.ceil(agents / AGENTS_PER_PROXY) } : { kind: 'embedded' };
}


/** The scenario's checks for this run, with the command line's loop-detector settings applied. */
function checksFor(scenario: ScenarioDefinition, params: ResolvedParams): ChecksConfig {
  const config: ChecksConfig = typeof scenario.checks === 'function' ? scenario.checks(params) : { ...scenario.checks };
  if (config.connectionLoop) config.connectionLoop = { ...config.connectionLoop, ...params.loop };
  return config;
}

/** Running counts the live progress line and the settle phase read without rescanning the history. */
class RunTally {
  opens = 0;
  /** Agents whose WebSocket is open now. */
  connected = 0;
  /** Commands issued and not yet applied by their agent. */
  readonly outstanding = new Set<string>();
  // A command can reach its agent over the WebSocket before the admin call that issued it returns.
  readonly #applied = new Set<string>();
  /** Faults and redeploys under way, by name, for the live progress line. */
  readonly disruptions = new Set<string>();

  constructor(history: History) {
    history.subscribe((e) => {
      if (e.type === 'fault.applied') this.disruptions.add(`fault:${e.fault}`);
      else if (e.type === 'fault.removed') this.disruptions.delete(`fault:${e.fault}`);
      else if (e.type === 'hub.redeploy') this.disruptions[e.phase === 'begin' ? 'add' : 'delete'](`redeploy:${e.name}`);
      else if (e.type === 'ws.open') {
        this.opens++;
        this.connected++;
      } else if (e.type === 'ws.close') this.connected--;
      else if (e.type === 'command.issued' && !this.#applied.has(e.id)) this.outstanding.add(e.id);
      else if (e.type === 'command') {
        this.#applied.add(e.id);
        this.outstanding.delete(e.id);
      }
    });
  }

  reconnects(agents: number): number {
    return Math.max(0, this.opens - agents);
  }
}

/**
 * The hub's metrics once it has no pending command, or at the deadline: an
 * agent's ack can still be on the wire (through a slow proxy) when it has
 * applied the command. The hub offers no event to wait on, so this polls it.
 */
async function scrapeUntilAcked(hubUrl: string, deadline: number, signal: AbortSignal, token: string | undefined): ReturnType<typeof scrapeHubMetrics> {
  for (;;) {
    const scraped = await scrapeHubMetrics(hubUrl, token);
    if ('missing' in scraped || !(scraped.samples.sum('edge_hub_commands_pending')! > 0)) return scraped;
    if (performance.now() >= deadline || signal.aborted) return scraped;
    await waitMs(200, signal);
  }
}

function statsOf(events: readonly HistoryEvent[], agents: number): RunResult['stats'] {
  const stats = { agents, connects: 0, disconnects: 0, connectFailures: 0, commandsIssued: 0, commandsApplied: 0, events: events.length };
  for (const e of events) {
    if (e.type === 'ws.open') stats.connects++;
    else if (e.type === 'ws.close' && e.by !== 'stop') stats.disconnects++;
    else if (e.type === 'ws.failed') stats.connectFailures++;
    else if (e.type === 'command.issued') stats.commandsIssued++;
    else if (e.type === 'command' && !e.repeat) stats.commandsApplied++;
  }
  return stats;
}
