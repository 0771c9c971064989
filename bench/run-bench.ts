import { ARTILLERY_VERSION, ensureArtillery, type ArtilleryInstall } from './artillery/install.ts';
import { measureArtilleryHold } from './artillery/measure.ts';
import { execFileSync } from 'node:child_process';
import type { HolderSide } from './holder/messages.ts';
import { measureHoldInChild } from './hold-in-child.ts';
import { startHubChild, type HubChild } from './hub-child.ts';
import { describeMachine, loadAverage } from './machine.ts';
import { measureProxyLatency } from './proxy-latency.ts';
import { thousands } from './markdown.ts';
import type { BenchResult, BenchSettings, HoldMeasurement, HoldPoint, HoldSummary, Outcome, ProxyLatency } from './results.ts';
import { connectTimeoutMs, sidesAt } from './settings.ts';
import { SIDES, sidesOf, type BenchHubKind } from './sides.ts';
import { summarize } from './summary.ts';

export interface RunBenchOptions {
  settings: BenchSettings;
  artillery: 'run' | 'skip';
  artilleryInstall: boolean;
  log: (line: string) => void;
}

/** Each section gets a hub of its own, stopped whatever happens. */
async function withHub<T>(kind: BenchHubKind, use: (hub: HubChild) => Promise<T>): Promise<T> {
  const hub = await startHubChild(kind);
  try {
    return await use(hub);
  } finally {
    await hub.stop();
  }
}

export type BenchSide = HolderSide | 'artillery';

/** What keeps the acme hub (Python 3.11, standard library only) from running here; undefined when nothing does. */
function pythonProblem(): string | undefined {
  try {
    const ok = execFileSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 11))'], { encoding: 'utf8', timeout: 10_000 }).trim();
    return ok === 'True' ? undefined : 'python3 3.11 or later, and this python3 is older';
  } catch {
    return 'python3 3.11 or later on PATH, and there is none';
  }
}

/**
 * The clients at one size, in turn: Fleet v1, bare, the Fleet on JSON and on
 * Socket.IO, Artillery, then the reverse (A B C C B A ...), so a drift in
 * machine load (the other work on the cores, the page cache, the kernel's
 * socket tables) falls on every side alike and no side always runs first or
 * last.
 */
export function holdOrder(runsPerSide: number, sides: readonly BenchSide[] = ['fleet', 'bare']): BenchSide[] {
  return Array.from({ length: runsPerSide }, (_, i) => (i % 2 === 0 ? [...sides] : [...sides].reverse())).flat();
}

function describeHold(side: string, m: HoldMeasurement, run: string): string {
  const kib = (bytes: number | undefined): string => (bytes === undefined ? 'not measured' : `${(bytes / 1024).toFixed(1)} KiB`);
  const heap = m.heapPerConnectionBytes === undefined ? '' : `, heap ${kib(m.heapPerConnectionBytes)}`;
  return (
    `${side} ${run}: ${m.agents} open in ${(m.connectMs / 1000).toFixed(2)} s (${Math.round(m.agentsPerSecond)}/s), ` +
    `RSS ${kib(m.rssPerConnectionBytes)}${heap} per connection, idle CPU ${m.idleCpuPercent.toFixed(1)}%`
  );
}

/**
 * Artillery's arrivals are open loop, so they are paced below what the hub
 * just took from the Fleet: faster, and the hub's listen backlog overflows
 * (holder/bounded-start.ts). Its connect rate is therefore this pace, not
 * its capacity.
 */
const ARTILLERY_PACE_OF_FLEET_RATE = 0.8;

/** Artillery at one size so far: its runs, or why it has none. */
type ArtilleryState = { runs: HoldMeasurement[]; arrivalsPerSecond?: number } | { status: 'unavailable' | 'skipped'; reason: string };

function artilleryUnusable(options: RunBenchOptions, installed: ArtilleryInstall | undefined, sides: readonly HolderSide[]): ArtilleryState | undefined {
  if (options.artillery === 'skip' || !installed) return { status: 'skipped', reason: 'skipped by --no-artillery' };
  if (!installed.ok) return { status: 'unavailable', reason: installed.reason };
  if (!sides.includes('fleet')) return { status: 'skipped', reason: 'its pace is the v1 Fleet\'s rate, and --protocols left v1 out' };
  return undefined;
}

async function holdRun(side: HolderSide, agents: number, settings: BenchSettings): Promise<HoldMeasurement> {
  return withHub(SIDES[side].hub, (hub) =>
    measureHoldInChild({
      side,
      agents,
      hub,
      maxInFlight: settings.maxInFlight,
      connectTimeoutMs: connectTimeoutMs(agents),
      settleMs: settings.settleMs,
      idleWindowMs: settings.idleWindowMs,
    }),
  );
}

async function artilleryRun(binPath: string, agents: number, arrivalsPerSecond: number, settings: BenchSettings): Promise<HoldMeasurement> {
  return withHub('reference', (hub) =>
    measureArtilleryHold({
      binPath,
      hub,
      connections: agents,
      arrivalsPerSecond,
      connectTimeoutMs: connectTimeoutMs(agents),
      settleMs: settings.settleMs,
      idleWindowMs: settings.idleWindowMs,
    }),
  );
}

/** Why a side chosen by --protocols cannot run on this machine (python3 missing), by side. */
export type Unavailable = Partial<Record<HolderSide, string>>;

/** Why a side has no numbers at a size where it was not run. */
function notRun(side: HolderSide, agents: number, settings: BenchSettings, unavailable: Unavailable): Outcome<HoldSummary> {
  const reason = unavailable[side];
  if (reason !== undefined) return { status: 'unavailable', reason };
  if (sidesOf(settings.protocols).includes(side)) return { status: 'skipped', reason: `measured at ${thousands.format(settings.agents)} connections only, not at ${thousands.format(agents)}` };
  return { status: 'skipped', reason: `not chosen by --protocols ${settings.protocols.join(',')}` };
}

/**
 * Every client at one size, several runs each in turn. Fleet and bare
 * failures throw: they are ours and must work, whatever the protocol.
 * Artillery is a yardstick, not the thing under test: its first failure at a
 * size is reported as the reason it has no numbers there, and it is not run
 * again at that size.
 */
async function measurePoint(agents: number, options: RunBenchOptions, installed: ArtilleryInstall | undefined, unavailable: Unavailable): Promise<HoldPoint> {
  const { settings, log } = options;
  const holders = sidesAt(settings, agents).filter((side) => unavailable[side] === undefined);
  const runs: Record<HolderSide, HoldMeasurement[]> = { fleet: [], bare: [], json: [], socketio: [] };
  let artillery: ArtilleryState = artilleryUnusable(options, installed, holders) ?? { runs: [] };
  const sides: BenchSide[] = 'runs' in artillery ? [...holders, 'artillery'] : holders;
  const counts: Record<BenchSide, number> = { fleet: 0, bare: 0, json: 0, socketio: 0, artillery: 0 };
  for (const side of holdOrder(settings.runsPerSide, sides)) {
    counts[side] += 1;
    const run = `${counts[side]}/${settings.runsPerSide}`;
    if (side !== 'artillery') {
      const measurement = await holdRun(side, agents, settings);
      log(describeHold(side, measurement, run));
      runs[side].push(measurement);
      continue;
    }
    if (!('runs' in artillery) || !installed?.ok) continue;
    // Paced by the first Fleet run at this size (the order puts it first), the same pace every run.
    artillery.arrivalsPerSecond ??= Math.max(1, Math.floor(runs.fleet[0]!.agentsPerSecond * ARTILLERY_PACE_OF_FLEET_RATE));
    try {
      const measurement = await artilleryRun(installed.binPath, agents, artillery.arrivalsPerSecond, settings);
      log(describeHold('artillery', measurement, run));
      artillery.runs.push(measurement);
    } catch (error) {
      const reason = `at ${agents} connections, run ${run}: ${error instanceof Error ? error.message : String(error)}`;
      log(`artillery unavailable ${reason}`);
      artillery = { status: 'unavailable', reason };
    }
  }
  const outcome = (side: HolderSide): Outcome<HoldSummary> =>
    holders.includes(side) ? { status: 'measured', value: summarize(runs[side]) } : notRun(side, agents, settings, unavailable);
  return {
    agents,
    fleet: outcome('fleet'),
    bare: outcome('bare'),
    json: outcome('json'),
    socketio: outcome('socketio'),
    artillery:
      'runs' in artillery
        ? {
            status: 'measured',
            value: { summary: summarize(artillery.runs), arrivalsPerSecond: artillery.arrivalsPerSecond!, version: ARTILLERY_VERSION, install: installed?.ok ? installed.how : '' },
          }
        : artillery,
  };
}

/**
 * The whole bench, one section after another so none disturbs another:
 * Artillery's install (npm is CPU-heavy), every size with every client in
 * turn, the round-trip latencies.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchResult> {
  const { settings, log } = options;
  const startedMs = performance.now();
  const machine = describeMachine();
  const atStart = loadAverage();
  // Installed first, so npm's CPU is in no measurement.
  const installed = options.artillery === 'run' ? await ensureArtillery({ allowInstall: options.artilleryInstall, log }) : undefined;
  if (installed?.ok) log(`artillery@${ARTILLERY_VERSION}: ${installed.how}`);
  else if (installed) log(`artillery unavailable: ${installed.reason}`);

  const unavailable: Unavailable = {};
  if (settings.protocols.includes('json')) {
    const python = pythonProblem();
    if (python) {
      unavailable.json = `the acme hub needs ${python}`;
      log(`Fleet on JSON unavailable: ${unavailable.json}`);
    }
  }

  const points: HoldPoint[] = [];
  for (const agents of settings.sizes) {
    if (settings.sizes.length > 1) log(`${agents} connections`);
    points.push(await measurePoint(agents, options, installed, unavailable));
  }

  const proxy: ProxyLatency = await withHub('reference', (hub) => measureProxyLatency({ hub, blockMs: settings.proxyBlockMs, rounds: settings.proxyRounds }));
  log(`ping round trip p50: direct ${proxy.direct.p50Us.toFixed(0)} µs, embedded proxy ${proxy.embedded.p50Us.toFixed(0)} µs, standalone proxy ${proxy.standalone.p50Us.toFixed(0)} µs`);

  return {
    machine,
    loadAverage: { atStart, atEnd: loadAverage() },
    settings,
    points,
    proxy: { status: 'measured', value: proxy },
    totalMs: performance.now() - startedMs,
  };
}
