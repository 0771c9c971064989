import { faultEntry, type FaultSpec, type Stream } from '../../scenario/faults.ts';
import type { FaultStep } from '../../scenario/steps.ts';
import type { History } from '../../history/history.ts';
import type { FaultProxy } from '../../runtime/proxy.ts';

interface Active {
  name: string;
  kind: string;
  target: string;
  heal: () => Promise<void>;
}

/**
 * Plays a scenario's fault timeline against the proxies, only through
 * toxiproxy-node-client, and records every fault applied and healed in the
 * history. stop() cancels what has not started and heals what is active, so
 * no toxic or disabled proxy outlives the run.
 */
export class FaultInjector {
  readonly #proxy: FaultProxy;
  readonly #groups: readonly string[];
  readonly #history: History;
  readonly #clock: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #active = new Map<string, Active>();
  readonly #pending = new Set<Promise<unknown>>();
  #stopped = false;

  constructor(opts: { proxy: FaultProxy; groups: readonly string[]; history: History; clock: () => number }) {
    this.#proxy = opts.proxy;
    this.#groups = opts.groups;
    this.#history = opts.history;
    this.#clock = opts.clock;
  }

  /** Schedules every step relative to now (the start of the steady phase). */
  schedule(steps: readonly FaultStep[], endMs: number): void {
    steps.forEach((step, index) => {
      const name = step.name ?? `${step.fault.kind}-${index + 1}`;
      const target = step.group ?? 'all';
      const untilMs = Math.min(endMs, step.atMs + (step.durationMs ?? endMs));
      const fault = step.fault;
      const cycle = faultEntry(fault).cycle?.(fault);
      if (cycle) {
        for (let downAt = step.atMs; downAt < untilMs; downAt += cycle.periodMs) {
          const upAt = Math.min(downAt + cycle.downMs, untilMs);
          this.#at(downAt, () => this.#apply(name, target, fault, { ...cycle }));
          this.#at(upAt, () => this.#heal(name));
        }
        return;
      }
      this.#at(step.atMs, () => this.#apply(name, target, fault, { ...fault }));
      if (untilMs < endMs || step.durationMs !== undefined) this.#at(untilMs, () => this.#heal(name));
    });
  }

  /** Cancels what has not started, waits for calls in flight, heals everything active. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await Promise.allSettled(this.#pending);
    await Promise.allSettled([...this.#active.keys()].map((name) => this.#heal(name, true)));
  }

  #at(ms: number, action: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#stopped) return;
      const running = action().catch((error: unknown) => {
        this.#history.append({ t: this.#clock(), type: 'fault.error', error: (error as Error).message });
      });
      this.#pending.add(running);
      void running.finally(() => this.#pending.delete(running));
    }, ms);
    this.#timers.add(timer);
  }

  /** The groups a fault aimed at `target` hits. A small fleet can leave a named group empty; a fault aimed at it then hits no one. */
  #targets(target: string): string[] {
    return target === 'all' ? [...this.#groups] : this.#groups.filter((g) => g === target);
  }

  /** Turns the fault on as its FAULTS entry says: its toxic on the group's proxies, or the proxies disabled. */
  async #apply(name: string, target: string, fault: FaultSpec, detail: Record<string, unknown>): Promise<void> {
    if (this.#active.has(name)) return;
    const groups = this.#targets(target);
    const t = this.#clock(); // the window opens when the request goes out: connections drop before the answer
    const { effect } = faultEntry(fault);
    let heal: () => Promise<void>;
    if (effect === 'disable') {
      await Promise.all(groups.map((g) => this.#proxy.setEnabled(g, false)));
      heal = async () => {
        await Promise.all(groups.map((g) => this.#proxy.setEnabled(g, true)));
      };
    } else {
      const proxies = groups.flatMap((g) => this.#proxy.proxiesOf(g));
      const { type, attributes, stream } = effect.toxic(fault);
      const streams: Exclude<Stream, 'both'>[] = stream === 'both' ? ['upstream', 'downstream'] : [stream];
      const toxics = await Promise.all(
        proxies.flatMap((p) => streams.map((s) => p.addToxic({ name: `${name}-${s}`, type: type as never, stream: s, toxicity: 1, attributes }))),
      );
      heal = async () => {
        await Promise.all(toxics.map((t) => t.remove()));
      };
    }
    const kind = fault.kind;
    this.#active.set(name, { name, kind, target, heal });
    this.#history.append({ t, type: 'fault.applied', fault: name, kind, target, detail });
  }

  async #heal(name: string, atStop = false): Promise<void> {
    const active = this.#active.get(name);
    if (!active) return;
    this.#active.delete(name);
    await active.heal();
    this.#history.append({ t: this.#clock(), type: 'fault.removed', fault: name, kind: active.kind, target: active.target, ...(atStop ? { atStop: true } : {}) });
  }
}
