import type { BackoffOptions } from './backoff.ts';

/**
 * Named agent bugs a scenario can switch on to prove a check catches them.
 * Each changes how real agents behave, not what the harness records.
 */
export interface AgentDefect {
  name: string;
  description: string;
  /** Rewrites the agents' backoff settings. */
  backoff(options: BackoffOptions): BackoffOptions;
}

const noJitter: AgentDefect = {
  name: 'no-jitter',
  description: 'every agent waits exactly the backoff ceiling, so a fleet that dropped together retries together (a thundering herd)',
  backoff: (options) => ({ ...options, jitter: 'none' }),
};

const noBackoff: AgentDefect = {
  name: 'no-backoff',
  // 10 ms rather than 0: close enough to "at once" to storm a hub, without
  // spinning the harness's own event loop on refused connections.
  description: 'agents retry 10 ms after every failure, with no growth and no jitter (a reconnect storm)',
  backoff: (options) => ({ ...options, minMs: 10, maxMs: 10, jitter: 'none' }),
};

/** Every agent defect by name. A new defect is one object plus one entry here. */
export const AGENT_DEFECTS: ReadonlyMap<string, AgentDefect> = new Map([noJitter, noBackoff].map((d) => [d.name, d]));

/** Applies the named defects in order; throws a plain Error naming the unknown one (callers map it to their error type). */
export function applyAgentDefects(names: readonly string[], backoff: BackoffOptions = {}): BackoffOptions {
  let out = { ...backoff };
  for (const name of names) {
    const defect = AGENT_DEFECTS.get(name);
    if (!defect) throw new RangeError(`unknown agent defect ${JSON.stringify(name)}; known: ${[...AGENT_DEFECTS.keys()].join(', ')}`);
    out = defect.backoff(out);
  }
  return out;
}
