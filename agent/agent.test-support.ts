/**
 * Test helpers for the agent: a recorder of its observations that tests can
 * wait on (instead of sleeping), and the agent started against a hub. The
 * hand-driven hub the agent tests use is protocol/raw-hub.test-support.ts.
 */
import { EdgeAgent, type AgentOptions } from './agent.ts';
import type { AgentObservation } from './events.ts';
import { createRng } from '../common/rng.ts';

export type Observed = AgentObservation & { t: number };
type Of<T extends Observed['type']> = Extract<Observed, { type: T }>;

/** Every observation of one agent, stamped with performance.now(). */
export class Recorder {
  readonly events: Observed[] = [];
  readonly #waiters = new Set<() => void>();

  readonly observe = (observation: AgentObservation): void => {
    this.events.push({ ...observation, t: performance.now() } as Observed);
    for (const waiter of [...this.#waiters]) waiter();
  };

  all<T extends Observed['type']>(type: T): Of<T>[] {
    return this.events.filter((e): e is Of<T> => e.type === type);
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  /** The `n`th (1-based) observation of `type` matching `where`, now or once it happens. */
  nth<T extends Observed['type']>(type: T, n: number, where: (e: Of<T>) => boolean = () => true, timeoutMs = 10_000): Promise<Of<T>> {
    return this.until(() => this.all(type).filter(where)[n - 1], `${type} #${n}`, timeoutMs);
  }

  first<T extends Observed['type']>(type: T, where?: (e: Of<T>) => boolean, timeoutMs?: number): Promise<Of<T>> {
    return this.nth(type, 1, where, timeoutMs);
  }

  /**
   * Resolves with `probe()`'s first defined value, checked now and after each
   * observation. The timeout only turns a hang into a readable failure.
   */
  until<V>(probe: () => V | undefined, what: string, timeoutMs = 10_000): Promise<V> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; saw: ${this.types().join(', ')}`));
      }, timeoutMs);
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(value);
      };
      this.#waiters.add(check);
    });
  }
}

/** A started agent with its recorder; disposing stops it. */
export interface TestAgent extends AsyncDisposable {
  agent: EdgeAgent;
  rec: Recorder;
}

export function startAgent(options: Partial<AgentOptions> & { hubUrl: string }): TestAgent {
  const rec = new Recorder();
  const agent = new EdgeAgent({
    id: 'agent-1',
    rng: createRng('agent-test'),
    backoff: { minMs: 20, maxMs: 40 },
    pollIntervalMs: 25,
    observe: rec.observe,
    ...options,
  });
  agent.start();
  return { agent, rec, [Symbol.asyncDispose]: () => agent.stop() };
}
