import { DEFAULT_PING_INTERVAL_MS } from '../../protocol/v1.ts';
import type { FaultStep, ScenarioDefinition, ScenarioParams } from '../scenario/define.ts';
import { formatMs } from '../checks/stats.ts';
import { defaultHubRuntime, IN_PROCESS_HUB_MAX_AGENTS } from '../runtime/hubs/default-runtime.ts';

/**
 * What `npm run scenario list` and `npm run scenario <name> -- --help` print,
 * read from the definition itself so the help can never drift from what runs.
 * Timelines and checks written as functions of the run's parameters are shown
 * at the scenario's defaults (or at the --agents/--duration given).
 */
type Resolvable<T> = T | ((params: ScenarioParams) => T) | undefined;

function resolve<T>(value: Resolvable<T>, params: ScenarioParams): T | undefined {
  return typeof value === 'function' ? (value as (p: ScenarioParams) => T)(params) : value;
}

/** "latencyMs 500, jitterMs 100": a spec's fields without its kind. */
function fields(spec: object, skip: readonly string[] = []): string {
  return Object.entries(spec)
    .filter(([k, v]) => !skip.includes(k) && v !== undefined)
    .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`)
    .join(', ');
}

function faultLine(step: FaultStep, index: number, durationMs: number): [string, string] {
  const name = step.name ?? `${step.fault.kind}-${index}`;
  const until = step.durationMs === undefined ? durationMs : step.atMs + step.durationMs;
  const detail = fields(step.fault, ['kind']);
  return [name, `${step.fault.kind}${detail ? ` (${detail})` : ''} on ${step.group ?? 'all'}, ${formatMs(step.atMs)} -> ${formatMs(until)}`];
}

function table(rows: readonly [string, string][], indent = '  '): string[] {
  const width = Math.max(0, ...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}${v}`);
}

/** The full description for --help: defaults, groups, fault and redeploy timelines, checks with their options. */
export function describeScenario(s: ScenarioDefinition, override: Partial<ScenarioParams> = {}): string {
  const params: ScenarioParams = {
    agents: override.agents ?? s.defaults.agents,
    durationMs: override.durationMs ?? s.defaults.durationMs,
    pingIntervalMs: override.pingIntervalMs ?? s.hub?.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS,
  };
  const at = override.agents !== undefined || override.durationMs !== undefined ? `${params.agents} agents, ${formatMs(params.durationMs)}` : 'the defaults';
  const defaults: [string, string][] = [
    ['agents', `${s.defaults.agents}  (--agents)`],
    ['duration', `${formatMs(s.defaults.durationMs)} steady phase  (--duration)`],
    ['ramp', s.defaults.rampMs === undefined ? 'agents start 2 ms apart, over at most 5 s' : `agents start over ${formatMs(s.defaults.rampMs)}`],
    ['traffic', s.traffic ? `a command to a random agent every ${formatMs(s.traffic.commandIntervalMs)}` : 'no commands'],
    ['settle', `wait up to ${formatMs(s.settleMs ?? 10_000)} for the fleet to reconnect and commands to land`],
  ];
  if (s.hub?.pingIntervalMs !== undefined) defaults.push(['hub', `pings every ${formatMs(s.hub.pingIntervalMs)}`]);
  const runtime = s.hub?.runtime ?? defaultHubRuntime(params.agents);
  defaults.push(['hub runtime', `${runtime}${s.hub?.runtime ? '' : runtime === 'in-process' ? ` (up to ${IN_PROCESS_HUB_MAX_AGENTS} agents)` : ` (past ${IN_PROCESS_HUB_MAX_AGENTS} agents: off the harness's event loop)`}  (--hub-runtime)`]);
  if (s.agent?.backoff) defaults.push(['backoff', fields(s.agent.backoff)]);
  if (s.agent?.pollIntervalMs !== undefined) defaults.push(['polling', `every ${formatMs(s.agent.pollIntervalMs)} while the WebSocket is down`]);
  const lines = [`${s.name}: ${s.description}`, '', 'defaults:', ...table(defaults)];

  if (s.groups?.length) {
    const rest = 1 - s.groups.reduce((sum, g) => sum + g.share, 0);
    const rows: [string, string][] = s.groups.map((g) => [g.name, `${Math.round(g.share * 100)}% of the fleet, behind its own proxy`]);
    if (rest > 1e-9) rows.push(['rest', `the other ${Math.round(rest * 100)}%`]);
    lines.push('', 'groups:', ...table(rows));
  }
  const faults = resolve(s.faults, params) ?? [];
  lines.push('', `faults (at ${at}; times from the start of the steady phase):`);
  lines.push(...(faults.length ? table(faults.map((f, i) => faultLine(f, i, params.durationMs))) : ['  none']));
  const redeploys = resolve(s.redeploys, params) ?? [];
  if (redeploys.length) {
    lines.push('', `hub redeploys (at ${at}):`);
    lines.push(...table(redeploys.map((r, i) => [r.name ?? `${r.kind}-${i}`, `${r.kind} at ${formatMs(r.atMs)}${r.downMs !== undefined ? `, down ${formatMs(r.downMs)}` : ''}`])));
  }
  const checks = resolve(s.checks, params) ?? {};
  lines.push('', `checks (at ${at}; the loop detector also takes --loop-cycles and --loop-max-connection):`);
  lines.push(...table(Object.entries(checks).map(([name, options]) => [name, fields(options ?? {}) || 'default options'])));
  return `${lines.join('\n')}\n`;
}

/** One entry of `list`: name, what it does, its size, and what it throws at the fleet. */
export function summarizeScenario(s: ScenarioDefinition): string {
  const params = { agents: s.defaults.agents, durationMs: s.defaults.durationMs, pingIntervalMs: s.hub?.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS };
  const faults = resolve(s.faults, params) ?? [];
  const redeploys = resolve(s.redeploys, params) ?? [];
  const checks = Object.keys(resolve(s.checks, params) ?? {});
  const disruptions = [...faults.map((f) => f.fault.kind), ...redeploys.map((r) => `${r.kind} redeploy`)];
  return [
    `${s.name.padEnd(12)} ${s.description}`,
    `${''.padEnd(12)} ${s.defaults.agents} agents, ${formatMs(s.defaults.durationMs)}; ${disruptions.length ? disruptions.join(', ') : 'no faults'}; checks: ${checks.join(', ')}`,
  ].join('\n');
}
