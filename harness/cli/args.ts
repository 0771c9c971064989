import { parseArgs } from 'node:util';
import { MAX_TIMER_MS, parseDuration as parseCommonDuration } from '../../common/duration.ts';
import { EdgeChaosError } from '../../common/errors.ts';
import { commandLine } from '../../common/layout.ts';
import { HarnessError } from '../errors.ts';
import { SETTING_FLAGS, type FleetRunnerSettings } from '../runtime/fleet/runner-settings.ts';
import type { HubChoice } from '../runtime/hubs/index.ts';
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

export const USAGE = `usage:
  ${commandLine('scenario', 'list')}
  ${commandLine('scenario', '<name|./file.ts>', '[options]')}
  ${commandLine('hub', '', '[options]').padEnd(32)} the reference hub on its own (--help: its options)
  ${commandLine('toxiproxy', '', '[options]').padEnd(32)} the embedded Toxiproxy on its own

options:
  --agents N                 number of simulated agents (default: the scenario's)
  --duration D               steady-phase length: 20s, 2m, 500ms (default: the scenario's)
  --defect NAME              switch on a reference-hub defect (repeatable), e.g. duplicate-ws-handler
  --hub-runtime R            where the reference hub runs: in-process, child-process, container
                             (default: the scenario's, else in-process up to 50 agents and
                             child-process past that, off the harness's own event loop)
  --hub-url URL              target a hub you run (protocol v1); the harness will not restart it
  --hub-cmd "CMD"            start your own hub with this shell command (PORT, HOST and
                             PING_INTERVAL_MS in its environment); redeploys stop and start it again
  --hub-ping-interval D      the interval the hub pings at: agents expect it, the liveness and
                             dead-detection checks scale with it, a hub the harness starts is told
                             it (default: the scenario's; 10s, the protocol's, with --hub-url)
  --hub-image IMAGE          run your own hub image (host network) ...
  --hub-port PORT            ... which listens on PORT
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

exit codes: 0 every check passed, 1 a check failed, 2 usage or harness error`;

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

function parseWhole(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw usageError(`${flag} ${shown(text)} must be a whole number >= ${min}`, `pass e.g. ${flag} ${Math.max(min, 10)}`);
  }
  if (n > max) throw usageError(`${flag} ${shown(text)} is too many: at most ${max}`, `pass ${flag} ${max} or less`);
  return n;
}

const VALUE_OPTIONS = new Set([
  'agents', 'duration', 'seed', 'defect', 'hub-url', 'hub-runtime', 'hub-cmd', 'hub-image', 'hub-port', 'agent-defect', 'fleet-shards', 'fleet-runner', 'metrics-port',
  'agent-id-prefix', 'protocol', 'token', 'admin-token', 'report-dir', 'loop-cycles', 'loop-max-connection', 'toxiproxy', 'hub-ping-interval',
  ...Object.values(SETTING_FLAGS).map((flag) => flag.slice(2)),
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
        'hub-url': { type: 'string' },
        'hub-ping-interval': { type: 'string' },
        'hub-runtime': { type: 'string' },
        'hub-cmd': { type: 'string' },
        'hub-image': { type: 'string' },
        'hub-port': { type: 'string' },
        'agent-defect': { type: 'string', multiple: true },
        'fleet-shards': { type: 'string' },
        'fleet-runner': { type: 'string' },
        'metrics-port': { type: 'string' },
        'agent-id-prefix': { type: 'string' },
        protocol: { type: 'string' },
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
  const hubUrl = values['hub-url'];
  if (hubUrl !== undefined) {
    if (!isHttpUrl(hubUrl)) throw usageError(`--hub-url ${JSON.stringify(hubUrl)} is not an http(s) URL`, 'pass the hub base URL, e.g. --hub-url http://127.0.0.1:8080');
  }
  const tokenIssue = values.token === undefined ? undefined : tokenProblem(values.token);
  if (tokenIssue !== undefined) throw usageError(`--token ${tokenIssue}`, 'pass the token the hub expects; a replay command reads it from $EDGE_CHAOS_TOKEN, so set that first');
  const adminTokenIssue = values['admin-token'] === undefined ? undefined : tokenProblem(values['admin-token']);
  if (adminTokenIssue !== undefined) throw usageError(`--admin-token ${adminTokenIssue}`, 'pass the admin token the hub expects');
  const seed = values.seed;
  // Not starting with "-": a replay command must read it back as a value, not an option.
  if (seed !== undefined && !SEED_PATTERN.test(seed)) throw usageError(`--seed ${JSON.stringify(seed)} is not a valid seed`, `use ${SEED_RULE}, e.g. --seed 42`);
  const hub = parseHub(values);
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
    hubUrl,
    hubPingIntervalMs: values['hub-ping-interval'] === undefined ? undefined : parsePingInterval(values['hub-ping-interval']),
    agentIdPrefix: values['agent-id-prefix'],
    protocol: values.protocol,
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

function parseHub(values: { 'hub-url'?: string; 'hub-runtime'?: string; 'hub-cmd'?: string; 'hub-image'?: string; 'hub-port'?: string }): HubChoice | undefined {
  const given = (['hub-url', 'hub-runtime', 'hub-cmd', 'hub-image'] as const).filter((k) => values[k] !== undefined);
  if (given.length > 1) throw usageError(`--${given.join(' and --')} each choose the hub; pass one`, 'pick one of --hub-runtime, --hub-url, --hub-cmd, --hub-image');
  if (values['hub-port'] !== undefined && values['hub-image'] === undefined) throw usageError('--hub-port goes with --hub-image', 'pass --hub-image IMAGE --hub-port PORT, or drop --hub-port');
  if (values['hub-url'] !== undefined) return { kind: 'external', url: values['hub-url'] };
  if (values['hub-cmd'] !== undefined) {
    if (values['hub-cmd'].trim() === '') throw usageError('--hub-cmd is empty', 'pass the command that starts your hub, e.g. --hub-cmd "node my-hub.js"');
    return { kind: 'command', command: values['hub-cmd'] };
  }
  if (values['hub-image'] !== undefined) {
    const port = values['hub-port'] === undefined ? undefined : parseWhole('--hub-port', values['hub-port'], 1);
    if (port !== undefined && port > 65_535) throw usageError(`--hub-port ${port} is not a TCP port`, 'pass a port from 1 to 65535');
    return { kind: 'container', image: values['hub-image'], port };
  }
  const runtime = values['hub-runtime'];
  if (runtime === undefined) return undefined;
  if (runtime === 'in-process' || runtime === 'child-process' || runtime === 'container') return { kind: runtime };
  throw usageError(`--hub-runtime ${JSON.stringify(runtime)} is not a hub runtime`, 'use in-process, child-process or container');
}
