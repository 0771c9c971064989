import { GroupMap, faultWindows } from './fault-windows.ts';
import { distribution, formatMs } from './stats.ts';
import type { Checker } from './types.ts';

export interface CommandDeliveryOptions {
  /** Fail when the median issue-to-apply latency exceeds this, ms. Default: no bound. */
  maxP50LatencyMs?: number;
  /**
   * Fail when commands issued while a fault hit their agent were applied with
   * a median latency below this, ms: proof that the fault really acted.
   */
  minP50LatencyDuringFaultsMs?: number;
}

/**
 * Every command the harness issued was applied exactly once in effect by its
 * agent: none lost, none applied twice. Re-deliveries the agent recognised
 * (and acked again) are fine. When the hub has metrics, none may remain pending.
 */
export const checkCommandDelivery: Checker<CommandDeliveryOptions> = (input, options) => {
  const id = 'command-delivery';
  const title = 'Every command applied exactly once';
  const issued = new Map<string, { agent: string; t: number }>();
  const applied = new Map<string, { count: number; firstT: number; transport: string }>();
  let repeats = 0;
  let issueFailures = 0;
  for (const e of input.events) {
    if (e.type === 'command.issued') issued.set(e.id, { agent: e.agent, t: e.t });
    else if (e.type === 'command.issue.failed') issueFailures++;
    else if (e.type === 'command') {
      if (e.repeat) {
        repeats++;
        continue;
      }
      const entry = applied.get(e.id);
      if (entry) entry.count++;
      else applied.set(e.id, { count: 1, firstT: e.t, transport: e.transport });
    }
  }
  if (issued.size === 0 && issueFailures > 0) {
    // The hub refused every command: that is a finding, not a run without commands.
    const failures = input.events.filter((e) => e.type === 'command.issue.failed').slice(0, 5);
    return {
      id,
      title,
      status: 'failed',
      summary: `the hub refused all ${issueFailures} command(s) the harness tried to issue (${[...new Set(failures.map((f) => f.type === 'command.issue.failed' ? f.error : ''))].join('; ')})`,
      evidence: { issued: 0, issueFailures, firstFailures: failures },
    };
  }
  if (issued.size === 0) {
    const reason = input.commandsMissing ?? 'the scenario issued no commands';
    return { id, title, status: 'skipped', summary: `skipped: ${reason}`, reason };
  }
  const lost: { id: string; agent: string; issuedAtMs: number }[] = [];
  const duplicated: { id: string; agent: string; applied: number }[] = [];
  const latencies: number[] = [];
  const faultLatencies: number[] = [];
  const windows = faultWindows(input.events, input.endMs);
  const groups = new GroupMap(input.groups ?? [], input.agents);
  const byTransport: Record<string, number> = {};
  for (const [cmdId, { agent, t }] of issued) {
    const a = applied.get(cmdId);
    if (!a) {
      lost.push({ id: cmdId, agent, issuedAtMs: Math.round(t) });
      continue;
    }
    if (a.count > 1) duplicated.push({ id: cmdId, agent, applied: a.count });
    latencies.push(Math.max(0, a.firstT - t));
    if (windows.some((w) => t >= w.fromMs && t <= w.toMs && groups.hits(w, agent))) faultLatencies.push(Math.max(0, a.firstT - t));
    byTransport[a.transport] = (byTransport[a.transport] ?? 0) + 1;
  }
  const pendingAtHub = input.hubMetrics?.sum('edge_hub_commands_pending');
  const latency = distribution(latencies);
  const latencyDuringFaults = distribution(faultLatencies);
  const evidence = {
    issued: issued.size,
    applied: issued.size - lost.length,
    appliedByTransport: byTransport,
    repeatsAckedNotApplied: repeats,
    issueFailures,
    pendingAtHub,
    latency,
    latencyDuringFaults,
    lost: lost.slice(0, 50),
    duplicated: duplicated.slice(0, 50),
  };
  const problems: string[] = [];
  if (lost.length > 0) problems.push(`${lost.length} lost (never applied: ${lost.slice(0, 3).map((l) => `${l.id} for ${l.agent}`).join(', ')}${lost.length > 3 ? ', ...' : ''})`);
  if (duplicated.length > 0) problems.push(`${duplicated.length} applied more than once`);
  if (pendingAtHub !== undefined && pendingAtHub > 0) problems.push(`${pendingAtHub} still pending at the hub`);
  if (options.maxP50LatencyMs !== undefined && latency && latency.p50Ms > options.maxP50LatencyMs) {
    problems.push(`median latency ${formatMs(latency.p50Ms)} over ${formatMs(options.maxP50LatencyMs)}`);
  }
  const minFault = options.minP50LatencyDuringFaultsMs;
  if (minFault !== undefined) {
    if (!latencyDuringFaults) problems.push('no command was issued while a fault was active');
    else if (latencyDuringFaults.p50Ms < minFault) problems.push(`median latency during faults ${formatMs(latencyDuringFaults.p50Ms)} is under ${formatMs(minFault)}: the fault did not act`);
  }
  const latencyText =
    (latency ? `latency p50 ${formatMs(latency.p50Ms)}, p95 ${formatMs(latency.p95Ms)}` : 'no latency') +
    (latencyDuringFaults ? `; during faults p50 ${formatMs(latencyDuringFaults.p50Ms)}` : '');
  if (problems.length > 0) return { id, title, status: 'failed', summary: `${issued.size} issued: ${problems.join('; ')}`, evidence };
  return { id, title, status: 'passed', summary: `${issued.size} issued, all applied once (${latencyText})`, evidence };
};
