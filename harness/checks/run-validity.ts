import { formatMs } from './stats.ts';
import { isAlwaysKept } from '../history/history.ts';
import type { CheckInput, CheckResult, Checker } from './types.ts';

/**
 * Checks of the run itself, not of the hub: whether this run can judge the
 * hub at all. A failure makes the run invalid (exit 2), never failed.
 */

/** Every scheduled fault reached Toxiproxy: a fault that did not apply leaves the checks that need it judging a run that never had it. */
export const checkFaultsApplied: Checker<Record<string, never>, { applied: number; errors: { atMs: number; error: string }[] }> = (input) => {
  const title = 'Every scheduled fault was applied';
  const applied = input.events.filter((e) => e.type === 'fault.applied').length;
  const errors = input.events.flatMap((e) => (e.type === 'fault.error' ? [{ atMs: Math.round(e.t), error: e.error }] : []));
  const evidence = { applied, errors: errors.slice(0, 20) };
  if (errors.length === 0) return { title, status: 'passed', summary: applied === 0 ? 'no faults scheduled' : `${applied} fault application(s), none failed`, evidence };
  return { title, status: 'failed', summary: `${errors.length} fault change(s) could not be applied (first at ${formatMs(errors[0]!.atMs)}: ${errors[0]!.error})`, evidence };
};

export interface HistoryCompleteOptions {
  /** Event kinds each configured check reads that the history may drop past its cap, by check id. */
  needs: Record<string, readonly string[]>;
  /** Events dropped past the cap, by kind (RunResult.eventsDropped). */
  dropped: Readonly<Record<string, number>>;
  /** Events that never reached the history (a fleet shard's buffer overflowed), by kind (RunResult.eventsLost). Default none. */
  lost?: Readonly<Record<string, number>>;
}

/**
 * The history kept every event a configured check reads. Past its cap it
 * drops connect attempts and polls, and a check that counts them would be
 * wrong. Events a shard lost before they reached the history are worse:
 * they may be connections and commands, which every check reads.
 * Not a CHECKERS entry but a step after them (it judges what the checks
 * that ran read), so it names its own result.
 */
export const checkHistoryComplete = (
  _input: CheckInput,
  { needs, dropped, lost = {} }: HistoryCompleteOptions,
): CheckResult<{ dropped: Record<string, number>; lost: Record<string, number>; checksMissingEvents: Record<string, string[]> }> => {
  const id = 'history-complete';
  const title = 'The history kept every event the checks read';
  const missing: Record<string, string[]> = {};
  for (const [check, kinds] of Object.entries(needs)) {
    const gone = kinds.filter((k) => (dropped[k] ?? 0) > 0 || (lost[k] ?? 0) > 0);
    if (gone.length > 0) missing[check] = gone;
  }
  const evidence = { dropped: { ...dropped }, lost: { ...lost }, checksMissingEvents: missing };
  const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0);
  // A lost connection or command is read by nearly every check, named in `needs` or not.
  const lostKept = Object.entries(lost).filter(([kind, n]) => n > 0 && isAlwaysKept(kind));
  if (lostKept.length > 0) {
    const which = lostKept.map(([kind, n]) => `${n} ${kind}`).join(', ');
    return { id, title, status: 'failed', summary: `${sum(lost)} event(s) never reached the history, ${which} among them (a fleet shard's buffer overflowed): give the shards more room (transport.maxBufferedEvents), more shards, or a faster link to the collector`, evidence };
  }
  if (Object.keys(missing).length === 0) {
    const total = sum(dropped) + sum(lost);
    return { id, title, status: 'passed', summary: total === 0 ? 'nothing dropped' : `${total} event(s) dropped past the cap or lost by a shard, none that a check reads`, evidence };
  }
  const which = Object.entries(missing).map(([check, kinds]) => `${check} reads ${kinds.join(', ')}`).join('; ');
  const where = sum(lost) > 0 ? 'dropped past the history cap or lost by a fleet shard' : 'past the history cap were dropped';
  return { id, title, status: 'failed', summary: `events ${where} that checks need (${which}): raise maxEvents or run fewer agents`, evidence };
};

/**
 * Every fleet shard lived to the end and its events reached the history: agents of a dead or silent
 * shard stop observing, and the checks would read their silence as the hub's doing.
 */
export const checkShardsAlive: Checker<Record<string, never>, { exits: { shard: number; agents: string; atMs: number; how: string }[] }> = (input) => {
  const title = 'Every fleet shard lived to the end and delivered its events';
  const exits = input.events.flatMap((e) =>
    e.type === 'fleet.shard.exit' ? [{ shard: e.shard, agents: e.agents, atMs: Math.round(e.t), how: e.how }] : e.type === 'fleet.shard.lost' ? [{ shard: e.shard, agents: e.agents, atMs: Math.round(e.t), how: e.why }] : [],
  );
  if (exits.length === 0) return { title, status: 'passed', summary: 'no shard died', evidence: { exits } };
  const first = exits[0]!;
  const event = input.events.find((e) => e.type === 'fleet.shard.exit' || e.type === 'fleet.shard.lost')!;
  const what = event.type === 'fleet.shard.exit' ? `died at ${formatMs(first.atMs)} (${first.how})` : `was lost at ${formatMs(first.atMs)}: ${first.how}`;
  return { title, status: 'failed', summary: `fleet shard ${first.shard} (agents ${first.agents}) ${what}${exits.length > 1 ? ` and ${exits.length - 1} more` : ''}`, evidence: { exits } };
};
