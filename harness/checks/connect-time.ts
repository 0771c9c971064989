import { formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface ConnectTimeOptions {
  /** Share of the fleet that must have connected, percent. Default 100. */
  percent?: number;
  /** ...within this long of the run's start, ms. */
  withinMs: number;
}

/** How fast the fleet comes up: time from the start until the given share of agents first connected. */
export const checkConnectTime: Checker<ConnectTimeOptions> = (input, { percent = 100, withinMs }) => {
  const title = `${percent}% of agents connected within ${formatMs(withinMs)} of the start`;
  const first = new Map<string, number>();
  for (const e of input.events) if (e.type === 'ws.open' && !first.has(e.agent)) first.set(e.agent, e.t);
  const times = [...first.values()].sort((a, b) => a - b);
  const needed = Math.ceil((percent / 100) * input.agents.length);
  const at = needed === 0 ? 0 : times[needed - 1];
  const half = times[Math.ceil(times.length / 2) - 1];
  const evidence = { percent, withinMs, agents: input.agents.length, connected: times.length, timeToPercentMs: at === undefined ? undefined : Math.round(at), medianFirstConnectMs: half === undefined ? undefined : Math.round(half) };
  // Either way the fleet came up late: the hub was given the start of the run up to the bound.
  const lateDuring = [{ fromMs: 0, toMs: withinMs }];
  if (at === undefined) return { title, status: 'failed', summary: `only ${times.length} of ${input.agents.length} agents ever connected`, evidence, lateDuring };
  const rate = at > 0 ? Math.round((needed / at) * 1000) : needed;
  if (at > withinMs) return { title, status: 'failed', summary: `${percent}% connected only after ${formatMs(at)}`, evidence, lateDuring };
  return { title, status: 'passed', summary: `${needed} agents connected within ${formatMs(at)} (~${rate}/s)`, evidence };
};
