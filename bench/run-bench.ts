import { ARTILLERY_VERSION, ensureArtillery, type ArtilleryInstall } from './artillery/install.ts';
import { measureArtilleryHold } from './artillery/measure.ts';
import type { HolderSide } from './holder/messages.ts';
import { measureHoldInChild } from './hold-in-child.ts';
import { startHubChild, type HubChild } from './hub-child.ts';
import { describeMachine } from './machine.ts';
import { measureProxyLatency } from './proxy-latency.ts';
import type { ArtilleryHold, BenchResult, BenchSettings, HoldMeasurement, HoldSummary, Outcome, ProxyLatency } from './results.ts';

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

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The median of each figure on its own: one noisy run moves no figure. */
function summarize(runs: HoldMeasurement[]): HoldSummary {
  const of = (pick: (run: HoldMeasurement) => number | undefined): number | undefined => {
    const values = runs.map(pick).filter((value): value is number => value !== undefined);
    return values.length === runs.length ? median(values) : undefined;
  };
  return {
    runs,
    median: {
      agents: runs[0]!.agents,
      connectMs: of((r) => r.connectMs)!,
      agentsPerSecond: of((r) => r.agentsPerSecond)!,
      failedAttempts: of((r) => r.failedAttempts),
      rssPerConnectionBytes: of((r) => r.rssPerConnectionBytes)!,
      heapPerConnectionBytes: of((r) => r.heapPerConnectionBytes),
      connectCpuMsPerConnection: of((r) => r.connectCpuMsPerConnection)!,
      idleCpuPercent: of((r) => r.idleCpuPercent)!,
    },
  };
}

/** Fleet and bare in the order A B B A A B ..., so neither side always runs on a warmer or a more loaded machine. */
export function holdOrder(runsPerSide: number): HolderSide[] {
  return Array.from({ length: runsPerSide }, (_, i): HolderSide[] => (i % 2 === 0 ? ['fleet', 'bare'] : ['bare', 'fleet'])).flat();
}

function describeHold(side: string, m: HoldMeasurement): string {
  const heap = m.heapPerConnectionBytes === undefined ? '' : `, heap ${(m.heapPerConnectionBytes / 1024).toFixed(1)} KiB`;
  return (
    `${side}: ${m.agents} open in ${(m.connectMs / 1000).toFixed(2)} s (${Math.round(m.agentsPerSecond)}/s), ` +
    `RSS ${(m.rssPerConnectionBytes / 1024).toFixed(1)} KiB${heap} per connection, idle CPU ${m.idleCpuPercent.toFixed(1)}%`
  );
}

/**
 * Artillery's arrivals are open loop, so they are paced below what the hub
 * just took from the Fleet: faster, and the hub's listen backlog overflows
 * (holder/bounded-start.ts). Its connect rate is therefore this pace, not
 * its capacity.
 */
const ARTILLERY_PACE_OF_FLEET_RATE = 0.8;

async function artillerySection(
  options: RunBenchOptions,
  installed: ArtilleryInstall | undefined,
  fleetAgentsPerSecond: number,
): Promise<Outcome<ArtilleryHold>> {
  const { settings, log } = options;
  if (options.artillery === 'skip' || !installed) return { status: 'skipped', reason: 'skipped by --no-artillery' };
  if (!installed.ok) {
    log(`artillery unavailable: ${installed.reason}`);
    return { status: 'unavailable', reason: installed.reason };
  }
  log(`artillery@${ARTILLERY_VERSION}: ${installed.how}`);
  try {
    const arrivalsPerSecond = Math.max(1, Math.floor(fleetAgentsPerSecond * ARTILLERY_PACE_OF_FLEET_RATE));
    const measurement = await withHub((hub) =>
      measureArtilleryHold({
        binPath: installed.binPath,
        hub,
        connections: settings.agents,
        arrivalsPerSecond,
        connectTimeoutMs: settings.connectTimeoutMs,
        settleMs: settings.settleMs,
        idleWindowMs: settings.idleWindowMs,
      }),
    );
    log(describeHold('artillery', measurement));
    return { status: 'measured', value: { measurement, arrivalsPerSecond, version: ARTILLERY_VERSION, install: installed.how } };
  } catch (error) {
    // Artillery is a yardstick, not the thing under test: its failure is reported, not fatal.
    const reason = error instanceof Error ? error.message : String(error);
    log(`artillery unavailable: ${reason}`);
    return { status: 'unavailable', reason };
  }
}

/**
 * The whole bench, one section after another so none disturbs another:
 * Artillery's install (npm is CPU-heavy), the Fleet-vs-bare runs,
 * Artillery's run, the round-trip latencies. Fleet, bare and proxy failures
 * throw: they are ours and must work.
 */
export async function runBench(options: RunBenchOptions): Promise<BenchResult> {
  const { settings, log } = options;
  const startedMs = performance.now();
  const machine = describeMachine();
  // Installed first, so npm's CPU is in no measurement; it runs after the Fleet and bare runs.
  const artilleryInstall = options.artillery === 'run' ? await ensureArtillery({ allowInstall: options.artilleryInstall, log }) : undefined;

  const runs: Record<HolderSide, HoldMeasurement[]> = { fleet: [], bare: [] };
  for (const side of holdOrder(settings.runsPerSide)) {
    const measurement = await withHub((hub) =>
      measureHoldInChild({
        side,
        agents: settings.agents,
        hub,
        maxInFlight: settings.maxInFlight,
        connectTimeoutMs: settings.connectTimeoutMs,
        settleMs: settings.settleMs,
        idleWindowMs: settings.idleWindowMs,
      }),
    );
    log(describeHold(side, measurement));
    runs[side].push(measurement);
  }

  const fleet = summarize(runs.fleet);
  const artillery = await artillerySection(options, artilleryInstall, fleet.median.agentsPerSecond);

  const proxy: ProxyLatency = await withHub((hub) => measureProxyLatency({ hub, blockMs: settings.proxyBlockMs, rounds: settings.proxyRounds }));
  log(`ping round trip p50: direct ${proxy.direct.p50Us.toFixed(0)} µs, embedded proxy ${proxy.embedded.p50Us.toFixed(0)} µs, standalone proxy ${proxy.standalone.p50Us.toFixed(0)} µs`);

  return {
    machine,
    settings,
    fleet: { status: 'measured', value: fleet },
    bare: { status: 'measured', value: summarize(runs.bare) },
    artillery,
    proxy: { status: 'measured', value: proxy },
    totalMs: performance.now() - startedMs,
  };
}
