import type { CheckResult } from '../checks/types.ts';
import type { RunResult } from '../runner/result.ts';

/**
 * Vitest matchers over a RunResult. Each failure message names the failing
 * checks with their one-line summaries and ends with the replay command, so a
 * red test says what went wrong and how to see it again.
 */
export interface EdgeChaosMatchers<R = unknown> {
  /** Every check passed (skipped checks are fine) and the run was not interrupted. */
  toPassAllChecks(): R;
  /** The connection-loop check ran and passed. */
  toHaveNoConnectionLoops(): R;
  /** No agent reconnected more than `maxPerAgent` times (from the history, whatever the scenario's checks). */
  toHaveReconnectsAtMost(maxPerAgent: number): R;
  /** Commands were issued and every one was applied exactly once. */
  toHaveDeliveredAllCommands(): R;
}

declare module 'vitest' {
  // `any` and the parameter name must match vitest's own declaration for the interfaces to merge.
  interface Assertion<T = any> extends EdgeChaosMatchers<T> {}
  interface AsymmetricMatchersContaining extends EdgeChaosMatchers {}
}

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function asResult(received: unknown, matcher: string): RunResult {
  const r = received as Partial<RunResult> | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.checks) || !Array.isArray(r.events) || typeof r.verdict !== 'string') {
    throw new TypeError(`${matcher}() expects the RunResult that runScenario() resolves with, got ${r === null ? 'null' : typeof r}; write: expect(await runScenario(...)).${matcher}()`);
  }
  return r as RunResult;
}

const line = (c: CheckResult) => `  ${c.status === 'failed' ? 'FAIL' : c.status === 'skipped' ? 'SKIP' : 'PASS'} ${c.id}: ${c.summary}`;
const replay = (r: RunResult) => `replay: ${r.replay}`;

/**
 * A matcher about one check: pass when it ran and passed; say so when the
 * scenario does not run it. vitest shows the message only when the assertion
 * fails, so `pass` tells which way it failed (plain, or under `.not`).
 */
function checkMatcher(r: RunResult, id: string, what: string): MatcherResult {
  const check = r.checks.find((c) => c.id === id);
  if (!check) {
    return { pass: false, message: () => `expected the run to check ${what}, but scenario ${r.scenario.name} has no ${id} check (it ran: ${r.checks.map((c) => c.id).join(', ') || 'none'})` };
  }
  const pass = check.status === 'passed';
  return {
    pass,
    message: () => (pass ? `expected ${id} to fail, but it passed:\n${line(check)}\n${replay(r)}` : `expected ${what}, but ${id} ${check.status === 'skipped' ? 'was skipped' : 'failed'}:\n${line(check)}\n${replay(r)}`),
  };
}

export const edgeChaosMatchers = {
  toPassAllChecks(received: unknown): MatcherResult {
    const r = asResult(received, 'toPassAllChecks');
    const failed = r.checks.filter((c) => c.status === 'failed');
    const pass = r.verdict === 'passed';
    return {
      pass,
      message: () =>
        pass
          ? `expected a check to fail, but all ${r.checks.length} passed:\n${r.checks.map(line).join('\n')}\n${replay(r)}`
          : r.verdict === 'interrupted'
            ? `expected every check to pass, but the run was interrupted before it finished\n${replay(r)}`
            : r.verdict === 'invalid'
              ? `expected every check to pass, but this run cannot judge the hub:\n${(r.invalid?.reasons ?? []).map((x) => `  - ${x}`).join('\n')}\nfix: ${r.invalid?.fix ?? ''}\n${replay(r)}`
            : `expected every check to pass, but ${failed.length} of ${r.checks.length} failed:\n${failed.map(line).join('\n')}\n${replay(r)}`,
    };
  },

  toHaveNoConnectionLoops(received: unknown): MatcherResult {
    return checkMatcher(asResult(received, 'toHaveNoConnectionLoops'), 'connection-loop', 'no connection loops');
  },

  toHaveReconnectsAtMost(received: unknown, maxPerAgent: number): MatcherResult {
    const r = asResult(received, 'toHaveReconnectsAtMost');
    if (!Number.isInteger(maxPerAgent) || maxPerAgent < 0) throw new TypeError(`toHaveReconnectsAtMost(n) needs a whole number n >= 0, got ${maxPerAgent}`);
    const opens = new Map<string, number>();
    for (const e of r.events) if (e.type === 'ws.open') opens.set(e.agent, (opens.get(e.agent) ?? 0) + 1);
    // An agent's first connection is not a reconnect.
    const over = [...opens].map(([agent, n]) => ({ agent, reconnects: n - 1 })).filter((a) => a.reconnects > maxPerAgent).sort((a, b) => b.reconnects - a.reconnects);
    const worst = Math.max(0, ...[...opens.values()].map((n) => n - 1));
    const pass = over.length === 0;
    return {
      pass,
      message: () =>
        pass
          ? `expected some agent to reconnect more than ${maxPerAgent} time(s), but the most any agent reconnected was ${worst}\n${replay(r)}`
          : `expected at most ${maxPerAgent} reconnect(s) per agent, but ${over.length} agent(s) reconnected more: ${over.slice(0, 5).map((a) => `${a.agent} (${a.reconnects})`).join(', ')}${over.length > 5 ? ', ...' : ''}\n${relevant(r, ['connection-loop', 'reconnects'])}${replay(r)}`,
    };
  },

  toHaveDeliveredAllCommands(received: unknown): MatcherResult {
    const r = asResult(received, 'toHaveDeliveredAllCommands');
    if (r.stats.commandsIssued === 0) {
      return { pass: false, message: () => `expected commands to be delivered, but none were issued (scenario ${r.scenario.name} has no traffic, or the hub has no admin API)\n${relevant(r, ['command-delivery'])}${replay(r)}` };
    }
    return checkMatcher(r, 'command-delivery', 'every command applied exactly once');
  },
};

/** The named checks' lines, when the run has them: the context a reader wants next to a count. */
function relevant(r: RunResult, ids: readonly string[]): string {
  const lines = r.checks.filter((c) => ids.includes(c.id)).map(line);
  return lines.length ? `${lines.join('\n')}\n` : '';
}
