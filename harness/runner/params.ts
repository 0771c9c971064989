import { randomInt } from 'node:crypto';
import { applyAgentDefects } from '../../agent/defects.ts';
import type { BackoffOptions } from '../../agent/backoff.ts';
import { AGENT_ID_MAX_LENGTH, DEFAULT_PING_INTERVAL_MS, isValidAgentId } from '../../protocol/v1.ts';
import { DEFAULT_PROTOCOL, INLINE_SOURCE_PREFIX, resolveProtocolSource } from '../../protocol/registry.ts';
import { formatDuration } from '../../common/duration.ts';
import type { Protocol } from '../../protocol/wire.ts';
import { resolveFaults, resolveRedeploys, type ScenarioDefinition } from '../scenario/define.ts';
import { HarnessError } from '../errors.ts';
import { defaultHubRuntime } from '../runtime/hubs/default-runtime.ts';
import type { HubChoice } from '../runtime/hubs/index.ts';
import { AGENTS_PER_PROXY, type ToxiproxyChoice } from '../runtime/proxy.ts';
import { checkRunOptions } from './check-options.ts';
import { fleetShardCount } from '../runtime/fleet/config.ts';
import { validateFleetRunner } from '../runtime/fleet/runners.ts';
import type { RunOptions } from './options.ts';

/** Everything a run needs decided before anything starts, checked once. */
export function resolveParams(scenario: ScenarioDefinition, options: RunOptions, protocol?: Protocol) {
  // Every option's name, type and range, once (the scenario's defaults were checked by defineScenario).
  checkRunOptions(options);
  // The loaded protocol knows where it came from; without one (a dry run), resolve what the options name.
  const protocolGiven = options.protocol ?? scenario.protocol ?? DEFAULT_PROTOCOL;
  const protocolSource = protocol?.source ?? (typeof protocolGiven === 'string' ? resolveProtocolSource(protocolGiven) : `${INLINE_SOURCE_PREFIX}${protocolGiven.name}`);
  const agents = options.agents ?? scenario.defaults.agents;
  const durationMs = options.durationMs ?? scenario.defaults.durationMs;
  const agentIdPrefix = options.agentIdPrefix ?? 'agent-';
  if (!isValidAgentId(`${agentIdPrefix}${agents}`)) {
    throw new HarnessError('EC_BAD_OPTION', `agent id prefix ${JSON.stringify(agentIdPrefix)} makes invalid edge_agent_ids`, `use only A-Z a-z 0-9 . _ : - in --agent-id-prefix, at most ${AGENT_ID_MAX_LENGTH - String(agents).length} characters (ids are the prefix and a number up to ${agents}, ${AGENT_ID_MAX_LENGTH} characters in all)`);
  }
  // The scenario's runtime, else one by fleet size: a big fleet's hub kept off the judge's event loop.
  const hubRuntimeDefault = scenario.hub?.runtime ?? defaultHubRuntime(agents);
  const hub: HubChoice = options.hub ?? (options.hubUrl ? { kind: 'external', url: options.hubUrl } : { kind: hubRuntimeDefault });
  // Agents that send the heartbeat themselves expect an answer at their own pace, whatever the hub would do.
  const agentBeatMs = protocol?.heartbeatBy === 'agent' ? protocol.heartbeatIntervalMs : undefined;
  if (agentBeatMs !== undefined && options.hubPingIntervalMs !== undefined && options.hubPingIntervalMs !== agentBeatMs) {
    throw new HarnessError(
      'EC_BAD_OPTION',
      `--hub-ping-interval ${formatDuration(options.hubPingIntervalMs)} does not apply: protocol ${protocol!.name}'s agents send the heartbeat themselves, every ${formatDuration(agentBeatMs)} (heartbeat.everyMs), and judge the link by its answers`,
      'drop --hub-ping-interval, or change heartbeat.everyMs in the profile',
    );
  }
  const pingIntervalMs = agentBeatMs ?? resolvePingInterval(scenario, hub, options.hubPingIntervalMs ?? protocol?.heartbeatIntervalMs);
  const hubDefects = options.hubDefects ?? [];
  const reference = hub.kind === 'in-process' || hub.kind === 'child-process' || (hub.kind === 'container' && hub.image === undefined);
  if (!reference && hubDefects.length > 0) {
    throw new HarnessError('EC_BAD_OPTION', `--defect ${hubDefects.join(',')} needs the reference hub, but this run targets ${describeHub(hub)}`, 'drop --defect, or run the reference hub (drop --hub-url / --hub-cmd / --hub-image)');
  }
  const agentDefects = options.agentDefects ?? [];
  const backoff: BackoffOptions = applyAgentDefects(agentDefects, scenario.agent?.backoff);
  const base = { agents, durationMs, pingIntervalMs };
  const redeploys = resolveRedeploys(scenario, base);
  if (redeploys.length > 0 && hub.kind === 'external') {
    throw new HarnessError('EC_BAD_OPTION', `scenario ${scenario.name} redeploys the hub, but the hub at --hub-url ${hub.url} is not the harness's to restart`, 'give the harness a hub it can restart: drop --hub-url, or use --hub-cmd "CMD" / --hub-image IMAGE');
  }
  const loop: { minCycles?: number; maxConnectionMs?: number } = {};
  if (options.loopMinCycles !== undefined) loop.minCycles = options.loopMinCycles;
  if (options.loopMaxConnectionMs !== undefined) loop.maxConnectionMs = options.loopMaxConnectionMs;
  const faults = resolveFaults(scenario, base);
  const needsProxy = faults.length > 0 || scenario.proxy === true || redeploys.some((r) => r.kind === 'rolling');
  const toxiproxy = options.toxiproxy ?? (needsProxy ? defaultToxiproxy(agents) : undefined);
  const fleetRunner = options.fleetRunner ?? { kind: 'local' };
  if ('start' in fleetRunner) {
    if (options.fleetShards === 0) throw new HarnessError('EC_BAD_OPTION', `fleetShards 0 runs every agent in this process, but the launcher ${fleetRunner.name} runs them in shards`, 'pass fleetShards 1 or more, or leave it out');
  } else {
    validateFleetRunner(fleetRunner, { hub, toxiproxy, fleetShards: options.fleetShards, scenarioProxied: needsProxy ? { scenario: scenario.name } : undefined });
  }
  if (protocolSource.startsWith(INLINE_SOURCE_PREFIX) && fleetShardCount({ agents, fleetShards: options.fleetShards, fleetRunner }) > 0) {
    throw new HarnessError('EC_BAD_OPTION', `protocol ${protocolSource.slice(INLINE_SOURCE_PREFIX.length)} was given as an object, which reaches agents in this process only, but this run puts its agents in shard processes`, 'put the profile in a file (export default defineProtocol({...})) and pass its path as protocol, or run the agents here (fleetShards: 0)');
  }
  return {
    agents,
    durationMs,
    agentIdPrefix,
    hub,
    /** The reference hub's runtime had none been chosen, so the replay command names a chosen in-process hub. */
    hubRuntimeDefault,
    /** The ping interval the agents assume and every hub the harness starts is told, ms. */
    pingIntervalMs,
    /** Whether --hub-ping-interval chose it, so the replay command passes it back. */
    pingIntervalChosen: options.hubPingIntervalMs !== undefined,
    hubDefects,
    agentDefects,
    /** The hub's wire, as every process of the run finds it: a built-in name or a profile file's absolute path. */
    protocolSource,
    /** Whether --protocol (or the scenario) chose it, so the replay command passes it back. */
    protocolChosen: options.protocol !== undefined,
    /** --health-path, when given: it overrides the protocol's health probe. */
    healthPath: options.healthPath,
    /** Environment variables the protocol's profile reads: a replay needs them set. */
    protocolEnv: protocol?.envNames ?? [],
    backoff,
    faults,
    redeploys,
    /** The Toxiproxy the agents go through, or undefined when they dial the hub directly. */
    toxiproxy,
    /** Whether --toxiproxy (or TOXIPROXY_URL) chose it, so the replay command passes it back. */
    toxiproxyChosen: options.toxiproxy !== undefined || (needsProxy && process.env.TOXIPROXY_URL !== undefined && process.env.TOXIPROXY_URL !== ''),
    fleetShards: options.fleetShards,
    /** Where the fleet runs: a runner of FLEET_RUNNERS with its settings, or a launcher a library caller passed. */
    fleetRunner,
    metricsPort: options.metricsPort,
    /** Whether agents send a bearer token: the replay command names it without printing it. */
    tokenGiven: options.token !== undefined,
    adminTokenGiven: options.adminToken !== undefined,
    /** The token for the hub's admin routes and /metrics: the admin token, else the agents' token. */
    adminToken: options.adminToken ?? options.token,
    loop,
    seed: options.seed ?? String(randomInt(1, 2 ** 31)),
  };
}

export type ResolvedParams = ReturnType<typeof resolveParams>;

/**
 * The interval agents expect pings at. A hub the harness starts is told it, so
 * the scenario's holds; a --hub-url hub is told nothing, so the protocol's
 * default holds unless the user says what that hub does.
 */
function resolvePingInterval(scenario: ScenarioDefinition, hub: HubChoice, chosen: number | undefined): number {
  if (chosen !== undefined) return chosen;
  return hub.kind === 'external' ? DEFAULT_PING_INTERVAL_MS : (scenario.hub?.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS);
}

/** TOXIPROXY_URL when set; else the embedded server, in this process for small fleets and as processes for big ones. */
function defaultToxiproxy(agents: number): ToxiproxyChoice {
  const url = process.env.TOXIPROXY_URL;
  if (url) return { kind: 'url', url };
  return agents > 2_000 ? { kind: 'process', servers: Math.ceil(agents / AGENTS_PER_PROXY) } : { kind: 'embedded' };
}

export function describeHub(hub: HubChoice): string {
  switch (hub.kind) {
    case 'external':
      return `the hub at ${hub.url}`;
    case 'command':
      return `the command ${JSON.stringify(hub.command)}`;
    case 'container':
      return hub.image ? `image ${hub.image}` : 'the reference hub image';
    default:
      return `the reference hub (${hub.kind})`;
  }
}
