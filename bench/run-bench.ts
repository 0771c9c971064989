import { ARTILLERY_VERSION, ensureArtillery, type ArtilleryInstall } from './artillery/install.ts';
import { measureArtilleryHold } from './artillery/measure.ts';
import type { HolderSide } from './holder/messages.ts';
import { measureHoldInChild } from './hold-in-child.ts';
import { startHubChild, type HubChild } from './hub-child.ts';
import { describeMachine, loadAverage } from './machine.ts';
import { measureProxyLatency } from './proxy-latency.ts';
import type { BenchResult, BenchSettings, HoldMeasurement, HoldPoint, ProxyLatency } from './results.ts';
import { connectTimeoutMs } from './settings.ts';
import { summarize } from './summary.ts';

export interface RunBenchOptions {
  settings: BenchSettings;
  artillery: 'run' | 'skip';
  artilleryInstall: boolean;
  log: (line: string) => void;
}

/** Each section gets a hub of its own, stopped whatever happens. */
async function withHub<T>(use: (hub: HubChild) => Promise<T>): Promise<T> {
  const hub = await startHubChild();
  try {
    return await use(hub);
  } finally {
    await hub.stop();
  }
}

export type BenchSide = HolderSide | 'artillery';

/**
 * The clients at one size, in turn: Fleet, bare, Artillery, then the reverse
 * (A B C C B A ...), so a drift in machine load (the other work on the
 * cores, the page cache, the kernel's socket tables) falls on every side
 * alike and no side always runs first or last.
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

function artilleryUnusable(options: RunBenchOptions, installed: ArtilleryInstall | undefined): ArtilleryState | undefined {
  if (options.artillery === 'skip' || !installed) return { status: 'skipped', reason: 'skipped by --no-artillery' };
  if (!installed.ok) return { status: 'unavailable', reason: installed.reason };
  return undefined;
}

async function holdRun(side: HolderSide, agents: number, settings: BenchSettings): Promise<HoldMeasurement> {
  return withHub((hub) =>
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
  return withHub((hub) =>
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

/**
 * Every client at one size, several runs each in turn. Fleet and bare
 * failures throw: they are ours and must work. Artillery is a yardstick, not
 * the thing under test: its first failure at a size is reported as the
 * reason it has no numbers there, and it is not run again at that size.
 */
async function measurePoint(agents: number, options: RunBenchOptions, installed: ArtilleryInstall | undefined): Promise<HoldPoint> {
  const { settings, log } = options;
  const runs: Record<HolderSide, HoldMeasurement[]> = { fleet: [], bare: [] };
  let artillery: ArtilleryState = artilleryUnusable(options, installed) ?? { runs: [] };
  const sides: BenchSide[] = 'runs' in artillery ? ['fleet', 'bare', 'artillery'] : ['fleet', 'bare'];
  const counts: Record<BenchSide, number> = { fleet: 0, bare: 0, artillery: 0 };
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
  return {
    agents,
    fleet: { status: 'measured', value: summarize(runs.fleet) },
    bare: { status: 'measured', value: summarize(runs.bare) },
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

  const points: HoldPoint[] = [];
  for (const agents of settings.sizes) {
    if (settings.sizes.length > 1) log(`${agents} connections`);
    points.push(await measurePoint(agents, options, installed));
  }

  const proxy: ProxyLatency = await withHub((hub) => measureProxyLatency({ hub, blockMs: settings.proxyBlockMs, rounds: settings.proxyRounds }));
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
