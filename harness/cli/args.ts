import { parseArgs } from 'node:util';
import { MAX_TIMER_MS, parseDuration as parseCommonDuration } from '../../common/duration.ts';
import { EdgeChaosError } from '../../common/errors.ts';
import { commandLine } from '../../common/layout.ts';
import { HarnessError } from '../errors.ts';
import { SETTING_FLAGS, type FleetRunnerSettings } from '../runtime/fleet/runner-settings.ts';
import { IN_PROCESS_HUB_MAX_AGENTS, type HubChoice } from '../runtime/hubs/index.ts';
import { HUB_RUNTIME_FLAG, hubRuntime, hubRuntimes, isHubKind, type HubField } from '../runtime/hubs/runtimes.ts';
import { AGENTS_PER_PROXY, type ToxiproxyChoice } from '../runtime/proxy.ts';
import { MAX_AGENTS, MAX_LOOP_CYCLES, MAX_TOXIPROXY_PROCESSES, MIN_PING_INTERVAL_MS, SEED_PATTERN, SEED_RULE, isHttpUrl, tokenProblem } from '../runner/check-options.ts';
import { FLEET_RUNNERS, fleetRunner, isFleetRunnerName, validateFleetRunner, type FleetRunnerChoice, type FleetRunnerName } from '../runtime/fleet/runners.ts';

export interface CliArgs {
  command: 'list' | 'run' | 'help';
  scenario?: string;
  help: boolean;
  agents?: number;
  durationMs?: number;
  seed?: string;
  defects: string[];
  hubUrl?: string;
  hubPingIntervalMs?: number;
  agentIdPrefix?: string;
  protocol?: string;
  healthPath?: string;
  token?: string;
  adminToken?: string;
  reportDir?: string;
  loopMinCycles?: number;
  loopMaxConnectionMs?: number;
  toxiproxy?: ToxiproxyChoice;
  hub?: HubChoice;
  agentDefects: string[];
  fleetShards?: number;
  /** Where the shards run, with the settings that runner reads; undefined is local. */
  fleetRunner?: FleetRunnerChoice;
  metricsPort?: number;
  /** Print what a kubernetes run would apply, then exit 0 without running. */
  dryRun: boolean;
  /** Print stack traces with errors. */
  debug: boolean;
}

/** One option of --help: the flag and its placeholder, then its text; a '\n' in the text starts a continuation line. */
function usageLine(flag: string, text: string): string {
  return `  ${flag.padEnd(27)}${text.split('\n').join(`\n${' '.repeat(29)}`)}`;
}

/** Every field of HUB_RUNTIMES's entries, with its runtime and name, in the record's order. */
const HUB_FIELDS = hubRuntimes().flatMap(([kind, runtime]) => Object.entries(runtime.fields).map(([name, field]) => ({ kind, name, field })));
/** The runtimes --hub-runtime names. */
const NAMED_HUB_RUNTIMES = hubRuntimes().flatMap(([kind, runtime]) => (runtime.named ? [kind] : []));
/** The flags that each choose the hub on their own: --hub-runtime, and the fields that choose their runtime (--hub-url, ...). */
const HUB_CHOOSERS = [HUB_RUNTIME_FLAG, ...HUB_FIELDS.flatMap(({ field }) => (field.chooses ? [field.flag] : []))];
/** Every hub flag, each taking a value. */
const HUB_FLAGS = [HUB_RUNTIME_FLAG, ...HUB_FIELDS.map(({ field }) => field.flag)];

/** "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

const HUB_USAGE = [
  usageLine(
    `${HUB_RUNTIME_FLAG} R`,
    `where the reference hub runs: ${NAMED_HUB_RUNTIMES.join(', ')}\n(default: the scenario's, else in-process up to ${IN_PROCESS_HUB_MAX_AGENTS} agents and\nchild-process past that, off the harness's own event loop)`,
  ),
  ...HUB_FIELDS.map(({ field }) => usageLine(`${field.flag} ${field.arg}`, field.usage)),
].join('\n');

export const USAGE = `usage:
  ${commandLine('scenario', 'list')}
  ${commandLine('scenario', '<name|./file.ts>', '[options]')}
  ${commandLine('hub', '', '[options]').padEnd(32)} the reference hub on its own (--help: its options)
  ${commandLine('toxiproxy', '', '[options]').padEnd(32)} the embedded Toxiproxy on its own

options:
  --agents N                 number of simulated agents (default: the scenario's)
  --duration D               steady-phase length: 20s, 2m, 500ms (default: the scenario's)
  --defect NAME              switch on a reference-hub defect (repeatable), e.g. duplicate-ws-handler
${HUB_USAGE}
  --hub-ping-interval D      the interval the hub pings at: agents expect it, the liveness and
                             dead-detection checks scale with it, a hub the harness starts is told
                             it (default: the scenario's; 10s, the protocol's, with --hub-url)
  --agent-defect NAME        switch on an agent defect (repeatable): no-jitter, no-backoff
  --fleet-shards N           shards the agents run in: child processes, containers or pods (default:
                             none up to 2,000 agents, 1 off local; past that 2, or one per 5,000)
  --fleet-runner R           where the shards run: local (default: this process or IPC child
                             processes), local-network (local processes streaming to the run's
                             collector over HTTP), containers (the project image on the local Docker
                             engine) or kubernetes (pods of an Indexed Job); see docs/distributed.md
  --image IMAGE              containers, kubernetes: the project image (containers: default built
                             here; kubernetes: required, pullable by the cluster)
  --namespace NS             kubernetes: namespace of the Job (default: default)
  --shard-cpu Q              kubernetes: CPU request per shard pod (default 500m)
  --shard-memory Q           kubernetes: memory request per shard pod (default 512Mi)
  --collector-url URL        kubernetes: the coordinator as the pods reach it (a Service); the
                             collector listens on that port on every interface
  --dry-run                  kubernetes: print the manifests and the shard plan, run nothing
  --metrics-port P           serve the run's live Prometheus metrics at http://127.0.0.1:P/metrics
                             (0: any free port; the URL is printed); default: not served
  --agent-id-prefix P        agent ids are P1..PN (default agent-)
  --protocol P               the hub's wire: v1 (default, the reference hub's), ws (connection-only:
                             any WebSocket endpoint, no commands), socket.io (Socket.IO 4 on the
                             websocket transport: the 'command' event, v1's HTTP routes), or a profile
                             file describing your hub's own routes and frames (./my-hub.protocol.ts;
                             docs/protocols.md)
  --health-path P            how the hub's health is probed: GET P (any answer below 500 is up), or
                             tcp (a connect to its port); default: the protocol's (v1 /healthz,
                             ws tcp)
  --token T                  bearer token agents send (the reference hub then requires it);
                             also the admin token unless --admin-token is given
  --admin-token T            bearer token for the hub's /admin/* and /metrics (e.g. a --hub-url hub)
  --toxiproxy T              fault proxy: embedded (default), process[:N] (N server processes, up to 16),
                             container, or the URL of a running
                             Toxiproxy (also TOXIPROXY_URL); used when the scenario has faults
  --seed N                   seed for jitter and traffic; the report prints it for replay
  --report-dir DIR           where to write the report (default reports/<scenario>-<time>)
  --loop-cycles N            loop detector: short connections in a row that make a loop (default 3)
  --loop-max-connection D    loop detector: a connection shorter than this is short (default 5s)
  --debug                    print the stack trace with an error
  -h, --help                 this help

exit codes: 0 every check passed, 1 a check failed (the hub), 2 the run cannot judge (invalid: a
            protocol that does not fit the hub, an overloaded machine, a fault that did not
            apply), a usage or harness error, or interrupted`;

function usageError(message: string, fix: string): HarnessError {
  return new HarnessError('EC_USAGE', message, fix);
}

/** "20s", "2m", "500ms", "1h", or a bare number of seconds, to ms (common/duration.ts); a bad one is EC_USAGE. */
export function parseDuration(flag: string, text: string): number {
  try {
    return parseCommonDuration(text, { flag, maxMs: MAX_TIMER_MS, code: 'EC_USAGE' });
  } catch (error) {
    if (error instanceof EdgeChaosError) throw usageError(error.message, error.fix);
    throw error;
  }
}

/** A value as the user typed it, quoted only when it would not read back as one word on one line. */
function shown(text: string): string {
  return /^[\x21-\x7e]+$/.test(text) && !/["'\\]/.test(text) ? text : JSON.stringify(text);
}

function parseWhole(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER, example = Math.max(min, 10)): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw usageError(`${flag} ${shown(text)} must be a whole number >= ${min}`, `pass e.g. ${flag} ${example}`);
  }
  if (n > max) throw usageError(`${flag} ${shown(text)} is too many: at most ${max}`, `pass ${flag} ${max} or less`);
  return n;
}

const VALUE_OPTIONS = new Set([
  'agents', 'duration', 'seed', 'defect', 'agent-defect', 'fleet-shards', 'fleet-runner', 'metrics-port',
  'agent-id-prefix', 'protocol', 'health-path', 'token', 'admin-token', 'report-dir', 'loop-cycles', 'loop-max-connection', 'toxiproxy', 'hub-ping-interval',
  ...Object.values(SETTING_FLAGS).map((flag) => flag.slice(2)),
  ...HUB_FLAGS.map((flag) => flag.slice(2)),
]);

/**
 * `--agents -5` as `--agents=-5`: parseArgs takes a value starting with "-"
 * for an option and refuses it as "ambiguous" without naming it; joined, the
 * value reaches the check that names it and says what is allowed.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if (arg.startsWith('--') && VALUE_OPTIONS.has(arg.slice(2)) && next !== undefined && /^-[\d.]/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * Turns the command line into run options, in the flags' words. The limits
 * and rules are runner/check-options.ts's, which the runner applies again to
 * whatever reaches it (library calls too).
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv),
      allowPositionals: true,
      strict: true,
      options: {
        agents: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        defect: { type: 'string', multiple: true },
        ...Object.fromEntries(HUB_FLAGS.map((flag) => [flag.slice(2), { type: 'string' as const }])),
        'hub-ping-interval': { type: 'string' },
        'agent-defect': { type: 'string', multiple: true },
        'fleet-shards': { type: 'string' },
        'fleet-runner': { type: 'string' },
        'metrics-port': { type: 'string' },
        'agent-id-prefix': { type: 'string' },
        protocol: { type: 'string' },
        'health-path': { type: 'string' },
        token: { type: 'string' },
        'admin-token': { type: 'string' },
        'report-dir': { type: 'string' },
        'loop-cycles': { type: 'string' },
        'loop-max-connection': { type: 'string' },
        toxiproxy: { type: 'string' },
        image: { type: 'string' },
        namespace: { type: 'string' },
        'shard-cpu': { type: 'string' },
        'shard-memory': { type: 'string' },
        'collector-url': { type: 'string' },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        debug: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw usageError((error as Error).message.split('\n')[0]!, `run \`${commandLine('scenario', '', '--help')}\` for the options`);
  }
  const { values, positionals } = parsed;
  // Checked once for every value: nothing a user typed may carry control characters into a log, a report or a header.
  for (const [name, value] of Object.entries(values)) {
    for (const v of typeof value === 'string' ? [value] : Array.isArray(value) ? value : []) {
      if (/[\x00-\x1f\x7f]/.test(v)) throw usageError(`--${name} ${JSON.stringify(v)} contains control characters`, `pass --${name} without newlines, tabs or escape sequences`);
      // An empty prefix is allowed: ids are then just the numbers.
      if (v.trim() === '' && name !== 'agent-id-prefix') throw usageError(`--${name} is empty`, name === 'token' ? 'pass the token the hub expects; a replay command reads it from $EDGE_CHAOS_TOKEN, so set that first' : `pass a value for --${name}, or leave it out (${commandLine('scenario', '', '--help')})`);
    }
  }
  if (positionals.length > 1) throw usageError(`expected one scenario, got ${positionals.map((p) => JSON.stringify(p)).join(' ')}`, `pass one scenario name, then its options, e.g. ${commandLine('scenario', 'loop', '--agents 5')}`);
  const first = positionals[0];
  const help = values.help ?? false;
  const command = first === undefined ? 'help' : first === 'list' ? 'list' : 'run';
  const hub = parseHub(values);
  const tokenIssue = values.token === undefined ? undefined : tokenProblem(values.token);
  if (tokenIssue !== undefined) throw usageError(`--token ${tokenIssue}`, 'pass the token the hub expects; a replay command reads it from $EDGE_CHAOS_TOKEN, so set that first');
  const adminTokenIssue = values['admin-token'] === undefined ? undefined : tokenProblem(values['admin-token']);
  if (adminTokenIssue !== undefined) throw usageError(`--admin-token ${adminTokenIssue}`, 'pass the admin token the hub expects');
  const seed = values.seed;
  // Not starting with "-": a replay command must read it back as a value, not an option.
  if (seed !== undefined && !SEED_PATTERN.test(seed)) throw usageError(`--seed ${JSON.stringify(seed)} is not a valid seed`, `use ${SEED_RULE}, e.g. --seed 42`);
  // The runner says how many shards it can run: checked with it below.
  const fleetShards = values['fleet-shards'] === undefined ? undefined : parseWhole('--fleet-shards', values['fleet-shards'], 0);
  const toxiproxy = values.toxiproxy === undefined ? undefined : parseToxiproxy(values.toxiproxy);
  const fleetRunner = parseFleetRunner(values);
  // Checked now, against the hub and Toxiproxy chosen, before a scenario loads; the runner checks again with the scenario's.
  validateFleetRunner(fleetRunner ?? { kind: 'local' }, { hub, toxiproxy, fleetShards });
  return {
    hub,
    fleetShards,
    fleetRunner,
    dryRun: values['dry-run'] ?? false,
    metricsPort: values['metrics-port'] === undefined ? undefined : parseWhole('--metrics-port', values['metrics-port'], 0, 65_535),
    agentDefects: (values['agent-defect'] ?? []).flatMap((d) => d.split(',')).filter((d) => d !== ''),
    toxiproxy,
    command,
    scenario: command === 'run' ? first : undefined,
    help,
    agents: values.agents === undefined ? undefined : parseWhole('--agents', values.agents, 1, MAX_AGENTS),
    durationMs: values.duration === undefined ? undefined : parseDuration('--duration', values.duration),
    seed,
    defects: (values.defect ?? []).flatMap((d) => d.split(',')).filter((d) => d !== ''),
    hubUrl: hub?.kind === 'external' ? hub.url : undefined,
    hubPingIntervalMs: values['hub-ping-interval'] === undefined ? undefined : parsePingInterval(values['hub-ping-interval']),
    agentIdPrefix: values['agent-id-prefix'],
    protocol: values.protocol,
    healthPath: values['health-path'],
    token: values.token,
    adminToken: values['admin-token'],
    reportDir: values['report-dir'],
    loopMinCycles: values['loop-cycles'] === undefined ? undefined : parseWhole('--loop-cycles', values['loop-cycles'], 2, MAX_LOOP_CYCLES),
    loopMaxConnectionMs: values['loop-max-connection'] === undefined ? undefined : parseDuration('--loop-max-connection', values['loop-max-connection']),
    debug: values.debug ?? false,
  };
}

type FleetRunnerFlags = { 'fleet-runner'?: string; 'dry-run'?: boolean } & { [flag: string]: string | boolean | string[] | undefined };

/** Which runner, with only the flags that runner reads: a flag another runner would read is refused, not ignored. */
function parseFleetRunner(values: FleetRunnerFlags): FleetRunnerChoice | undefined {
  const kind = values['fleet-runner'];
  if (kind !== undefined && !isFleetRunnerName(kind)) throw usageError(`--fleet-runner ${shown(kind)} is not a fleet runner`, `use one of: ${Object.keys(FLEET_RUNNERS).join(', ')}`);
  const runner = fleetRunner(kind ?? 'local');
  const given = (Object.keys(SETTING_FLAGS) as (keyof FleetRunnerSettings)[]).filter((k) => values[SETTING_FLAGS[k].slice(2)] !== undefined);
  const foreign: { flag: string; readers: string[] }[] = given
    .filter((k) => !(runner.settings as readonly string[]).includes(k))
    .map((k) => ({ flag: SETTING_FLAGS[k], readers: Object.keys(FLEET_RUNNERS).filter((name) => (fleetRunner(name as FleetRunnerName).settings as readonly string[]).includes(k)) }));
  if (values['dry-run'] && !runner.dryRun) foreign.push({ flag: '--dry-run', readers: Object.keys(FLEET_RUNNERS).filter((name) => fleetRunner(name as FleetRunnerName).dryRun) });
  const first = foreign[0];
  if (first) {
    const hint = first.flag === '--image' ? " (for the hub's image use --hub-image)" : '';
    throw usageError(`${first.flag} goes with --fleet-runner ${first.readers.join(' or ')}${kind === undefined ? '' : `, not ${kind}`}`, `add --fleet-runner ${first.readers[0]}, or drop ${foreign.map((f) => f.flag).join(' ')}${hint}`);
  }
  if (kind === undefined) return undefined;
  const settings = Object.fromEntries(given.map((k) => [k, values[SETTING_FLAGS[k].slice(2)]]));
  return { kind, ...settings } as FleetRunnerChoice;
}

function parsePingInterval(text: string): number {
  const ms = parseDuration('--hub-ping-interval', text);
  if (ms < MIN_PING_INTERVAL_MS) throw usageError(`--hub-ping-interval ${JSON.stringify(text)} is under ${MIN_PING_INTERVAL_MS} ms`, 'pass the interval your hub pings at, e.g. --hub-ping-interval 10s');
  return ms;
}

function parseToxiproxy(text: string): ToxiproxyChoice {
  if (text === 'embedded') return { kind: 'embedded' };
  if (text === 'container') return { kind: 'container' };
  const processes = /^process(?::(.*))?$/.exec(text);
  if (processes) {
    const n = processes[1] === undefined ? 1 : Number(processes[1]);
    if (!/^\d+$/.test(processes[1] ?? '1') || n < 1 || n > MAX_TOXIPROXY_PROCESSES) {
      throw usageError(`--toxiproxy ${shown(text)} asks for ${shown(processes[1] ?? '')} Toxiproxy server processes; N must be a whole number from 1 to ${MAX_TOXIPROXY_PROCESSES}`, `pass e.g. --toxiproxy process:2 (each carries ${AGENTS_PER_PROXY} agents)`);
    }
    return { kind: 'process', servers: n };
  }
  if (isHttpUrl(text)) return { kind: 'url', url: text };
  throw usageError(`--toxiproxy ${JSON.stringify(text)} is not embedded, process[:N], container or an http URL`, 'pass --toxiproxy embedded, --toxiproxy process:2, --toxiproxy container, or --toxiproxy http://127.0.0.1:8474');
}

/**
 * The hub, from HUB_RUNTIMES: --hub-runtime NAME, or the flags of one entry's fields. Flags that each
 * choose a hub are refused together; a field that does not choose goes with the one of its entry that does.
 */
function parseHub(values: Readonly<Record<string, unknown>>): HubChoice | undefined {
  const given = (flag: string) => values[flag.slice(2)] as string | undefined;
  const choosing = HUB_CHOOSERS.filter((flag) => given(flag) !== undefined);
  if (choosing.length > 1) throw usageError(`${choosing.join(' and ')} each choose the hub; pass one`, `pick one of ${HUB_CHOOSERS.join(', ')}`);
  for (const { kind, field } of HUB_FIELDS) {
    if (field.chooses || given(field.flag) === undefined) continue;
    const chooser = HUB_FIELDS.find((f) => f.kind === kind && f.field.chooses)!.field;
    if (given(chooser.flag) === undefined) throw usageError(`${field.flag} goes with ${chooser.flag}`, `pass ${chooser.flag} ${chooser.arg} ${field.flag} ${field.arg}, or drop ${field.flag}`);
  }
  const flag = choosing[0];
  if (flag === undefined) return undefined;
  if (flag === HUB_RUNTIME_FLAG) {
    const name = given(flag)!;
    if (isHubKind(name) && hubRuntime(name).named) return { kind: name } as HubChoice;
    throw usageError(`${flag} ${JSON.stringify(name)} is not a hub runtime`, `use ${orList(NAMED_HUB_RUNTIMES)}`);
  }
  const { kind } = HUB_FIELDS.find(({ field }) => field.flag === flag)!;
  const fields = HUB_FIELDS.filter((f) => f.kind === kind && given(f.field.flag) !== undefined).map(({ name, field }) => [name, parseHubField(field, given(field.flag)!)]);
  return { kind, ...Object.fromEntries(fields) } as HubChoice;
}

/** One hub field's value, as HUB_RUNTIMES says it must be (blank values were refused for every flag already). */
function parseHubField(field: HubField, text: string): string | number {
  switch (field.value) {
    case 'text':
      return text;
    case 'http-url':
      if (!isHttpUrl(text)) throw usageError(`${field.flag} ${JSON.stringify(text)} is not an http(s) URL`, `pass ${field.what}, e.g. ${field.flag} ${field.example}`);
      return text;
    case 'port': {
      const port = parseWhole(field.flag, text, 1, Number.MAX_SAFE_INTEGER, Number(field.example));
      if (port > 65_535) throw usageError(`${field.flag} ${port} is not a TCP port`, 'pass a port from 1 to 65535');
      return port;
    }
  }
}
