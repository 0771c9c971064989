import { GroupMap, faultWindows } from './fault-windows.ts';
import type { Checker, TimeWindow } from './types.ts';

/**
 * A poll that got no answer may have been sent while the hub was down and
 * given up on after that: the agent's HTTP timeout (default 5 s). A poll the
 * hub answered with an error was answered by a hub that was up.
 */
const NO_ANSWER_GRACE_MS = 5_000;

/**
 * Late, when every failure is a poll the hub did not answer in time (no
 * status, the agent's "no answer within N ms"): each such poll gave the hub
 * from its send to its timeout. An HTTP error, a refused connection or an
 * agent that never polled is not about time.
 */
function lateness(failed: readonly { atMs: number; status?: number; error?: string }[], silent: number): { lateDuring?: TimeWindow[] } {
  if (silent > 0 || failed.length === 0) return {};
  const windows: TimeWindow[] = [];
  for (const f of failed) {
    const timeoutMs = f.status === undefined ? /^no answer within (\d+) ms$/.exec(f.error ?? '')?.[1] : undefined;
    if (timeoutMs === undefined) return {};
    const from = f.atMs - Number(timeoutMs);
    const last = windows.at(-1);
    if (last && from <= last.toMs) last.toMs = Math.max(last.toMs, f.atMs);
    else windows.push({ fromMs: from, toMs: f.atMs });
  }
  return { lateDuring: windows.map((w) => ({ fromMs: Math.round(w.fromMs), toMs: Math.round(w.toMs), waitingOn: 'hub' as const })) };
}

/**
 * While its WebSocket was down in a redeploy, every agent that lost it fell
 * back to HTTP polling, and polls worked whenever the hub was up: a poll that
 * failed is a failure of the hub unless it failed while the hub was down for
 * that agent (a redeploy, or a fault that hit the agent's group). Reports how
 * many polls succeeded and how many commands came that way.
 */
export const checkPollingFallback: Checker<Record<string, never>> = (input) => {
  const title = 'Agents polled while their WebSocket was down in a redeploy, and polls worked';
  const windows = faultWindows(input.events, input.endMs);
  const redeploys = windows.filter((w) => w.kind.startsWith('redeploy:'));
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const inRedeploy = (t: number) => redeploys.some((w) => t >= w.fromMs && t <= w.toMs);
  const hubDownFor = (agent: string, t: number, answered: boolean) =>
    windows.some((w) => t >= w.fromMs && t <= w.toMs + (answered ? 0 : NO_ANSWER_GRACE_MS) && groups.hits(w, agent));
  // Per agent: is it down after a redeploy dropped it, and did it poll before it was back?
  const down = new Map<string, { polls: number }>();
  const dropped = new Set<string>();
  const silent = new Set<string>();
  let polls = 0;
  let okPolls = 0;
  let pollsWhileDropped = 0;
  let viaPoll = 0;
  let excused = 0;
  const failedByAnswer: Record<string, number> = {};
  const failedWhileUp: { agent: string; atMs: number; status?: number; error?: string }[] = [];
  for (const e of input.events) {
    if (e.type === 'ws.close' && e.by !== 'stop' && inRedeploy(e.t)) {
      dropped.add(e.agent);
      down.set(e.agent, { polls: 0 });
    } else if (e.type === 'poll') {
      polls++;
      if (e.ok) okPolls++;
      else if (hubDownFor(e.agent, e.t, e.status !== undefined)) excused++;
      else {
        const answer = e.status !== undefined ? `HTTP ${e.status}` : (e.error ?? 'no answer');
        failedByAnswer[answer] = (failedByAnswer[answer] ?? 0) + 1;
        failedWhileUp.push({ agent: e.agent, atMs: e.t, ...(e.status !== undefined ? { status: e.status } : { error: e.error }) });
      }
      const d = down.get(e.agent);
      if (d) {
        d.polls++;
        pollsWhileDropped++;
      }
    } else if (e.type === 'ws.open' && down.has(e.agent)) {
      if (down.get(e.agent)!.polls === 0) silent.add(e.agent);
      down.delete(e.agent);
    } else if (e.type === 'command' && !e.repeat && e.transport === 'poll') viaPoll++;
  }
  const evidence = {
    agentsDropped: dropped.size,
    polls,
    pollsWhileDropped,
    successfulPolls: okPolls,
    failedPollsWhileHubUp: failedWhileUp.length,
    failedPollsExcused: excused,
    failedPollsByAnswer: failedByAnswer,
    firstFailedPolls: failedWhileUp.slice(0, 20),
    commandsAppliedViaPoll: viaPoll,
    neverPolled: [...silent].slice(0, 20),
  };
  if (redeploys.length === 0 && polls === 0) return { title, status: 'skipped', summary: 'skipped: no redeploy in the run and no agent polled', reason: 'no redeploy in the run and no agent polled' };
  const problems: string[] = [];
  if (failedWhileUp.length > 0) {
    const answers = Object.entries(failedByAnswer).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([answer, n]) => `${answer} ×${n}`);
    problems.push(`${failedWhileUp.length} of ${polls} polls failed while the hub was up (${answers.join('; ')})`);
  }
  if (silent.size > 0) problems.push(`${silent.size} of ${dropped.size} dropped agent(s) reconnected without ever polling (${[...silent].slice(0, 5).join(', ')})`);
  if (problems.length > 0) return { title, status: 'failed', summary: problems.join('; '), evidence, ...lateness(failedWhileUp, silent.size) };
  if (dropped.size === 0 && polls === 0) return { title, status: 'skipped', summary: 'skipped: no agent lost its WebSocket in a redeploy', reason: 'no agent lost its WebSocket in a redeploy' };
  const droppedText = dropped.size > 0 ? `${dropped.size} agent(s) dropped in a redeploy, all polled; ` : '';
  return { title, status: 'passed', summary: `${droppedText}${polls} polls (${okPolls} answered, ${excused} failed while the hub was down), ${viaPoll} command(s) applied via polling`, evidence };
};
