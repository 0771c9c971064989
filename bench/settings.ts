import type { BenchArgs } from './args.ts';
import type { BenchSettings } from './results.ts';

/**
 * Handshakes under way at once. Enough to keep the hub busy, and well under
 * its listen backlog (511), which when it overflows makes connect times
 * measure TCP's SYN retransmits (holder/bounded-start.ts).
 */
export const CONNECTS_IN_FLIGHT = 128;

export function benchSettings(args: BenchArgs): BenchSettings {
  return {
    agents: args.agents,
    sizes: args.sizes,
    curve: args.curve,
    maxInFlight: CONNECTS_IN_FLIGHT,
    runsPerSide: args.runsPerSide,
    settleMs: args.quick ? 300 : 1_000,
    idleWindowMs: args.quick ? 1_000 : 3_000,
    proxyBlockMs: args.quick ? 250 : 500,
    proxyRounds: args.quick ? 2 : 4,
    quick: args.quick,
  };
}

/**
 * A client that has not opened all N by then has failed. 50 connections/s
 * is far below any healthy rate (a loaded 2-core machine does thousands), so
 * this is a hang detector, never a speed bar.
 */
export function connectTimeoutMs(agents: number): number {
  return Math.max(60_000, agents * 20);
}

/** One client run: start and warm-up, connecting at the hang detector's pace, settle and idle, stop. */
function holdRunBudgetMs(settings: BenchSettings, agents: number): number {
  return 20_000 + agents * 2 + settings.settleMs + settings.idleWindowMs;
}

/** Even the quick bench gets this long: a loaded CI machine can take several times an idle one's half minute. */
const MIN_RUN_LIMIT_MS = 240_000;

/**
 * The whole bench's time limit, from its plan: generous (a run on an idle
 * machine takes a quarter of it or less), so it only stops a bench that
 * hangs, with a message saying so.
 */
export function runLimitMs(settings: BenchSettings, artillery: { run: boolean; mayInstall: boolean }): number {
  const installMs = artillery.run && artillery.mayInstall ? 150_000 : 0;
  const artilleryStartMs = 20_000; // it loads a lot before its first arrival
  const holdsMs = settings.sizes.reduce((sum, agents) => {
    const perRound = 2 * holdRunBudgetMs(settings, agents) + (artillery.run ? holdRunBudgetMs(settings, agents) + artilleryStartMs : 0);
    return sum + settings.runsPerSide * perRound;
  }, 0);
  const proxyMs = 30_000 + 3 * settings.proxyRounds * settings.proxyBlockMs;
  return Math.max(MIN_RUN_LIMIT_MS, installMs + holdsMs + proxyMs);
}
