import type { HistoryEvent } from '../../history/events.ts';
import { RESULT_SCHEMA_VERSION, type RunResult } from '../../runner/result.ts';

/**
 * A large RunResult made without running anything, for what a real run on a
 * 2-core machine cannot reach cheaply: a 1,000+ agent fleet where every tenth
 * agent loops (1000 "New connection established"), a partition that drops a
 * third of the fleet, a hub redeploy, and a command a second. The shape is the
 * runner's; the numbers are plausible, not measured.
 */
export function syntheticResult(agents: number, durationMs = 60_000): RunResult {
  let seed = 12345;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const ids = Array.from({ length: agents }, (_, i) => `agent-${i + 1}`);
  const events: HistoryEvent[] = [{ t: 0, type: 'run.phase', phase: 'ramp' }];
  const cutUntil = Math.ceil(agents / 3);
  const partition = { from: durationMs * 0.3, to: durationMs * 0.45 };
  const redeploy = { from: durationMs * 0.7, to: durationMs * 0.72 };
  const looping: { agent: string; cycles: number }[] = [];
  ids.forEach((agent, i) => {
    let t = random() * 2_000;
    let conn = 0;
    events.push({ t, type: 'ws.connecting', attempt: 0, agent });
    const loops = i % 10 === 0;
    if (loops) looping.push({ agent, cycles: 0 });
    while (t < durationMs) {
      t += 5;
      events.push({ t, type: 'ws.open', conn: ++conn, agent }, { t: t + 0.1, type: 'poll.paused', agent });
      const cut = i < cutUntil && t < partition.from;
      const openMs = loops ? 1 + random() * 3 : cut ? partition.from - t + random() * 50 : t < redeploy.from ? redeploy.from - t : durationMs - t;
      if (t + openMs >= durationMs) break;
      t += openMs;
      const byHub = loops || t >= redeploy.from;
      events.push(
        { t, type: 'ws.close', conn, code: byHub ? 1000 : 1006, reason: loops ? 'New connection established' : byHub ? 'hub restarting' : '', openMs, by: 'remote', agent },
        { t: t + 0.2, type: 'poll.started', agent },
      );
      if (loops) looping.at(-1)!.cycles++;
      const delayMs = Math.round(1_000 + random() * 1_000);
      events.push({ t: t + 0.3, type: 'reconnect.scheduled', attempt: 1, delayMs, agent });
      t += delayMs;
      while (cut && t < partition.to) {
        events.push({ t, type: 'ws.failed', attempt: 1, error: 'connect ECONNREFUSED', agent });
        t += 1_000 + random() * 1_500;
      }
    }
  });
  events.push(
    { t: partition.from, type: 'fault.applied', fault: 'partition', kind: 'partition', target: 'cut', detail: {} },
    { t: partition.to, type: 'fault.removed', fault: 'partition', kind: 'partition', target: 'cut' },
    { t: redeploy.from, type: 'hub.redeploy', name: 'rolling-1', kind: 'rolling', phase: 'begin' },
    { t: redeploy.to, type: 'hub.redeploy', name: 'rolling-1', kind: 'rolling', phase: 'end' },
  );
  for (let t = 1_000, n = 1; t < durationMs; t += 1_000, n++) {
    const agent = ids[Math.floor(random() * agents)]!;
    events.push({ t, type: 'command.issued', agent, id: `cmd-${n}`, name: `cmd-${n}` });
    if (n % 25 !== 0) events.push({ t: t + 2 + random() * (n % 7 === 0 ? 1_500 : 40), type: 'command', id: `cmd-${n}`, name: `cmd-${n}`, transport: 'ws', repeat: false, agent });
  }
  events.sort((a, b) => a.t - b.t);
  const connects = events.filter((e) => e.type === 'ws.open').length;
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    scenario: { name: 'synthetic', description: `${agents} synthetic agents: every tenth loops, a third partitioned, one redeploy` },
    params: { agents, durationMs, seed: '1', agentIdPrefix: 'agent-', pingIntervalMs: 10_000, hubDefects: [], agentDefects: [], loop: { minCycles: 3, maxConnectionMs: 5_000 } },
    hub: { kind: 'synthetic', url: 'http://127.0.0.1:0', metrics: false, admin: true },
    groups: [
      { name: 'cut', agents: cutUntil, firstAgent: ids[0]!, lastAgent: ids[cutUntil - 1]! },
      { name: 'rest', agents: agents - cutUntil, firstAgent: ids[cutUntil]!, lastAgent: ids[agents - 1]! },
    ],
    startedAt: new Date(0).toISOString(),
    elapsedMs: durationMs,
    verdict: 'failed',
    checks: [
      { id: 'connection-loop', title: 'No connection loops', status: 'failed', summary: `connection loop: ${looping.length}/${agents} agents kept reconnecting`, evidence: { looping } },
      { id: 'command-delivery', title: 'Every command applied exactly once', status: 'failed', summary: 'some commands lost', evidence: { lost: [] } },
      { id: 'hub-connections-replaced', title: 'Hub replaced no connection', status: 'skipped', summary: 'skipped: no metrics', reason: 'the synthetic hub has no /metrics' },
    ],
    stats: { agents, connects, disconnects: connects, connectFailures: events.filter((e) => e.type === 'ws.failed').length, commandsIssued: 0, commandsApplied: 0, events: events.length },
    replay: 'npm run scenario synthetic -- --seed 1',
    agentIds: ids,
    events,
  };
}
