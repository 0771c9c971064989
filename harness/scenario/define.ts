import type { BackoffOptions } from '../../agent/backoff.ts';
import { closestName } from '../../common/closest-name.ts';
import { CHECK_NAMES, checkOptionNames, type CheckName, type ChecksConfig } from '../checks/index.ts';
import { HarnessError } from '../errors.ts';
import { faultStepProblem, redeployStepProblem, type FaultStep, type GroupSpec, type RedeployStep } from './steps.ts';

export type { FaultSpec, FaultStep, GroupSpec, RedeployStep } from './steps.ts';

/** Parameters a run resolves from the scenario's defaults and the command line. */
export interface ScenarioParams {
  agents: number;
  durationMs: number;
  /**
   * The hub's ping interval the agents assume, ms: the scenario's `hub.pingIntervalMs` (every hub the harness
   * starts is told it), or --hub-ping-interval (default 10_000 for a --hub-url hub). Checks bound by it scale with it.
   */
  pingIntervalMs: number;
}

/** A scenario is plain data: who runs, for how long, what traffic, which checks. */
export interface ScenarioDefinition {
  /** Lower-case words joined by '-', e.g. "loop". */
  name: string;
  /** One line: what the scenario does and what it proves. */
  description: string;
  /** The hub's wire: a built-in protocol's name or a profile file's path (relative to where npm runs). Default v1; --protocol overrides it. */
  protocol?: string;
  defaults: {
    /** Number of agents. */
    agents: number;
    /** How long the steady phase lasts, ms. */
    durationMs: number;
    /** Spread agent starts over this long, ms. Default: 2 ms per agent, at most 5_000. */
    rampMs?: number;
  };
  hub?: {
    /** The hub's ping interval, ms: agents expect it and every hub the harness starts is told it (a --hub-cmd hub as PING_INTERVAL_MS). Default 10_000. */
    pingIntervalMs?: number;
    /** Where the reference hub runs unless the command line says otherwise. Default: 'in-process' up to 50 agents, 'child-process' past that (IN_PROCESS_HUB_MAX_AGENTS). */
    runtime?: 'in-process' | 'child-process';
  };
  agent?: {
    backoff?: BackoffOptions;
    /** Interval between HTTP polls while the WebSocket is down, ms. Default 2_000. */
    pollIntervalMs?: number;
  };
  traffic?: {
    /** Issue one command to a random agent this often through the hub's admin API, ms. */
    commandIntervalMs: number;
  };
  /**
   * Shares of the fleet, each behind its own proxy, so a fault can hit only
   * part of it. Agents not in a named group form the group 'rest'; with no
   * groups, the whole fleet is the group 'fleet'.
   */
  groups?: GroupSpec[];
  /**
   * The fault timeline, relative to the start of the steady phase. A function
   * scales it with the run's duration. Any fault puts the agents behind
   * Toxiproxy.
   */
  faults?: FaultStep[] | ((params: ScenarioParams) => FaultStep[]);
  /**
   * Hub redeploys on the timeline, relative to the start of the steady phase.
   * A scenario with redeploys refuses to run against a hub the harness may not
   * restart (--hub-url).
   */
  redeploys?: RedeployStep[] | ((params: ScenarioParams) => RedeployStep[]);
  /** Put the agents behind Toxiproxy even without faults (rolling redeploys need it). Default: only when there are faults. */
  proxy?: boolean;
  /** After the steady phase, wait at most this long for issued commands to be applied, ms. Default 10_000. */
  settleMs?: number;
  /** The checks and their options; a function can scale them with the run's parameters. */
  checks: ChecksConfig | ((params: ScenarioParams) => ChecksConfig);
}

const NAME_RE = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Every field name of an object type, each `true`: the type refuses a name it lacks and misses none it has. */
type FieldNames<T> = { readonly [Name in keyof Required<T>]: true };
const fieldNames = <T>(fields: FieldNames<T>): readonly string[] => Object.keys(fields);

/** The field names of each part of a definition, so a misspelt one is refused, not ignored. */
const FIELDS = {
  '': fieldNames<ScenarioDefinition>({ name: true, description: true, protocol: true, defaults: true, hub: true, agent: true, traffic: true, groups: true, faults: true, redeploys: true, proxy: true, settleMs: true, checks: true }),
  defaults: fieldNames<ScenarioDefinition['defaults']>({ agents: true, durationMs: true, rampMs: true }),
  hub: fieldNames<NonNullable<ScenarioDefinition['hub']>>({ pingIntervalMs: true, runtime: true }),
  agent: fieldNames<NonNullable<ScenarioDefinition['agent']>>({ backoff: true, pollIntervalMs: true }),
  'agent.backoff': fieldNames<BackoffOptions>({ minMs: true, maxMs: true, factor: true, resetAfterMs: true, jitter: true }),
  traffic: fieldNames<NonNullable<ScenarioDefinition['traffic']>>({ commandIntervalMs: true }),
  group: fieldNames<GroupSpec>({ name: true, share: true }),
};

type Fail = (field: string, expected: string, value: unknown) => never;

function failerFor(definition: { name?: unknown } | null | undefined): { fail: Fail; unknownFields: (path: string, value: unknown, valid: readonly string[]) => void } {
  const where = typeof definition?.name === 'string' ? `scenario ${JSON.stringify(definition.name)}` : 'scenario';
  const fail: Fail = (field, expected, value) => {
    throw new HarnessError('EC_BAD_SCENARIO', `${where}: ${field} must be ${expected}, got ${JSON.stringify(value)}`, `fix ${field} in the scenario definition`);
  };
  /** Refuses a field name `valid` lacks in the object at `path` (nothing to do for a non-object: the type checks say so). */
  const unknownFields = (path: string, value: unknown, valid: readonly string[]) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
    for (const name of Object.keys(value)) {
      if (valid.includes(name)) continue;
      const field = path === '' ? name : `${path}.${name}`;
      const guess = closestName(name, valid);
      throw new HarnessError(
        'EC_BAD_SCENARIO',
        `${where}: ${JSON.stringify(field)} is not a field of ${path === '' ? 'a scenario' : path}${guess ? `; did you mean ${guess}?` : ''}`,
        `${guess ? `use ${guess}` : 'remove it'} in the scenario definition; ${valid.length === 0 ? 'it takes no fields' : `valid: ${valid.join(', ')}`}`,
      );
    }
  };
  return { fail, unknownFields };
}

/**
 * Checks a scenario once, where it is loaded, and returns it unchanged. An
 * error names the scenario, the field and the bad value.
 */
export function defineScenario(definition: ScenarioDefinition): ScenarioDefinition {
  const { fail, unknownFields } = failerFor(definition);
  if (typeof definition !== 'object' || definition === null) fail('the definition', 'an object', definition);
  unknownFields('', definition, FIELDS['']);
  unknownFields('defaults', definition.defaults, FIELDS.defaults);
  unknownFields('hub', definition.hub, FIELDS.hub);
  unknownFields('agent', definition.agent, FIELDS.agent);
  unknownFields('agent.backoff', definition.agent?.backoff, FIELDS['agent.backoff']);
  unknownFields('traffic', definition.traffic, FIELDS.traffic);
  if (Array.isArray(definition.groups)) definition.groups.forEach((g, i) => unknownFields(`groups[${i}]`, g, FIELDS.group));
  if (typeof definition.name !== 'string' || !NAME_RE.test(definition.name)) fail('name', 'lower-case words joined by "-"', definition.name);
  if (typeof definition.description !== 'string' || definition.description.trim() === '') fail('description', 'a non-empty string', definition.description);
  if (definition.protocol !== undefined && (typeof definition.protocol !== 'string' || definition.protocol === '')) fail('protocol', "a protocol's name ('v1', 'ws', 'socket.io') or a profile file's path", definition.protocol);
  const d = definition.defaults;
  if (typeof d !== 'object' || d === null) fail('defaults', 'an object with agents and durationMs', d);
  if (!Number.isInteger(d.agents) || d.agents < 1) fail('defaults.agents', 'a whole number >= 1', d.agents);
  if (!(typeof d.durationMs === 'number' && d.durationMs > 0)) fail('defaults.durationMs', 'a number of ms > 0', d.durationMs);
  if (d.rampMs !== undefined && !(typeof d.rampMs === 'number' && d.rampMs >= 0)) fail('defaults.rampMs', 'a number of ms >= 0', d.rampMs);
  const ping = definition.hub?.pingIntervalMs;
  if (ping !== undefined && !(typeof ping === 'number' && ping >= 10)) fail('hub.pingIntervalMs', 'a number of ms >= 10', ping);
  const interval = definition.traffic?.commandIntervalMs;
  if (definition.traffic !== undefined && !(typeof interval === 'number' && interval >= 1)) fail('traffic.commandIntervalMs', 'a number of ms >= 1', interval);
  if (definition.settleMs !== undefined && !(typeof definition.settleMs === 'number' && definition.settleMs >= 0)) fail('settleMs', 'a number of ms >= 0', definition.settleMs);
  const backoff = definition.agent?.backoff;
  for (const key of ['minMs', 'maxMs', 'resetAfterMs'] as const) {
    const v = backoff?.[key];
    if (v !== undefined && !(typeof v === 'number' && v >= 0)) fail(`agent.backoff.${key}`, 'a number of ms >= 0', v);
  }
  if (backoff?.factor !== undefined && !(typeof backoff.factor === 'number' && backoff.factor >= 1)) fail('agent.backoff.factor', 'a number >= 1 (the delay ceiling must not shrink)', backoff.factor);
  if (backoff?.jitter !== undefined && backoff.jitter !== 'full' && backoff.jitter !== 'none') fail('agent.backoff.jitter', "'full' or 'none'", backoff.jitter);
  if (backoff?.minMs !== undefined && backoff.maxMs !== undefined && backoff.minMs > backoff.maxMs) fail('agent.backoff.minMs', `at most agent.backoff.maxMs (${backoff.maxMs})`, backoff.minMs);
  const poll = definition.agent?.pollIntervalMs;
  if (poll !== undefined && !(typeof poll === 'number' && poll >= 10)) fail('agent.pollIntervalMs', 'a number of ms >= 10 (lower polls the hub in a tight loop)', poll);
  const groupNames: string[] = [];
  if (definition.groups !== undefined) {
    if (!Array.isArray(definition.groups)) fail('groups', 'an array of { name, share }', definition.groups);
    let total = 0;
    definition.groups.forEach((g, i) => {
      if (typeof g?.name !== 'string' || !NAME_RE.test(g.name) || ['all', 'rest', 'fleet'].includes(g.name)) fail(`groups[${i}].name`, "lower-case words joined by '-', not all/rest/fleet", g?.name);
      if (!(typeof g.share === 'number' && g.share > 0 && g.share <= 1)) fail(`groups[${i}].share`, 'a fraction > 0 and <= 1', g.share);
      total += g.share;
      groupNames.push(g.name);
    });
    if (total > 1 + 1e-9) fail('groups', 'shares adding up to at most 1', total);
  }
  if (Array.isArray(definition.faults)) checkFaults(definition.faults, 'faults');
  else if (definition.faults !== undefined && typeof definition.faults !== 'function') fail('faults', 'an array of fault steps or a function of the run parameters', definition.faults);
  if (Array.isArray(definition.redeploys)) checkRedeploys(definition.redeploys);
  else if (definition.redeploys !== undefined && typeof definition.redeploys !== 'function') fail('redeploys', 'an array of redeploy steps or a function of the run parameters', definition.redeploys);
  if (typeof definition.checks === 'object' && definition.checks !== null) {
    checkChecksConfig(definition, definition.checks);
  } else if (typeof definition.checks !== 'function') {
    fail('checks', 'an object or a function of the run parameters', definition.checks);
  }
  return definition;

  function checkRedeploys(steps: RedeployStep[]): void {
    steps.forEach((step, i) => {
      const problem = redeployStepProblem(step);
      if (problem) fail(`redeploys[${i}]${problem[0] ? `.${problem[0]}` : ''}`, problem[1], problem[2]);
    });
  }

  function checkFaults(steps: FaultStep[], field: string): void {
    steps.forEach((step, i) => {
      const problem = faultStepProblem(step, [...groupNames, 'rest', 'fleet']);
      if (problem) fail(`${field}[${i}]${problem[0] ? `.${problem[0]}` : ''}`, problem[1], problem[2]);
    });
  }
}

/**
 * A scenario's checks config: known checks, each with an object of known
 * options. Also applied to what a `checks` function returns, when a run
 * resolves it.
 */
export function checkChecksConfig(definition: ScenarioDefinition, config: unknown): void {
  const { fail, unknownFields } = failerFor(definition);
  if (typeof config !== 'object' || config === null || Array.isArray(config)) fail('checks', 'an object of checks and their options', config);
  unknownFields('checks', config, CHECK_NAMES);
  for (const [name, options] of Object.entries(config as object)) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) fail(`checks.${name}`, 'an object of its options ({} for the defaults)', options);
    unknownFields(`checks.${name}`, options, checkOptionNames(name as CheckName));
  }
  const loopCycles = (config as ChecksConfig).connectionLoop?.minCycles;
  if (loopCycles !== undefined && !(Number.isInteger(loopCycles) && loopCycles >= 2)) fail('checks.connectionLoop.minCycles', 'a whole number >= 2', loopCycles);
}

/** The redeploy timeline for a run, checked again when it came from a function. */
export function resolveRedeploys(definition: ScenarioDefinition, params: ScenarioParams): RedeployStep[] {
  if (definition.redeploys === undefined) return [];
  const steps = typeof definition.redeploys === 'function' ? definition.redeploys(params) : definition.redeploys;
  defineScenario({ ...definition, redeploys: steps });
  return steps;
}

/** The fault timeline for a run, checked again when it came from a function. */
export function resolveFaults(definition: ScenarioDefinition, params: ScenarioParams): FaultStep[] {
  if (definition.faults === undefined) return [];
  const steps = typeof definition.faults === 'function' ? definition.faults(params) : definition.faults;
  defineScenario({ ...definition, faults: steps });
  return steps;
}
