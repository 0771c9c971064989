import { ACK_CROSSING_MS, certainAcks } from './acks.ts';
import { GroupMap, faultWindows } from './fault-windows.ts';
import { distribution, formatMs } from './stats.ts';
import type { EventOf } from '../history/events.ts';
import { hubMetricName, type Checker } from './types.ts';

export interface CommandDeliveryOptions {
  /** Fail when the median issue-to-apply latency exceeds this, ms. Default: no bound. */
  maxP50LatencyMs?: number;
  /**
   * Fail when commands issued while a fault hit their agent were applied with
   * a median latency below this, ms: proof that the fault really acted.
   */
  minP50LatencyDuringFaultsMs?: number;
  /** A WebSocket ack counts as received by the hub once its connection stayed open this long after it, ms. Default 1_000. */
  ackReceivedAfterMs?: number;
}

type Delivery = EventOf<'command'>;
type IssueFailure = EventOf<'command.issue.failed'>;

const MAX_LISTED = 50;
const at = (t: number) => Math.round(t * 10) / 10;
const isNoRoute = (f: IssueFailure) => f.status === 404 || f.status === 405;

/**
 * Every command the harness issued was applied exactly once in effect by the
 * agent it was issued for, and nothing else was delivered. Each delivery the
 * agents saw (repeats included) is matched by id, by agent and by name:
 *
 * - lost: issued, never delivered to any agent;
 * - applied more than once: the agent applied the same id twice;
 * - misrouted: delivered to another agent than the one it was issued for;
 * - phantom duplicate: a name the run issued (once) delivered under a second id;
 * - never issued by this run: a name the harness never sent;
 * - redelivered after ack: delivered again to an agent after the hub certainly
 *   had its ack (see acks.ts); a hub that ignores acks shows up this way;
 * - failed admin calls (HTTP error, timeout) and 404/405 answers while other
 *   calls succeeded; calls that overlapped a redeploy are excused.
 *
 * A hub that gives commands ids of its own (the id its issuing call answered
 * is not the id it delivers) is matched by the run's token in the payload: a
 * delivered id the run never issued whose token it did is that command. A
 * second delivered id with the same token is a phantom duplicate.
 *
 * A name whose admin call failed but that the hub enqueued all the same is
 * delivered for that attempt. Repeats before the hub could have had the ack
 * are fine: delivery is at least once. When every admin call answered
 * 404/405 the hub has no admin route and the check skips. When the hub has
 * metrics, none may remain pending.
 */
export const checkCommandDelivery: Checker<CommandDeliveryOptions> = (input, options) => {
  const title = 'Every command applied exactly once, by its agent';
  const issued = new Map<string, { agent: string; t: number; name: string }>();
  const idOfName = new Map<string, string>();
  const failures: IssueFailure[] = [];
  const deliveries: Delivery[] = [];
  // The run's tokens (in every payload it issued) and the issued id each stands for.
  const idOfToken = new Map<string, string>();
  const ourTokens = new Set<string>();
  for (const e of input.events) {
    if (e.type === 'command.issued') {
      issued.set(e.id, { agent: e.agent, t: e.t, name: e.name });
      idOfName.set(e.name, e.id);
      if (e.token !== undefined) {
        idOfToken.set(e.token, e.id);
        ourTokens.add(e.token);
      }
    } else if (e.type === 'command.issue.failed') {
      failures.push(e);
      if (e.token !== undefined) ourTokens.add(e.token);
    } else if (e.type === 'command') deliveries.push(e);
  }
  if (issued.size === 0 && failures.length > 0 && failures.every(isNoRoute)) {
    const reason = input.commandsMissing ?? `the hub has no POST /admin/commands (HTTP 404/405 to all ${failures.length} call(s)), so the harness cannot issue commands`;
    return { title, status: 'skipped', summary: `skipped: ${reason}`, reason };
  }
  if (issued.size === 0 && failures.length > 0) {
    // The hub refused every command: that is a finding, not a run without commands.
    return {
      title,
      status: 'failed',
      summary: `the hub refused all ${failures.length} command(s) the harness tried to issue (${[...new Set(failures.map((f) => f.error))].slice(0, 5).join('; ')})`,
      evidence: { issued: 0, issueFailures: failures.length, firstFailures: failures.slice(0, 5) },
    };
  }
  if (issued.size === 0) {
    const reason = input.commandsMissing ?? 'the scenario issued no commands';
    return { title, status: 'skipped', summary: `skipped: ${reason}`, reason };
  }

  const windows = faultWindows(input.events, input.endMs);
  const redeploys = windows.filter((w) => w.kind.startsWith('redeploy:'));
  const groups = new GroupMap(input.groups ?? [], input.agents);

  // Admin calls that failed: excused when they overlapped a redeploy (the hub was down).
  const failedAttempt = new Map<string, IssueFailure>();
  const failedIssues: { name: string; agent: string; sentAtMs: number; atMs: number; error: string; status?: number }[] = [];
  const noRoute: IssueFailure[] = [];
  let issueFailuresWhileHubDown = 0;
  for (const f of failures) {
    failedAttempt.set(f.name, f);
    if (redeploys.some((w) => f.sentAtMs <= w.toMs && f.t >= w.fromMs)) issueFailuresWhileHubDown++;
    else if (isNoRoute(f)) noRoute.push(f);
    else failedIssues.push({ name: f.name, agent: f.agent, sentAtMs: at(f.sentAtMs), atMs: at(f.t), error: f.error, ...(f.status === undefined ? {} : { status: f.status }) });
  }

  // A hub that re-ids commands: each delivered id the run never issued, carrying a token it did, is the issued command.
  const reId = new Map<string, string>();
  // An issued id the hub delivered as it is: a second id with its token is a phantom, never a rename.
  const deliveredIdOf = new Map<string, string>(deliveries.filter((d) => issued.has(d.id)).map((d) => [d.id, d.id]));
  const tokenPhantoms = new Set<string>();
  for (const d of deliveries) {
    if (d.token === undefined || issued.has(d.id) || reId.has(d.id)) continue;
    const issuedId = idOfToken.get(d.token);
    if (issuedId === undefined) continue;
    const first = deliveredIdOf.get(issuedId);
    if (first === undefined) {
      deliveredIdOf.set(issuedId, d.id);
      reId.set(d.id, issuedId);
    } else if (first !== d.id) tokenPhantoms.add(d.id);
  }

  // Each delivery, matched by id (or token), agent and name.
  const acks = certainAcks(input.events, { windows, groups, endMs: input.endMs, receivedAfterMs: options.ackReceivedAfterMs ?? 1_000 });
  const firstByOwnAgent = new Map<string, { t: number; transport: string }>();
  const appliedCount = new Map<string, number>();
  const misrouted = new Map<string, { id: string; name: string; issuedFor: string; appliedBy: string; atMs: number }>();
  const phantomDuplicates = new Map<string, { id: string; name: string; agent: string; issuedId: string; atMs: number }>();
  const neverIssued = new Map<string, { id: string; name: string; agent: string; atMs: number }>();
  // Delivered with a token that is not this run's: left at the hub by an earlier run (names repeat, cmd-N; tokens do not).
  const earlierRuns = new Map<string, { id: string; name: string; agent: string; atMs: number }>();
  const deliveredFromFailedIssues = new Map<string, { name: string; id: string; agent: string; error: string }>();
  const redelivered = new Map<string, { id: string; agent: string; ackedAtMs: number; ackTransport: string; ackConn?: number; redeliveredAtMs: number; transport: string; conn?: number; times: number }>();
  let repeats = 0;
  for (const delivery of deliveries) {
    // A phantom under a token: a second id the hub gave the same command.
    if (tokenPhantoms.has(delivery.id)) {
      const issuedId = idOfToken.get(delivery.token!)!;
      if (!phantomDuplicates.has(delivery.id)) phantomDuplicates.set(delivery.id, { id: delivery.id, name: delivery.name, agent: delivery.agent, issuedId, atMs: at(delivery.t) });
      continue;
    }
    const d = reId.has(delivery.id) ? { ...delivery, id: reId.get(delivery.id)! } : delivery;
    const key = `${d.agent}\u0000${d.id}`;
    if (d.repeat) repeats++;
    else appliedCount.set(key, (appliedCount.get(key) ?? 0) + 1);

    // Acks name the id the agent was given.
    const ack = acks.get(`${d.agent}\u0000${delivery.id}`)?.find((a) => d.t - a.atMs > ACK_CROSSING_MS);
    if (ack) {
      const seen = redelivered.get(key);
      if (seen) seen.times++;
      else redelivered.set(key, { id: d.id, agent: d.agent, ackedAtMs: at(ack.atMs), ackTransport: ack.transport, ...(ack.conn === undefined ? {} : { ackConn: ack.conn }), redeliveredAtMs: at(d.t), transport: d.transport, ...(d.conn === undefined ? {} : { conn: d.conn }), times: 1 });
    }

    // Which agent it was meant for: the issued id's, or a failed attempt's that the hub enqueued all the same.
    let meantFor: string | undefined;
    const own = issued.get(d.id);
    if (own) meantFor = own.agent;
    else if (d.token !== undefined && !ourTokens.has(d.token)) {
      if (!earlierRuns.has(d.id)) earlierRuns.set(d.id, { id: d.id, name: d.name, agent: d.agent, atMs: at(d.t) });
      continue;
    } else {
      const issuedId = idOfName.get(d.name) ?? deliveredFromFailedIssues.get(d.name)?.id;
      const attempt = failedAttempt.get(d.name);
      if (issuedId !== undefined && issuedId !== d.id) {
        if (!phantomDuplicates.has(d.id)) phantomDuplicates.set(d.id, { id: d.id, name: d.name, agent: d.agent, issuedId, atMs: at(d.t) });
        continue;
      }
      if (attempt) {
        meantFor = attempt.agent;
        if (!deliveredFromFailedIssues.has(d.name)) deliveredFromFailedIssues.set(d.name, { name: d.name, id: d.id, agent: d.agent, error: attempt.error });
      } else {
        if (!neverIssued.has(d.id)) neverIssued.set(d.id, { id: d.id, name: d.name, agent: d.agent, atMs: at(d.t) });
        continue;
      }
    }
    if (meantFor !== d.agent) {
      if (!misrouted.has(key)) misrouted.set(key, { id: d.id, name: d.name, issuedFor: meantFor, appliedBy: d.agent, atMs: at(d.t) });
    } else if (!firstByOwnAgent.has(d.id)) firstByOwnAgent.set(d.id, { t: d.t, transport: d.transport });
  }

  const misroutedIds = new Set([...misrouted.values()].map((m) => m.id));
  const lost: { id: string; agent: string; issuedAtMs: number }[] = [];
  const duplicated: { id: string; agent: string; applied: number }[] = [];
  for (const [key, count] of appliedCount) {
    if (count > 1) {
      const [agent, cmdId] = key.split('\u0000') as [string, string];
      duplicated.push({ id: cmdId, agent, applied: count });
    }
  }
  const latencies: number[] = [];
  const faultLatencies: number[] = [];
  const byTransport: Record<string, number> = {};
  let applied = 0;
  for (const [cmdId, { agent, t }] of issued) {
    const a = firstByOwnAgent.get(cmdId);
    if (!a) {
      if (!misroutedIds.has(cmdId)) lost.push({ id: cmdId, agent, issuedAtMs: at(t) });
      continue;
    }
    applied++;
    latencies.push(Math.max(0, a.t - t));
    if (windows.some((w) => t >= w.fromMs && t <= w.toMs && groups.hits(w, agent))) faultLatencies.push(Math.max(0, a.t - t));
    byTransport[a.transport] = (byTransport[a.transport] ?? 0) + 1;
  }

  const pendingName = hubMetricName(input, 'pending');
  const pendingAtHub = 'name' in pendingName ? input.hubMetrics?.sum(pendingName.name) : undefined;
  const latency = distribution(latencies);
  const latencyDuringFaults = distribution(faultLatencies);
  const list = <T>(m: Map<string, T> | T[]) => [...m.values()].slice(0, MAX_LISTED);
  const adminNotFound = noRoute.length > 0 ? { count: noRoute.length, fromMs: at(noRoute[0]!.t), toMs: at(noRoute.at(-1)!.t), statuses: [...new Set(noRoute.map((f) => f.status))] } : undefined;
  const evidence = {
    issued: issued.size,
    applied,
    appliedByTransport: byTransport,
    repeatsAckedNotApplied: repeats,
    issueFailures: failures.length,
    issueFailuresWhileHubDown,
    pendingAtHub,
    latency,
    latencyDuringFaults,
    lost: lost.slice(0, MAX_LISTED),
    duplicated: duplicated.slice(0, MAX_LISTED),
    misrouted: list(misrouted),
    phantomDuplicates: list(phantomDuplicates),
    neverIssued: list(neverIssued),
    fromEarlierRuns: list(earlierRuns),
    redeliveredAfterAck: list(redelivered),
    failedIssues: failedIssues.slice(0, MAX_LISTED),
    adminNotFound,
    deliveredFromFailedIssues: list(deliveredFromFailedIssues),
  };

  const problems: string[] = [];
  const some = <T>(items: T[], text: (item: T) => string) => `${items.slice(0, 3).map(text).join(', ')}${items.length > 3 ? ', ...' : ''}`;
  if (lost.length > 0) problems.push(`${lost.length} lost (never applied: ${some(lost, (l) => `${l.id} for ${l.agent}`)})`);
  if (duplicated.length > 0) problems.push(`${duplicated.length} applied more than once`);
  if (misrouted.size > 0) problems.push(`${misrouted.size} misrouted (${some([...misrouted.values()], (m) => `${m.id} (${m.name}) issued for ${m.issuedFor}, applied by ${m.appliedBy}`)})`);
  if (phantomDuplicates.size > 0) problems.push(`${phantomDuplicates.size} phantom duplicate(s) (${some([...phantomDuplicates.values()], (p) => `${p.name} delivered to ${p.agent} again under id ${p.id}, issued as ${p.issuedId}`)})`);
  if (earlierRuns.size > 0) problems.push(`${earlierRuns.size} delivered from an earlier run (${some([...earlierRuns.values()], (n) => `${n.name} as ${n.id} to ${n.agent}`)}): the hub still held commands another run issued; start it clean, or give this run its own ids (--agent-id-prefix)`);
  if (neverIssued.size > 0) problems.push(`${neverIssued.size} never issued by this run (${some([...neverIssued.values()], (n) => `${n.name} as ${n.id} to ${n.agent}`)}): another client uses these agent ids, or the hub invents commands`);
  if (redelivered.size > 0) problems.push(`${redelivered.size} redelivered after ack (${some([...redelivered.values()], (r) => `${r.id} to ${r.agent} at ${formatMs(r.redeliveredAtMs)}, acked over ${r.ackTransport} at ${formatMs(r.ackedAtMs)}`)})`);
  if (failedIssues.length > 0) problems.push(`${failedIssues.length} admin call(s) failed (${[...new Set(failedIssues.map((f) => f.error))].slice(0, 3).join('; ')})`);
  if (adminNotFound) problems.push(`${adminNotFound.count} admin call(s) answered 404/405 from ${formatMs(adminNotFound.fromMs)} to ${formatMs(adminNotFound.toMs)} while others succeeded`);
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
  if (problems.length > 0) return { title, status: 'failed', summary: `${issued.size} issued: ${problems.join('; ')}`, evidence };
  return { title, status: 'passed', summary: `${issued.size} issued, all applied once by their agent (${latencyText})`, evidence };
};
