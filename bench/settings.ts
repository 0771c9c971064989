import type { BenchArgs } from './args.ts';
import type { BenchSettings } from './results.ts';
import { OTHER_PROTOCOL_SIDES, sidesOf, type HolderSide } from './sides.ts';

/**
 * Handshakes under way at once. Enough to keep the hub busy, and well under
 * its listen backlog (511), which when it overflows makes connect times
 * measure TCP's SYN retransmits (holder/bounded-start.ts).
 */
export const CONNECTS_IN_FLIGHT = 128;

/**
 * Agents expect a ping this often; long, so an idle connection costs no
 * traffic while measured. Every hub is told the same (the reference hub's
 * WebSocket pings, the acme hub's app-level pings, Engine.IO's pings), so
 * no side's idle CPU includes heartbeats another's does not: a hold run is
 * over well before the first.
 */
export const HUB_PING_INTERVAL_MS = 60_000;

/**
 * The listen backlog every hub gets: Node's default, which the reference
 * and Socket.IO hubs have anyway. asyncio's default is 100, under the
 * CONNECTS_IN_FLIGHT handshakes the bench keeps under way, so the acme hub is
 * given this one too: an overflowing accept queue makes connect times
 * measure TCP's SYN retransmits, not the client.
 */
export const HUB_LISTEN_BACKLOG = 511;

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
    protocols: args.protocols,
  };
}

/**
 * The holder sides measured at one size: what --protocols chose, where the
 * Fleets on other protocols than v1 only at the headline size (a curve
 * measures v1's cost against N; the others are compared with it at one N).
 */
export function sidesAt(settings: BenchSettings, agents: number): HolderSide[] {
  return sidesOf(settings.protocols).filter((side) => agents === settings.agents || !(OTHER_PROTOCOL_SIDES as readonly HolderSide[]).includes(side));
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
    const sides = sidesAt(settings, agents).length;
    const perRound = sides * holdRunBudgetMs(settings, agents) + (artillery.run ? holdRunBudgetMs(settings, agents) + artilleryStartMs : 0);
    return sum + settings.runsPerSide * perRound;
  }, 0);
  const proxyMs = 30_000 + 3 * settings.proxyRounds * settings.proxyBlockMs;
  return Math.max(MIN_RUN_LIMIT_MS, installMs + holdsMs + proxyMs);
}
