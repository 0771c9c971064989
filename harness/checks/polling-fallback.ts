import { faultWindows } from './fault-windows.ts';
import type { Checker } from './types.ts';

/**
 * While its WebSocket was down in a redeploy, every agent that lost it fell
 * back to HTTP polling; reports how many polls succeeded and how many
 * commands came that way.
 */
export const checkPollingFallback: Checker<Record<string, never>> = (input) => {
  const id = 'polling-fallback';
  const title = 'Agents polled while their WebSocket was down in a redeploy';
  const redeploys = faultWindows(input.events, input.endMs).filter((w) => w.kind.startsWith('redeploy:'));
  if (redeploys.length === 0) return { id, title, status: 'skipped', summary: 'skipped: no redeploy in the run', reason: 'no redeploy in the run' };
  const inRedeploy = (t: number) => redeploys.some((w) => t >= w.fromMs && t <= w.toMs);
  // Per agent: is it down after a redeploy dropped it, and did it poll before it was back?
  const down = new Map<string, { polls: number }>();
  const dropped = new Set<string>();
  const silent = new Set<string>();
  let polls = 0;
  let okPolls = 0;
  let viaPoll = 0;
  for (const e of input.events) {
    if (e.type === 'ws.close' && e.by !== 'stop' && inRedeploy(e.t)) {
      dropped.add(e.agent);
      down.set(e.agent, { polls: 0 });
    } else if (e.type === 'poll' && down.has(e.agent)) {
      down.get(e.agent)!.polls++;
      polls++;
      if (e.ok) okPolls++;
    } else if (e.type === 'ws.open' && down.has(e.agent)) {
      if (down.get(e.agent)!.polls === 0) silent.add(e.agent);
      down.delete(e.agent);
    } else if (e.type === 'command' && !e.repeat && e.transport === 'poll') viaPoll++;
  }
  const evidence = { agentsDropped: dropped.size, polls, successfulPolls: okPolls, commandsAppliedViaPoll: viaPoll, neverPolled: [...silent].slice(0, 20) };
  if (dropped.size === 0) return { id, title, status: 'skipped', summary: 'skipped: no agent lost its WebSocket in a redeploy', reason: 'no agent lost its WebSocket in a redeploy' };
  if (silent.size > 0) {
    return { id, title, status: 'failed', summary: `${silent.size} of ${dropped.size} dropped agent(s) reconnected without ever polling (${[...silent].slice(0, 5).join(', ')})`, evidence };
  }
  return { id, title, status: 'passed', summary: `${dropped.size} agent(s) dropped, all polled: ${polls} polls (${okPolls} answered), ${viaPoll} command(s) applied via polling`, evidence };
};
