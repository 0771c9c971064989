import { distribution, formatMs, type Distribution } from './stats.ts';
import type { Checker } from './types.ts';

export interface ConnectionDurationsOptions {
  /** Fail when the median connection (still-open ones counted up to the end) is shorter than this, ms. Default: no bound. */
  minP50Ms?: number;
}

/**
 * Connection durations per agent and overall. A connection still open when
 * the run stopped counts with the time it had been up (the agent's stop
 * closes it and records that). Every agent must have connected at least once.
 */
export const checkConnectionDurations: Checker<ConnectionDurationsOptions> = (input, options) => {
  const byAgent = new Map<string, number[]>(input.agents.map((a) => [a, []]));
  for (const e of input.events) if (e.type === 'ws.close') byAgent.get(e.agent)?.push(e.openMs);
  const perAgent: ({ agent: string } & Distribution)[] = [];
  const never: string[] = [];
  const all: number[] = [];
  for (const [agent, durations] of byAgent) {
    const d = distribution(durations);
    if (!d) never.push(agent);
    else perAgent.push({ agent, ...d });
    all.push(...durations);
  }
  perAgent.sort((a, b) => a.p50Ms - b.p50Ms);
  const overall = distribution(all);
  const evidence = { overall, shortestAgents: perAgent.slice(0, 10), neverConnected: never, minP50Ms: options.minP50Ms };
  const title = options.minP50Ms === undefined ? 'Every agent connected' : `Every agent connected; median connection at least ${formatMs(options.minP50Ms)}`;
  const base = { title };
  const describe = overall ? `connections: ${overall.count}, min ${formatMs(overall.minMs)}, p50 ${formatMs(overall.p50Ms)}, p95 ${formatMs(overall.p95Ms)}` : 'no connection opened';
  if (never.length > 0) {
    return { ...base, status: 'failed', summary: `${never.length} agent(s) never connected (${never.slice(0, 5).join(', ')}${never.length > 5 ? ', ...' : ''}); ${describe}`, evidence };
  }
  if (options.minP50Ms !== undefined && overall && overall.p50Ms < options.minP50Ms) {
    return { ...base, status: 'failed', summary: `median connection ${formatMs(overall.p50Ms)} is shorter than ${formatMs(options.minP50Ms)}; ${describe}`, evidence };
  }
  return { ...base, status: 'passed', summary: describe, evidence };
};
