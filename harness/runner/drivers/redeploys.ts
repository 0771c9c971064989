import type { RedeployStep } from '../../scenario/steps.ts';
import type { History } from '../../history/history.ts';
import type { HubRuntime } from '../../runtime/hubs/index.ts';
import type { FaultProxy } from '../../runtime/proxy.ts';
import { waitMs } from '../wait.ts';

/** Told about each hub incarnation's end and start (the hub metrics tracker reads its counters then). */
export interface RedeployObserver {
  stopping?(hubUrl: string): Promise<void>;
  started?(hubUrl: string): Promise<void>;
  /**
   * Resolves when the fleet is back from the previous redeploy (or a bound
   * passed), so a big fleet on a small machine is not hit again while it is
   * still reconnecting: the timeline stretches rather than overlapping
   * disruptions the scenario meant to keep apart.
   */
  recovered?(): Promise<void>;
}

/**
 * Plays a scenario's redeploys against the hub runtime, each recorded as a
 * begin/end pair in the history. A rolling deploy starts a sibling hub,
 * switches the proxies' upstream to it and drains the old one; from then on
 * `current` is the sibling, and the old one is disposed with the run.
 */
export class RedeployDriver {
  #current: HubRuntime;
  readonly #proxy: FaultProxy | undefined;
  readonly #history: History;
  readonly #clock: () => number;
  readonly #signal: AbortSignal;
  readonly #observer: RedeployObserver;
  readonly #retired: HubRuntime[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  #running: Promise<void> = Promise.resolve();
  #stopped = false;
  #done = 0;

  /** `signal` aborts the run: a redeploy under way stops waiting and does not start the hub again. */
  constructor(opts: { hub: HubRuntime; proxy?: FaultProxy; history: History; clock: () => number; signal: AbortSignal; observer?: RedeployObserver }) {
    this.#current = opts.hub;
    this.#observer = opts.observer ?? {};
    this.#signal = opts.signal;
    this.#proxy = opts.proxy;
    this.#history = opts.history;
    this.#clock = opts.clock;
  }

  /** The hub serving now (changes after a rolling deploy). */
  get current(): HubRuntime {
    return this.#current;
  }

  schedule(steps: readonly RedeployStep[]): void {
    steps.forEach((step, index) => {
      const name = step.name ?? `${step.kind}-${index + 1}`;
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        // One at a time: a redeploy that is still under way delays the next.
        this.#running = this.#running.then(() => (this.#stopped ? undefined : this.#redeploy(name, step)));
      }, step.atMs);
      this.#timers.add(timer);
    });
  }

  /** Cancels what has not started and waits for one under way. The hubs themselves are the run's to dispose. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    await this.#running;
  }

  /** Every hub retired by a rolling deploy; the run disposes them. */
  get retired(): readonly HubRuntime[] {
    return this.#retired;
  }

  async #redeploy(name: string, step: RedeployStep): Promise<void> {
    const downMs = step.downMs ?? (step.kind === 'slow-start' ? 5_000 : 0);
    const scheduledAt = this.#clock();
    if (this.#done > 0) await this.#observer.recovered?.();
    if (this.#stopped || this.#signal.aborted) return;
    const waitedMs = Math.round(this.#clock() - scheduledAt);
    // Before the window opens, so the observer's read does not lengthen the disruption.
    await this.#observer.stopping?.(this.#current.url);
    this.#history.append({ t: this.#clock(), type: 'hub.redeploy', name, kind: step.kind, phase: 'begin', detail: { downMs, hub: this.#current.kind, ...(waitedMs >= 100 ? { waitedForFleetMs: waitedMs } : {}) } });
    try {
      if (step.kind === 'rolling') await this.#rolling();
      else {
        await this.#current.stop(step.kind === 'crash' ? 'crash' : 'graceful');
        await waitMs(downMs, this.#signal);
        if (this.#signal.aborted) return;
        await this.#current.start();
      }
      await this.#observer.started?.(this.#current.url);
      this.#history.append({ t: this.#clock(), type: 'hub.redeploy', name, kind: step.kind, phase: 'end', detail: { url: this.#current.url } });
      this.#done++;
    } catch (error) {
      this.#history.append({ t: this.#clock(), type: 'hub.redeploy.failed', name, error: (error as Error).message });
    }
  }

  async #rolling(): Promise<void> {
    if (!this.#proxy) throw new Error('a rolling deploy needs the agents behind the proxy (scenario proxy: true)');
    const old = this.#current;
    const next = await old.sibling();
    this.#retired.push(old);
    await this.#proxy.setUpstream(`127.0.0.1:${next.port}`);
    this.#current = next;
    await old.stop('graceful');
  }
}
