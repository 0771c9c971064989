import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { SCENARIOS } from '../../scenarios/index.ts';
import type { RunOptions } from '../runner/run.ts';
import { CATALOG, type CatalogEntry } from './catalog.ts';

export const FOREIGN_HUB = fileURLToPath(new URL('../runtime/hubs/zoo/foreign-hub.mjs', import.meta.url));

/** Which hub a clean run judges. */
export type MatrixHub = 'reference' | 'foreign';

/**
 * How the matrix runs a scenario: short enough that many seeds fit, long
 * enough that each fault and redeploy still plays out (their times are
 * fractions of the run). Expensive scenarios cap their seeds.
 */
interface Profile {
  agents: number;
  durationMs: number;
  quickDurationMs: number;
  /** At most this many clean seeds per hub, whatever --seeds says (the sweep runs them all). */
  maxSeeds?: number;
  /** Skipped in --quick clean runs (too slow for a test suite). */
  slow?: boolean;
  /** The foreign hub cannot serve it, and why. */
  foreignUnsupported?: string;
  /** Reference hub runtime, when the in-process default would mix its process with the matrix's. */
  referenceRuntime?: 'child-process';
}

export const PROFILES: Readonly<Record<string, Profile>> = {
  loop: { agents: 10, durationMs: 10_000, quickDurationMs: 4_000 },
  latency: { agents: 10, durationMs: 12_000, quickDurationMs: 6_000 },
  'half-open': { agents: 10, durationMs: 20_000, quickDurationMs: 20_000, slow: true },
  reset: { agents: 10, durationMs: 15_000, quickDurationMs: 15_000, slow: true },
  partition: { agents: 10, durationMs: 15_000, quickDurationMs: 15_000, slow: true },
  flap: { agents: 10, durationMs: 20_000, quickDurationMs: 20_000, slow: true },
  bandwidth: { agents: 10, durationMs: 12_000, quickDurationMs: 6_000 },
  // Two redeploys 3 s down with a 5 s backoff ceiling need the scenario's own 30 s.
  redeploy: { agents: 10, durationMs: 30_000, quickDurationMs: 30_000, slow: true },
  crash: { agents: 10, durationMs: 30_000, quickDurationMs: 30_000, slow: true },
  rolling: { agents: 10, durationMs: 12_000, quickDurationMs: 8_000 },
  storm: { agents: 200, durationMs: 8_000, quickDurationMs: 8_000, maxSeeds: 3, slow: true },
  soak: {
    agents: 10,
    durationMs: 60_000,
    quickDurationMs: 30_000,
    maxSeeds: 2,
    slow: true,
    referenceRuntime: 'child-process',
    foreignUnsupported: 'a minute per seed; kept to the reference hub so the matrix fits its time',
  },
  steady: { agents: 200, durationMs: 20_000, quickDurationMs: 20_000, maxSeeds: 2, slow: true },
};

export interface MatrixOptions {
  /** Clean seeds per scenario and hub. Default 1 (3 for loop): the whole matrix in about 15 min on 2 cores; 1 (2 for loop) with quick. --sweep is 20 (50 for loop). */
  seeds?: number;
  /** Few seeds, short runs, slow scenarios left out of the clean runs. */
  quick?: boolean;
  /** The false-alarm sweep: 20 clean seeds per scenario and hub, 50 for loop (hours on 2 cores). */
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
  const foreignHub = (misbehave: readonly string[] = []) => {
    // The queue in a file survives the harness's redeploys, as a real hub's would. The ping
    // interval reaches it the way it reaches any --hub-cmd hub: PING_INTERVAL_MS.
    const parts = ['node', quote(FOREIGN_HUB), '--state', quote(join(options.stateDir, `queue-${++stateFiles}.json`))];
    for (const m of misbehave) parts.push('--misbehave', m);
    return { kind: 'command' as const, command: parts.join(' ') };
  };
  for (const entry of options.catalog ?? CATALOG) {
    const profile = profileOf(entry.scenario);
    const durationMs = options.quick ? (entry.quickDurationMs ?? profile.quickDurationMs) : (entry.durationMs ?? profile.durationMs);
    const run: RunOptions = { agents: entry.agents ?? profile.agents, durationMs, seed: '1' };
    if (entry.source === 'reference-hub') {
      run.hubDefects = [entry.id];
      if (profile.referenceRuntime) run.hub = { kind: profile.referenceRuntime };
    } else if (entry.source === 'agent') {
      run.agentDefects = [entry.id];
    } else {
      run.hub = foreignHub([entry.id]);
    }
    runs.push({ kind: 'defect', label: `defect ${entry.id} on ${entry.scenario}`, scenario: entry.scenario, hub: entry.source === 'zoo' ? 'foreign' : 'reference', defect: entry, options: run });
  }
  for (const scenario of options.scenarios ?? Object.keys(PROFILES)) {
    const profile = profileOf(scenario);
    if (options.quick && profile.slow) continue;
    const wanted = options.seeds ?? (options.sweep ? (scenario === 'loop' ? 50 : 20) : options.quick ? (scenario === 'loop' ? 2 : 1) : scenario === 'loop' ? 3 : 1);
    // The caps keep the default matrix near 15 min; the sweep is the false-alarm evidence and
    // runs every scenario over its full seed count.
    const seeds = options.sweep ? wanted : Math.min(wanted, profile.maxSeeds ?? Infinity);
    const hubs: MatrixHub[] = profile.foreignUnsupported ? ['reference'] : ['reference', 'foreign'];
    for (const hub of hubs) {
      for (let seed = 1; seed <= seeds; seed++) {
        const run: RunOptions = { agents: profile.agents, durationMs: options.quick ? profile.quickDurationMs : profile.durationMs, seed: String(seed) };
        if (hub === 'foreign') run.hub = foreignHub();
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
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
