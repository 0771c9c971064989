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
    maxInFlight: CONNECTS_IN_FLIGHT,
    runsPerSide: args.runsPerSide,
    settleMs: args.quick ? 300 : 1_000,
    idleWindowMs: args.quick ? 1_000 : 3_000,
    // 100 connections/s is far below any healthy rate; beyond that something is wrong, not slow.
    connectTimeoutMs: Math.max(20_000, args.agents * 10),
    proxyBlockMs: args.quick ? 250 : 500,
    proxyRounds: args.quick ? 2 : 4,
    quick: args.quick,
  };
}
