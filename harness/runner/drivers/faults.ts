import type { FaultSpec, FaultStep, Stream } from '../../scenario/steps.ts';
import type { History } from '../../history/history.ts';
import type { FaultProxy } from '../../runtime/proxy.ts';

type ToxicFault = Exclude<FaultSpec, { kind: 'partition' } | { kind: 'flap' }>;

const TOXIC_OF: { [K in ToxicFault['kind']]: (f: Extract<ToxicFault, { kind: K }>) => { type: string; attributes: Record<string, number> } } = {
  latency: (f) => ({ type: 'latency', attributes: { latency: f.latencyMs, jitter: f.jitterMs ?? 0 } }),
  bandwidth: (f) => ({ type: 'bandwidth', attributes: { rate: f.rateKBps } }),
  blackhole: (f) => ({ type: 'timeout', attributes: { timeout: f.closeAfterMs ?? 0 } }),
  reset: (f) => ({ type: 'reset_peer', attributes: { timeout: f.resetAfterMs } }),
  'slow-close': (f) => ({ type: 'slow_close', attributes: { delay: f.delayMs } }),
};

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
      if (step.fault.kind === 'flap') {
        const { periodMs, downMs } = step.fault;
        for (let downAt = step.atMs; downAt < untilMs; downAt += periodMs) {
          const upAt = Math.min(downAt + downMs, untilMs);
          this.#at(downAt, () => this.#apply(name, 'flap', target, { kind: 'partition' }, { periodMs, downMs }));
          this.#at(upAt, () => this.#heal(name));
        }
        return;
      }
      const fault = step.fault;
      this.#at(step.atMs, () => this.#apply(name, fault.kind, target, fault, { ...fault }));
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

  async #apply(name: string, kind: string, target: string, fault: FaultSpec, detail: Record<string, unknown>): Promise<void> {
    if (this.#active.has(name)) return;
    const groups = this.#targets(target);
    const t = this.#clock(); // the window opens when the request goes out: connections drop before the answer
    let heal: () => Promise<void>;
    if (fault.kind === 'partition' || fault.kind === 'flap') {
      await Promise.all(groups.map((g) => this.#proxy.setEnabled(g, false)));
      heal = async () => {
        await Promise.all(groups.map((g) => this.#proxy.setEnabled(g, true)));
      };
    } else {
      const proxies = groups.flatMap((g) => this.#proxy.proxiesOf(g));
      const { type, attributes } = (TOXIC_OF[fault.kind] as (f: ToxicFault) => { type: string; attributes: Record<string, number> })(fault);
      const streams: Stream[] = (fault.stream ?? 'both') === 'both' ? ['upstream', 'downstream'] : [fault.stream!];
      const toxics = await Promise.all(
        proxies.flatMap((p) =>
          streams.map((stream) =>
            p.addToxic({ name: `${name}-${stream}`, type: type as never, stream: stream as 'upstream' | 'downstream', toxicity: 1, attributes }),
          ),
        ),
      );
      heal = async () => {
        await Promise.all(toxics.map((t) => t.remove()));
      };
    }
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
