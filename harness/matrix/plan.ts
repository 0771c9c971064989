import { fileURLToPath } from 'node:url';
import { isAbsolute, join, relative } from 'node:path';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { RunOptions } from '../runner/run.ts';
import { CATALOG, type CatalogEntry } from './catalog.ts';

export const FOREIGN_HUB = fileURLToPath(new URL('../runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));
/** A team's own hub on its own JSON wire, in Python, and the profile that describes it (docs/protocols.md). */
export const ACME_HUB = fileURLToPath(new URL('../../examples/protocols/acme-hub/hub.py', import.meta.url));
export const ACME_PROFILE = fileURLToPath(new URL('../../examples/protocols/acme-hub/acme.protocol.ts', import.meta.url));
/** A Socket.IO 4 hub on the socket.io package. */
export const SOCKETIO_HUB = fileURLToPath(new URL('../runtime/hubs/zoo/socketio-hub.mjs', import.meta.url));

/** Which hub a clean run judges. */
export type MatrixHub = 'reference' | 'foreign' | 'acme' | 'socketio';
/** The hubs of the zoo: each speaks a protocol of its own and has --misbehave switches. */
export type ZooHub = Exclude<MatrixHub, 'reference'>;

/** The wire each hub speaks: the matrix's protocol column. */
export const HUB_PROTOCOL: Readonly<Record<MatrixHub, string>> = { reference: 'v1', foreign: 'v1', acme: 'acme (custom JSON)', socketio: 'socket.io' };

/** The hubs every scenario runs clean on, unless its profile says otherwise. */
const V1_HUBS: readonly MatrixHub[] = ['reference', 'foreign'];
/**
 * The hubs on other wires run these scenarios clean: a loop, a network fault, silence and a
 * restart prove the protocol seam on each (what the other scenarios judge does not depend on the
 * wire, and they run on the v1 hubs); every scenario would add over an hour to the sweep.
 */
export const PROTOCOL_HUB_SCENARIOS: readonly string[] = ['loop', 'partition', 'half-open', 'redeploy'];
/** The acme hub and its profile share a key through the environment, as a team's hub and its tests would. */
export const ACME_KEY_ENV = 'ACME_KEY';

/**
 * How the matrix runs a scenario clean. The default matrix and the sweep run
 * every scenario at its own defaults (agents, duration, hub runtime by fleet
 * size), so what they prove is what `npm run scenario NAME` runs; only
 * --quick shrinks a run, and then its profile says how. Expensive scenarios
 * cap their seeds outside the sweep.
 */
interface Profile {
  /** What --quick runs instead of the scenario's defaults; unset fields keep them. Slow scenarios have none: --quick skips them. */
  quick?: { agents?: number; durationMs?: number };
  /** At most this many clean seeds per hub, whatever --seeds says (the sweep runs them all). */
  maxSeeds?: number;
  /** Skipped in --quick clean runs (too slow for a test suite). */
  slow?: boolean;
  /** The foreign hub cannot serve it, and why. */
  foreignUnsupported?: string;
  /** Reference hub runtime, when the one a user gets would mix its process with the matrix's (which runs every run in one process). */
  referenceRuntime?: 'child-process';
}

export const PROFILES: Readonly<Record<string, Profile>> = {
  loop: { quick: { durationMs: 4_000 } },
  latency: { quick: { durationMs: 6_000 } },
  'half-open': { slow: true },
  reset: { slow: true },
  partition: { slow: true },
  flap: { slow: true },
  bandwidth: { quick: { durationMs: 6_000 } },
  redeploy: { slow: true },
  crash: { slow: true },
  rolling: { quick: { durationMs: 8_000 } },
  storm: { maxSeeds: 3, slow: true },
  soak: {
    maxSeeds: 2,
    slow: true,
    // Its growth check reads the harness's own memory, which in the matrix is every run's before it.
    referenceRuntime: 'child-process',
    foreignUnsupported: 'two minutes per seed; kept to the reference hub so the matrix fits its time',
  },
  steady: { maxSeeds: 2, slow: true },
};

/**
 * Setup, settle and teardown around a run's steady phase, ms, for the time estimate. The default
 * matrix of 2026-12-02 (45 runs, 16.5 min of steady phases) took 18.5 min on 2 cores: under 3 s a run.
 */
export const RUN_OVERHEAD_MS = 5_000;

/** About how long a plan takes, ms, with `jobs` runs at once. */
export function plannedMs(runs: readonly PlannedRun[], jobs = 1): number {
  return runs.reduce((sum, r) => sum + (r.options.durationMs ?? 0) + RUN_OVERHEAD_MS, 0) / Math.max(1, jobs);
}

export interface MatrixOptions {
  /** Clean seeds per scenario and hub. Default 1 (3 for loop): the whole matrix in about 29 min on 2 cores (it ran in 18.5 min when clean runs were shortened); 1 (2 for loop) with quick. --sweep is 20 (50 for loop). */
  seeds?: number;
  /** Few seeds, short clean runs (each profile's quick), slow scenarios left out of the clean runs, each defect at its catalogued minimum. */
  quick?: boolean;
  /** The false-alarm sweep: 20 clean seeds per scenario and hub, 50 for loop, at the scenarios' defaults (about 6 h on 2 cores; the reference hub alone about 3.3 h). */
  sweep?: boolean;
  /** Only runs whose label matches (a case-insensitive regular expression, or plain text when it is not one). */
  only?: string;
  /** Runs at once. Default 1: runs are timing-sensitive on 2 cores. */
  jobs?: number;
  /** The defects to run. Default: the whole catalogue. */
  catalog?: readonly CatalogEntry[];
  /** The scenarios to run clean. Default: every built-in one with a profile. */
  scenarios?: readonly string[];
  /** Where foreign hubs keep their queue files (one per run). */
  stateDir: string;
}

/** One run of the matrix: what to run and how to tell it apart in the report. */
export interface PlannedRun {
  kind: 'defect' | 'clean';
  /** Unique, human-readable: `defect duplicate-ws-handler on loop`, `clean loop reference seed 3`. */
  label: string;
  scenario: string;
  hub: MatrixHub;
  /** The catalogue entry, for defect runs. */
  defect?: CatalogEntry;
  options: RunOptions;
}

/** The runs a matrix makes, in order: every defect first (fewer, and the headline), then the clean runs. */
export function planMatrix(options: MatrixOptions): PlannedRun[] {
  const runs: PlannedRun[] = [];
  let stateFiles = 0;
  const zooHub = (hub: ZooHub, misbehave: readonly string[] = []): Pick<RunOptions, 'hub' | 'protocol'> => {
    // The queue in a file survives the harness's redeploys, as a real hub's would. The ping
    // interval reaches it the way it reaches any --hub-cmd hub: PING_INTERVAL_MS.
    // Paths as the matrix's working directory (the repo root) sees them, so a replay line in the
    // committed docs runs on any checkout: no machine's absolute paths.
    const program = hub === 'acme' ? ['python3', quote(relativePath(ACME_HUB))] : ['node', quote(relativePath(hub === 'socketio' ? SOCKETIO_HUB : FOREIGN_HUB))];
    const parts = [...program, '--state', quote(relativePath(join(options.stateDir, `queue-${++stateFiles}.json`)))];
    for (const m of misbehave) parts.push('--misbehave', m);
    const protocol = hub === 'acme' ? `./${relativePath(ACME_PROFILE)}` : hub === 'socketio' ? 'socket.io' : undefined;
    return { hub: { kind: 'command' as const, command: parts.join(' ') }, ...(protocol ? { protocol } : {}) };
  };
  for (const entry of options.catalog ?? CATALOG) {
    const profile = profileOf(entry.scenario);
    const defaults = SCENARIOS.get(entry.scenario)!.defaults;
    // Never shorter than the catalogue says the defect needs to show; --quick runs exactly that.
    const durationMs = options.quick ? entry.minDurationMs : Math.max(entry.minDurationMs, entry.durationMs ?? defaults.durationMs);
    const run: RunOptions = { agents: entry.agents ?? defaults.agents, durationMs, seed: '1' };
    if (entry.source === 'reference-hub') {
      run.hubDefects = [entry.id];
      if (profile.referenceRuntime) run.hub = { kind: profile.referenceRuntime };
    } else if (entry.source === 'agent') {
      run.agentDefects = [entry.id];
    } else {
      Object.assign(run, zooHub(entry.hub ?? 'foreign', [entry.id]));
    }
    const hub: MatrixHub = entry.source === 'zoo' ? (entry.hub ?? 'foreign') : 'reference';
    runs.push({ kind: 'defect', label: `defect ${entry.id} on ${entry.scenario}${hub === 'acme' || hub === 'socketio' ? ` (${hub})` : ''}`, scenario: entry.scenario, hub, defect: entry, options: run });
  }
  for (const scenario of options.scenarios ?? Object.keys(PROFILES)) {
    const profile = profileOf(scenario);
    if (options.quick && profile.slow) continue;
    const wanted = options.seeds ?? (options.sweep ? (scenario === 'loop' ? 50 : 20) : options.quick ? (scenario === 'loop' ? 2 : 1) : scenario === 'loop' ? 3 : 1);
    // The caps keep the default matrix near half an hour; the sweep is the false-alarm evidence and
    // runs every scenario over its full seed count.
    const seeds = options.sweep ? wanted : Math.min(wanted, profile.maxSeeds ?? Infinity);
    const hubs: MatrixHub[] = [...(profile.foreignUnsupported ? ['reference' as const] : V1_HUBS), ...(PROTOCOL_HUB_SCENARIOS.includes(scenario) ? (['acme', 'socketio'] as const) : [])];
    const defaults = SCENARIOS.get(scenario)!.defaults;
    const size = { agents: defaults.agents, durationMs: defaults.durationMs, ...(options.quick ? profile.quick : {}) };
    for (const hub of hubs) {
      for (let seed = 1; seed <= seeds; seed++) {
        const run: RunOptions = { ...size, seed: String(seed) };
        if (hub !== 'reference') Object.assign(run, zooHub(hub));
        else if (profile.referenceRuntime) run.hub = { kind: profile.referenceRuntime };
        runs.push({ kind: 'clean', label: `clean ${scenario} ${hub} seed ${seed}`, scenario, hub, options: run });
      }
    }
  }
  return options.only === undefined ? runs : runs.filter(matcher(options.only));
}

/** Scenarios the foreign hub does not run clean, with the reason, for the report. */
export function foreignExclusions(): { scenario: string; reason: string }[] {
  return Object.entries(PROFILES).flatMap(([scenario, p]) => (p.foreignUnsupported ? [{ scenario, reason: p.foreignUnsupported }] : []));
}

function profileOf(scenario: string): Profile {
  const profile = PROFILES[scenario];
  if (!profile || !SCENARIOS.has(scenario)) throw new RangeError(`no matrix profile for scenario ${JSON.stringify(scenario)}; known: ${Object.keys(PROFILES).join(', ')}`);
  return profile;
}

function matcher(pattern: string): (run: PlannedRun) => boolean {
  try {
    const re = new RegExp(pattern, 'i');
    return (run) => re.test(run.label);
  } catch {
    const text = pattern.toLowerCase();
    return (run) => run.label.toLowerCase().includes(text);
  }
}

function quote(text: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A path relative to the working directory when it lies under it; else as given. */
function relativePath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}
