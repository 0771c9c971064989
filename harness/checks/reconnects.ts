import type { Checker } from './types.ts';

export interface ReconnectsOptions {
  /** Most reconnects (connections after the first) any one agent may make. */
  maxPerAgent: number;
}

/** Counts each agent's reconnects: every WebSocket open after its first. */
export const checkReconnects: Checker<ReconnectsOptions> = (input, { maxPerAgent }) => {
  const opens = new Map<string, number>(input.agents.map((a) => [a, 0]));
  for (const e of input.events) if (e.type === 'ws.open') opens.set(e.agent, (opens.get(e.agent) ?? 0) + 1);
  const perAgent = [...opens].map(([agent, n]) => ({ agent, reconnects: Math.max(0, n - 1) }));
  perAgent.sort((a, b) => b.reconnects - a.reconnects || a.agent.localeCompare(b.agent, 'en', { numeric: true }));
  const total = perAgent.reduce((sum, a) => sum + a.reconnects, 0);
  const over = perAgent.filter((a) => a.reconnects > maxPerAgent);
  const evidence = { maxPerAgent, total, worst: perAgent.slice(0, 10) };
  const base = { title: `At most ${maxPerAgent} reconnect(s) per agent` };
  if (over.length === 0) {
    return { ...base, status: 'passed', summary: `${total} reconnect(s) in all; most by one agent: ${perAgent[0]?.reconnects ?? 0}`, evidence };
  }
  const names = over.slice(0, 5).map((a) => `${a.agent} (${a.reconnects})`).join(', ');
  return { ...base, status: 'failed', summary: `${over.length} agent(s) reconnected more than ${maxPerAgent} time(s): ${names}${over.length > 5 ? ', ...' : ''}`, evidence };
};
