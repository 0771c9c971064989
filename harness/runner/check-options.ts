/**
 * The one check of a run's options, where they enter (habit 5). The runner
 * applies it to whatever reaches it, so `runScenario` from the library and
 * the command line (which first turns its flags into these options) go
 * through the same path; the limits and rules the command line's own parser
 * words in flags are exported from here, so each lives once.
 *
 * An unknown name is refused with the closest valid one ("did you mean
 * hubDefects?") and the full list: a misspelt option silently ignored would
 * run another test than the one written.
 */
import { AGENT_DEFECTS } from '../../agent/defects.ts';
import { closestName } from '../../common/closest-name.ts';
import { MAX_TIMER_MS, checkDurationMs } from '../../common/duration.ts';
import { AGENT_ID_CHARS, isValidAgentId } from '../../protocol/v1.ts';
import { HUB_DEFECTS } from '../../server/defects/index.ts';
import { HarnessError } from '../errors.ts';
import type { HubChoice } from '../runtime/hubs/index.ts';
import { HUB_RUNTIMES, hubRuntimes, type HubField } from '../runtime/hubs/runtimes.ts';
import { AGENTS_PER_PROXY, type ToxiproxyChoice } from '../runtime/proxy.ts';
import { FLEET_RUNNERS, isFleetRunnerName } from '../runtime/fleet/runners.ts';
import { commandLine } from '../../common/layout.ts';
import type { RunOptions } from './options.ts';

/** Each Toxiproxy server is a Node process carrying AGENTS_PER_PROXY agents. */
export const MAX_TOXIPROXY_PROCESSES = 16;
/** As many agents as the most proxy processes carry (64,000); 10,000 is the scale target on 2 cores. */
export const MAX_AGENTS = MAX_TOXIPROXY_PROCESSES * AGENTS_PER_PROXY;
/** A loop longer than this is never seen in a run. */
export const MAX_LOOP_CYCLES = 10_000;
/** Below this a hub would ping in a tight loop. */
export const MIN_PING_INTERVAL_MS = 10;
/** A seed the replay command reads back as one word (not starting with "-", so not as an option). */
export const SEED_PATTERN = /^[A-Za-z0-9._][A-Za-z0-9._-]{0,63}$/;
export const SEED_RULE = 'a number or a short word (up to 64 of A-Z a-z 0-9 . _ -, not starting with -)';

/** Why a bearer token cannot go in an Authorization header, or undefined when it can. */
export function tokenProblem(token: string): string | undefined {
  if (token === '') return 'is empty';
  if (/[\x00-\x20\x7f]/.test(token)) return 'contains whitespace or control characters, which no Authorization header can carry';
  return undefined;
}

export function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** Checks one value; `path` (`hub.port`) and the flag (`--hub-port`) name it in the error. */
type Check = (value: unknown, path: string, flag?: string) => void;

interface OptionSpec {
  /** The command line's flag for it, named in errors so a CLI user knows it too. */
  flag?: string;
  check: Check;
}

/** An error naming the option, its value and what it must be. */
function refuse(at: string, value: unknown, problem: string, fix: string): never {
  throw new HarnessError('EC_BAD_OPTION', `option ${at} = ${shown(value)}: ${problem}`, fix);
}

/** A value as it would be written in code, short. */
function shown(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value === undefined) return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return value.toString();
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function whole(min: number, max: number, example: number): Check {
  return (value, path, flag) => {
    const at = label(path, flag);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) refuse(at, value, `must be a whole number >= ${min}`, `pass e.g. ${path}: ${example}`);
    if (value > max) refuse(at, value, `too large: at most ${max}`, `pass ${path}: ${max} or less`);
  };
}

function ms(minMs: number, example: string): Check {
  return (value, path, flag) => {
    const at = label(path, flag);
    const fix = `pass ${path} in ms, from ${minMs} to ${MAX_TIMER_MS}, e.g. ${path}: ${example}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) refuse(at, value, 'must be a finite number of milliseconds', fix);
    checkDurationMs(value, { flag: at, minMs, maxMs: MAX_TIMER_MS, code: 'EC_BAD_OPTION' }, (why) => new HarnessError('EC_BAD_OPTION', `option ${at} = ${shown(value)}: ${why}`, fix));
  };
}

function text(rule: (value: string) => string | undefined, example: string): Check {
  return (value, path, flag) => {
    const at = label(path, flag);
    if (typeof value !== 'string') refuse(at, value, 'must be a string', `pass e.g. ${path}: ${example}`);
    const problem = rule(value);
    if (problem !== undefined) refuse(at, value, problem, `pass e.g. ${path}: ${example}`);
  };
}

const anyText = text(() => undefined, "'...'");
const oneLine = (value: string) => (/[\x00-\x1f\x7f]/.test(value) ? 'contains control characters' : undefined);
const nonBlank = (value: string) => (value.trim() === '' ? 'is empty' : oneLine(value));
const httpUrl = (example: string) => text((value) => (isHttpUrl(value) ? undefined : 'is not an http(s) URL'), example);

function names(known: ReadonlyMap<string, unknown>, what: string): Check {
  return (value, path, flag) => {
    const at = label(path, flag);
    if (!Array.isArray(value)) refuse(at, value, `must be an array of ${what} names`, `pass e.g. ${path}: [${JSON.stringify([...known.keys()][0])}]`);
    for (const name of value) {
      if (typeof name === 'string' && known.has(name)) continue;
      const guess = typeof name === 'string' ? closestName(name, known.keys()) : undefined;
      refuse(at, value, `unknown ${what} ${shown(name)}${guess ? `; did you mean ${guess}?` : ''}`, `use one of: ${[...known.keys()].join(', ')} (${commandLine('scenario', 'list')} describes them)`);
    }
  };
}

function instance(what: string, test: (value: unknown) => boolean): Check {
  return (value, path) => {
    if (!test(value)) refuse(path, value, `must be ${what}`, `pass ${what}, or leave it out`);
  };
}

/**
 * A runner from FLEET_RUNNERS with only the settings it reads (`{ kind: 'containers', image }`), or a
 * launcher of the caller's own (an object with a name and start()). The settings' values and the shard
 * count are checked against the rest of the run by validateFleetRunner (resolveParams).
 */
function fleetRunnerChoice(value: unknown, path: string, flag?: string): void {
  const at = label(path, flag);
  const runners = Object.keys(FLEET_RUNNERS);
  const example = "{ kind: 'local-network' }";
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(at, value, `must be a fleet runner choice such as ${example}, or a ShardLauncher`, `pass e.g. ${path}: ${example}; runners: ${runners.join(', ')}`);
  const { kind, ...settings } = value as { kind?: unknown; name?: unknown; start?: unknown };
  if (typeof (value as { start?: unknown }).start === 'function') {
    if (typeof (value as { name?: unknown }).name !== 'string') refuse(`${path}.name`, (value as { name?: unknown }).name, 'a ShardLauncher needs a name, for messages', `add name: 'my-launcher' to ${path}`);
    return;
  }
  if (typeof kind !== 'string' || !isFleetRunnerName(kind)) {
    const guess = typeof kind === 'string' ? closestName(kind, runners) : undefined;
    refuse(`${path}.kind`, kind, `not a fleet runner${guess ? `; did you mean ${guess}?` : ''}`, `use one of: ${runners.join(', ')}`);
  }
  const reads: readonly string[] = FLEET_RUNNERS[kind].settings;
  for (const name of Object.keys(settings)) {
    if (!reads.includes(name)) unknownName(`${path}.${name}`, name, reads, `the settings of fleet runner '${kind}'`);
  }
}

/** The most shards any runner runs; each runner's own bound is validateFleetRunner's. */
const MAX_ANY_RUNNER_SHARDS = Math.max(...Object.values(FLEET_RUNNERS).map((r) => r.maxShards));

/** The fields of each kind of a `{ kind, ... }` choice, so the record cannot miss a field of the type. */
type ChoiceFields<U extends { kind: string }> = {
  [K in U['kind']]: { [F in Exclude<keyof Extract<U, { kind: K }>, 'kind'>]-?: OptionSpec & { required: boolean } };
};

/** A hub field's flag and check, from what HUB_RUNTIMES says its value must be. */
function hubFieldSpec(field: HubField): OptionSpec {
  switch (field.value) {
    case 'text':
      return { flag: field.flag, check: text(nonBlank, `'${field.example}'`) };
    case 'http-url':
      return { flag: field.flag, check: httpUrl(`'${field.example}'`) };
    case 'port':
      return { flag: field.flag, check: whole(1, 65_535, Number(field.example)) };
  }
}

/** Each hub runtime's fields, as HUB_RUNTIMES describes them (its type matches HubChoice's, so this does). */
const HUB_FIELDS = Object.fromEntries(
  hubRuntimes().map(([kind, runtime]) => [kind, Object.fromEntries(Object.entries(runtime.fields).map(([name, field]) => [name, { ...hubFieldSpec(field), required: field.required }]))]),
) as ChoiceFields<HubChoice>;

const TOXIPROXY_FIELDS: ChoiceFields<ToxiproxyChoice> = {
  embedded: {},
  process: { servers: { check: whole(1, MAX_TOXIPROXY_PROCESSES, 2), required: true } },
  url: { url: { check: httpUrl("'http://127.0.0.1:8474'"), required: true } },
  container: { image: { check: text(nonBlank, "'ghcr.io/shopify/toxiproxy'"), required: false } },
};

/** A `{ kind, ...fields }` object: a known kind, its fields and no others. */
function choice(kinds: Record<string, Record<string, OptionSpec & { required: boolean }>>, example: string): Check {
  return (value, at, flag) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(label(at, flag), value, `must be an object such as ${example}`, `pass e.g. ${at}: ${example}`);
    const { kind, ...rest } = value as { kind?: unknown };
    const fields = typeof kind === 'string' ? Object.hasOwn(kinds, kind) ? kinds[kind] : undefined : undefined;
    if (fields === undefined) {
      const guess = typeof kind === 'string' ? closestName(kind, Object.keys(kinds)) : undefined;
      refuse(`${at}.kind`, kind, `not a kind${guess ? `; did you mean ${guess}?` : ''}`, `use one of: ${Object.keys(kinds).join(', ')}`);
    }
    for (const [name, field] of Object.entries(rest)) {
      const spec = Object.hasOwn(fields, name) ? fields[name] : undefined;
      if (spec === undefined) unknownName(`${at}.${name}`, name, Object.keys(fields), `the fields of ${at} { kind: '${kind}' }`);
      else if (field !== undefined) spec.check(field, `${at}.${name}`, spec.flag);
    }
    for (const [name, spec] of Object.entries(fields)) {
      if (spec.required && (rest as Record<string, unknown>)[name] === undefined) refuse(label(`${at}.${name}`, spec.flag), undefined, `is required with kind '${kind}'`, `add ${name} to ${at}`);
    }
  };
}

function unknownName(at: string, name: string, valid: readonly string[], what: string): never {
  const guess = closestName(name, valid);
  throw new HarnessError(
    'EC_BAD_OPTION',
    `${JSON.stringify(at)} is not one of ${what}${guess ? `; did you mean ${guess}?` : ''}`,
    `${guess ? `use ${guess}` : 'remove it'}; ${valid.length === 0 ? 'this kind has no other fields' : `valid: ${valid.join(', ')}`}`,
  );
}

const label = (name: string, flag: string | undefined) => (flag ? `${name} (${flag})` : name);

/** Every run option, in RunOptions' order; the type makes sure none is left out. */
const RUN_OPTIONS = {
  agents: { flag: '--agents', check: whole(1, MAX_AGENTS, 10) },
  durationMs: { flag: '--duration', check: ms(1, '20_000') },
  seed: { flag: '--seed', check: text((value) => (SEED_PATTERN.test(value) ? undefined : `must be ${SEED_RULE}`), "'42'") },
  hubDefects: { flag: '--defect', check: names(HUB_DEFECTS, 'hub defect') },
  hubUrl: hubFieldSpec(HUB_RUNTIMES.external.fields.url),
  hub: { check: choice(HUB_FIELDS, "{ kind: 'child-process' }") },
  hubPingIntervalMs: { flag: '--hub-ping-interval', check: ms(MIN_PING_INTERVAL_MS, '10_000') },
  scenarioSource: { check: anyText },
  agentDefects: { flag: '--agent-defect', check: names(AGENT_DEFECTS, 'agent defect') },
  maxEvents: { check: whole(1, Number.MAX_SAFE_INTEGER, 2_000_000) },
  fleetShards: { flag: '--fleet-shards', check: whole(0, MAX_ANY_RUNNER_SHARDS, 2) },
  fleetRunner: { flag: '--fleet-runner', check: fleetRunnerChoice },
  metricsPort: { flag: '--metrics-port', check: whole(0, 65_535, 9464) },
  onEndpoint: { check: instance('a function', (value) => typeof value === 'function') },
  agentIdPrefix: {
    flag: '--agent-id-prefix',
    // The length also depends on the agent count: resolveParams checks the longest id.
    check: text((value) => (isValidAgentId(`${value}1`) ? undefined : `makes invalid edge_agent_ids: use only ${AGENT_ID_CHARS}`), "'edge-'"),
  },
  healthPath: { flag: '--health-path', check: text((value) => (value === 'tcp' || /^\/[^\s]*$/.test(value) ? undefined : "must be an absolute path like /status, or 'tcp'"), "'/status'") },
  protocol: { flag: '--protocol', check: instance("a protocol's name, a profile file's path or a defineProtocol profile", (value) => (typeof value === 'string' && value !== '') || (typeof value === 'object' && value !== null && !Array.isArray(value))) },
  token: { flag: '--token', check: text(tokenProblem, "'the token your hub expects'") },
  adminToken: { flag: '--admin-token', check: text(tokenProblem, "'the admin token your hub expects'") },
  toxiproxy: { flag: '--toxiproxy', check: choice(TOXIPROXY_FIELDS, "{ kind: 'embedded' }") },
  loopMinCycles: { flag: '--loop-cycles', check: whole(2, MAX_LOOP_CYCLES, 3) },
  loopMaxConnectionMs: { flag: '--loop-max-connection', check: ms(1, '5_000') },
  signal: { check: instance('an AbortSignal', (value) => value instanceof AbortSignal) },
  onProgress: { check: instance('a function', (value) => typeof value === 'function') },
} satisfies { [Name in keyof Required<RunOptions>]: OptionSpec };

export const RUN_OPTION_NAMES = Object.keys(RUN_OPTIONS) as (keyof RunOptions)[];

/**
 * Refuses options with a name RunOptions does not have (or `extra` adds, as
 * the library adds reportDir), and every value of the wrong type or out of
 * range, nested hub and Toxiproxy choices included, with EC_BAD_OPTION. An
 * option given as undefined is absent. Checks that need the scenario (the
 * longest agent id, redeploys against a hub the harness cannot restart) are
 * resolveParams'.
 */
export function checkRunOptions(options: unknown, extra: Readonly<Record<string, Check>> = {}): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new HarnessError('EC_BAD_OPTION', `the run options must be an object, got ${shown(options)}`, 'pass e.g. { agents: 5, durationMs: 10_000 }, or leave them out');
  }
  const specs: Record<string, OptionSpec> = { ...RUN_OPTIONS, ...Object.fromEntries(Object.entries(extra).map(([name, check]) => [name, { check }])) };
  for (const [name, value] of Object.entries(options)) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    if (spec === undefined) unknownName(name, name, Object.keys(specs), 'the run options');
    else if (value !== undefined) spec.check(value, name, spec.flag);
  }
  const { hub, hubUrl } = options as RunOptions;
  if (hub !== undefined && hubUrl !== undefined) {
    throw new HarnessError('EC_BAD_OPTION', `options hubUrl (${hubUrl}) and hub (${shown(hub)}) both choose the hub`, "pass one: hubUrl is short for hub: { kind: 'external', url }");
  }
}
