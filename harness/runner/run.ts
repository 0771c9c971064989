import { createRng } from '../../common/rng.ts';
import { anyCheckHas, evaluateChecks, type ChecksConfig } from '../checks/index.ts';
import { loopThresholds } from '../checks/connection-loop.ts';
import { shownUpgradeUrl } from '../checks/wire-fit.ts';
import type { HistoryEvent } from '../history/events.ts';
import { History } from '../history/history.ts';
import type { MetricSamples } from '../../common/prom-text.ts';
import { checkChecksConfig, type ScenarioDefinition } from '../scenario/define.ts';
import { FaultInjector } from './drivers/faults.ts';
import { CommandTraffic } from './drivers/traffic.ts';
import type { RunOptions } from './options.ts';
import { resolveParams, type ResolvedParams } from './params.ts';
import { checkRunOptions } from './check-options.ts';
import { loadProtocol } from '../../protocol/registry.ts';
import { replayCommand, replayNote } from './replay.ts';
import { RESULT_SCHEMA_VERSION, verdictOf, type RunResult } from './result.ts';
import { startRun, type RunContext, type StartedRun } from './start.ts';
import { RunTally } from './tally.ts';
import { waitFor, waitMs } from './wait.ts';

export type { RunOptions, RunProgress } from './options.ts';

type Phase = (HistoryEvent & { type: 'run.phase' })['phase'];

/** What the phases observed besides the history: the hub's last metrics, and whether commands could be issued. */
interface Observed {
  hubMetricsText?: string;
  hubMetrics?: MetricSamples;
  metricsMissing?: string;
  commandsMissing?: string;
  runMetricsText?: string;
}

/**
 * Runs one scenario: start-up (hub, proxies, fleet), the phases (ramp,
 * steady with the traffic, fault and redeploy drivers, settle), then the
 * checks over the one history. Everything started is stopped before the
 * checks run, on success, failure or abort.
 */
export async function runScenario(scenario: ScenarioDefinition, options: RunOptions = {}): Promise<RunResult> {
  // The options are checked before the protocol they name is loaded (resolveParams checks them again, cheaply).
  checkRunOptions(options);
  const protocol = await loadProtocol(options.protocol ?? scenario.protocol, { token: options.token });
  const params = resolveParams(scenario, options, protocol);
  const t0 = performance.now();
  const history = new History(options.maxEvents);
  const ctx: RunContext = {
    scenario,
    params,
    checks: checksFor(scenario, params),
    options,
    history,
    tally: new RunTally(history),
    clock: () => Math.round((performance.now() - t0) * 10) / 10,
    t0,
    signal: options.signal ?? new AbortController().signal,
    protocol,
  };
  const startedAt = new Date();
  let started: StartedRun | undefined;
  let observed: Observed = {};
  try {
    started = await startRun(ctx);
    observed = await runPhases(ctx, started);
  } finally {
    await started?.stop();
  }
  // After everything stopped: the figures /metrics would serve at the very end.
  observed.runMetricsText = await started.metrics.text();
  return assembleResult(ctx, started, observed, startedAt);
}

/** Ramp, steady and settle. Every wait ends at once when the run is aborted. */
async function runPhases(ctx: RunContext, run: StartedRun): Promise<Observed> {
  const { scenario, params, history, clock, signal, options, tally } = ctx;
  const observed: Observed = {};
  let phase: Phase = 'ramp';
  const setPhase = (p: Phase) => history.append({ t: clock(), type: 'run.phase', phase: (phase = p) });
  const progressTimer = setInterval(() => options.onProgress?.({ ...run.fleet.counts(), elapsedMs: clock(), phase, reconnects: tally.reconnects(params.agents), faultsActive: tally.disruptions.size }), 1_000);
  run.defer(() => clearInterval(progressTimer));
  const currentHubUrl = () => run.redeploys.current.url;

  setPhase('ramp');
  await untilAborted(run.fleet.start(), signal);
  if (signal.aborted) return observed;

  setPhase('steady');
  let traffic: CommandTraffic | undefined;
  const issue = ctx.protocol.hub.issue;
  if (scenario.traffic && issue) {
    traffic = new CommandTraffic({ hubUrl: currentHubUrl, issue, agents: run.fleet.ids, rng: createRng(params.seed).child('traffic'), history, clock, token: params.adminToken });
    traffic.start(scenario.traffic.commandIntervalMs);
    run.defer(() => traffic!.stop());
  }
  const injector = run.proxy && params.faults.length > 0 ? new FaultInjector({ proxy: run.proxy, groups: run.groups.map((g) => g.name), history, clock }) : undefined;
  if (injector) {
    run.defer(() => injector.stop());
    injector.schedule(params.faults, params.durationMs);
  }
  run.defer(() => run.redeploys.stop());
  run.redeploys.schedule(params.redeploys);
  await waitMs(params.durationMs, signal);
  await injector?.stop();
  await run.redeploys.stop();
  observed.commandsMissing = !scenario.traffic ? 'the scenario issues no commands' : !issue ? `protocol ${JSON.stringify(ctx.protocol.name)} carries no commands (connection-only): the harness cannot issue any` : undefined;
  if (signal.aborted) return observed;

  setPhase('settle');
  await traffic?.stop();
  observed.commandsMissing ??= traffic?.unavailable;
  // A healthy fleet ends with every agent connected and every command applied;
  // waiting for that (bounded) lets recovery and delivery be judged, not cut off.
  const settleMs = scenario.settleMs ?? 10_000;
  const settleDeadline = performance.now() + settleMs;
  // Waiting for every agent only matters where recovery or the fleet's end state is judged; a looping fleet would never settle.
  const needsWholeFleet = anyCheckHas(ctx.checks, 'waitsForWholeFleet');
  await waitFor(history, () => tally.outstanding.size === 0 && (!needsWholeFleet || tally.connected === params.agents), settleMs, signal);
  const scraped = await scrapeUntilAcked(run, ctx.protocol.hub.metricNames.pending, settleDeadline, signal);
  if ('missing' in scraped) observed.metricsMissing = scraped.missing;
  else [observed.hubMetricsText, observed.hubMetrics] = [scraped.text, scraped.samples];
  run.health.stop();
  setPhase('stop');
  return observed;
}

/** The checks over the history, and the result every reporter reads. */
function assembleResult(ctx: RunContext, run: StartedRun | undefined, observed: Observed, startedAt: Date): RunResult {
  const { scenario, params, history } = ctx;
  const endMs = ctx.clock();
  // Shards deliver their events in batches; checks and reports read one timeline.
  history.events.sort((a, b) => a.t - b.t);
  const interrupted = ctx.signal.aborted;
  const agentIds = [...(run?.fleet.ids ?? [])];
  const groups = run?.groups ?? [];
  const checks = evaluateChecks(
    {
      events: history.events,
      agents: agentIds,
      hubMetrics: observed.hubMetrics,
      hubMetricNames: ctx.protocol.hub.metricNames,
      protocol: ctx.protocol.name,
      ...(ctx.protocol.hub.replaceClose ? { replaceClose: ctx.protocol.hub.replaceClose } : {}),
      ...(run && agentIds[0] ? { upgradeUrl: shownUpgradeUrl(ctx.protocol.agent.socketUrl(run.hub.url, agentIds[0]), agentIds[0]) } : {}),
      hubMetricsMissing: interrupted ? 'the run was interrupted before the hub was scraped' : observed.metricsMissing,
      groups: groups.map((g) => ({ name: g.name, agents: agentIds.slice(g.startIndex, g.endIndex) })),
      commandsMissing: observed.commandsMissing,
      endMs,
      eventsDropped: history.dropped,
      eventsLost: history.lost,
    },
    ctx.checks,
  );
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    scenario: { name: scenario.name, description: scenario.description },
    params: {
      agents: params.agents,
      durationMs: params.durationMs,
      seed: params.seed,
      agentIdPrefix: params.agentIdPrefix,
      pingIntervalMs: params.pingIntervalMs,
      hubDefects: params.hubDefects,
      agentDefects: params.agentDefects,
      loop: loopThresholds(ctx.checks.connectionLoop),
    },
    groups: groups.map((g) => ({ name: g.name, agents: g.endIndex - g.startIndex, firstAgent: agentIds[g.startIndex] ?? '', lastAgent: agentIds[g.endIndex - 1] ?? '' })),
    // A Toxiproxy the harness did not start draws its own randomness: say so, since --seed cannot replay it.
    proxy: run?.proxy ? `${run.proxy.kind} ${run.proxy.apiUrl}${run.proxy.kind === 'url' || run.proxy.kind === 'container' ? ' (its jitter and toxicity are not seeded by --seed)' : ''}` : undefined,
    hub: { kind: run?.hub.kind ?? 'none', url: run?.hub.url ?? '', metrics: observed.hubMetricsText !== undefined, admin: scenario.traffic !== undefined && observed.commandsMissing === undefined, protocol: ctx.protocol.name },
    startedAt: startedAt.toISOString(),
    elapsedMs: Math.round(endMs),
    ...verdictOf(checks, interrupted),
    checks,
    stats: statsOf(history.events, agentIds.length),
    ...(Object.keys(history.dropped).length > 0 ? { eventsDropped: { ...history.dropped } } : {}),
    ...(Object.keys(history.lost).length > 0 ? { eventsLost: { ...history.lost } } : {}),
    replay: replayCommand(ctx.options.scenarioSource ?? scenario.name, params),
    ...(replayNote(params) ? { replayNote: replayNote(params) } : {}),
    agentIds,
    events: history.events,
    hubMetricsText: observed.hubMetricsText,
    ...(run?.metricsUrl ? { metricsUrl: run.metricsUrl } : {}),
    runMetricsText: observed.runMetricsText,
  };
}

/** The scenario's checks for this run, with the command line's loop-detector settings applied. */
function checksFor(scenario: ScenarioDefinition, params: ResolvedParams): ChecksConfig {
  let config: ChecksConfig;
  if (typeof scenario.checks === 'function') {
    config = scenario.checks(params);
    // defineScenario could only see the function; its result is checked here, before anything starts.
    checkChecksConfig(scenario, config);
  } else config = { ...scenario.checks };
  if (config.connectionLoop) config.connectionLoop = { ...config.connectionLoop, ...params.loop };
  return config;
}

/** Waits for `work`, or for the abort, whichever comes first (the work goes on; disposal stops it). */
async function untilAborted(work: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  let onAbort: () => void = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * The hub's metrics once it has none of the run's commands pending, or at
 * the deadline: an agent's ack can still be on the wire (through a slow
 * proxy) when it has applied the command. The hub offers no event to wait
 * on, so this polls it.
 */
async function scrapeUntilAcked(run: StartedRun, pendingMetric: string | undefined, deadline: number, signal: AbortSignal): ReturnType<StartedRun['hubMetrics']['final']> {
  for (;;) {
    const scraped = await run.hubMetrics.final(run.redeploys.current.url);
    if ('missing' in scraped || pendingMetric === undefined || !(scraped.samples.sum(pendingMetric)! > 0)) return scraped;
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
