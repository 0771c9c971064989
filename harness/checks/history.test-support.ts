/**
 * Small hand-written histories for checker tests: each call describes what
 * one agent saw, in the shapes the fleet and runner record.
 */
import type { AgentEvent, HistoryEvent } from '../history/events.ts';
import type { MetricSamples } from '../../common/prom-text.ts';
import type { CheckInput, CheckOutcome } from './types.ts';

export const REPLACED = { code: 1000, reason: 'New connection established' } as const;

type CloseBy = 'remote' | 'dead' | 'stop';

export class HistoryBuilder {
  readonly #events: HistoryEvent[] = [];
  readonly #conn = new Map<string, number>();

  /** One WebSocket connection: opened at `openAtMs`, closed `openMs` later. */
  connection(agent: string, openAtMs: number, openMs: number, close: { code?: number; reason?: string; by?: CloseBy } = {}): this {
    const conn = (this.#conn.get(agent) ?? 0) + 1;
    this.#conn.set(agent, conn);
    this.#push({ t: openAtMs, agent, type: 'ws.open', conn });
    this.#push({
      t: openAtMs + openMs,
      agent,
      type: 'ws.close',
      conn,
      code: close.code ?? REPLACED.code,
      reason: close.reason ?? REPLACED.reason,
      openMs,
      by: close.by ?? 'remote',
    });
    return this;
  }

  /** `count` connections, one every `periodMs` from `startMs`, each lasting `openMs`. */
  connections(agent: string, count: number, opts: { startMs?: number; periodMs?: number; openMs?: number; code?: number; reason?: string; by?: CloseBy } = {}): this {
    const { startMs = 0, periodMs = 1_000, openMs = 5, ...close } = opts;
    for (let i = 0; i < count; i++) this.connection(agent, startMs + i * periodMs, openMs, close);
    return this;
  }

  /** A fault window: applied at `fromMs` to `target` (a group or 'all'), removed at `toMs`. */
  fault(name: string, kind: string, fromMs: number, toMs: number, target = 'all'): this {
    this.#push({ t: fromMs, type: 'fault.applied', fault: name, kind, target, detail: {} });
    this.#push({ t: toMs, type: 'fault.removed', fault: name, kind, target });
    return this;
  }

  /** A hub redeploy from `fromMs` (begin) to `toMs` (the new hub up). */
  redeploy(name: string, fromMs: number, toMs: number, kind = 'graceful'): this {
    this.#push({ t: fromMs, type: 'hub.redeploy', name, kind, phase: 'begin' });
    this.#push({ t: toMs, type: 'hub.redeploy', name, kind, phase: 'end' });
    return this;
  }

  issued(agent: string, id: string, t: number): this {
    this.#push({ t, type: 'command.issued', agent, id, name: `name-of-${id}` });
    return this;
  }

  /** A failed admin call: answered `status`, or no answer ('timeout'). Its name defaults to `failed-at-<t>`. */
  issueFailed(agent: string, t: number, status: number | 'timeout' = 500, opts: { name?: string; sentAtMs?: number } = {}): this {
    const answer = status === 'timeout' ? { error: 'The operation was aborted due to timeout' } : { error: `HTTP ${status}`, status };
    this.#push({ t, type: 'command.issue.failed', agent, name: opts.name ?? `failed-at-${t}`, sentAtMs: opts.sentAtMs ?? t, ...answer });
    return this;
  }

  /** A delivery the agent observed; `name` defaults to `name-of-<id>`, `conn` to 1 over the WebSocket. */
  applied(agent: string, id: string, t: number, opts: { transport?: 'ws' | 'poll'; repeat?: boolean; name?: string; conn?: number } = {}): this {
    const transport = opts.transport ?? 'ws';
    this.#push({ t, agent, type: 'command', id, name: opts.name ?? `name-of-${id}`, transport, repeat: opts.repeat ?? false, ...(transport === 'ws' ? { conn: opts.conn ?? 1 } : {}) });
    return this;
  }

  /** The agent acked `ids`: over the WebSocket on `conn` (default 1), or by a POST the hub answered `status` (default 200). */
  acked(agent: string, ids: string[], t: number, opts: { transport?: 'ws' | 'poll'; conn?: number; status?: number } = {}): this {
    if (opts.transport === 'poll') this.#push({ t, agent, type: 'command.acked', transport: 'poll', ids, status: opts.status ?? 200 });
    else this.#push({ t, agent, type: 'command.acked', transport: 'ws', ids, conn: opts.conn ?? 1 });
    return this;
  }

  /** A raw event, for shapes the helpers above do not cover (polls, redeploys, faults). */
  event(event: HistoryEvent): this {
    this.#push(event);
    return this;
  }

  /** Events in time order, as a run's history holds them (stable for equal times). */
  get events(): HistoryEvent[] {
    return [...this.#events].sort((a, b) => a.t - b.t);
  }

  input(agents: readonly string[], extra: { hubMetrics?: MetricSamples; hubMetricsMissing?: string; commandsMissing?: string } = {}): CheckInput {
    const events = this.events;
    return { events, agents, endMs: events.at(-1)?.t ?? 0, ...extra };
  }

  #push(event: AgentEvent | HistoryEvent): void {
    this.#events.push(event);
  }
}

/** A result's evidence, for passed and failed results (a skipped one has none, which fails the test). */
export function evidenceOf(result: CheckOutcome): unknown {
  if (result.status === 'skipped') throw new Error(`check "${result.title}" was skipped: ${result.reason}`);
  return result.evidence;
}
