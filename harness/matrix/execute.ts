import { Deadline } from '../../common/deadline.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { runScenario } from '../index.ts';
import type { RunResult } from '../runner/result.ts';
import { normalizeCheckId } from './catalog.ts';
import type { PlannedRun } from './plan.ts';

/**
 * What one matrix run showed. "could-not-judge" is its own outcome: a run
 * that ended in a harness error, or whose verdict is neither passed nor
 * failed, says nothing about the hub and is never counted as caught or clean.
 */
export interface RunOutcome {
  run: PlannedRun;
  status: 'passed' | 'failed' | 'could-not-judge';
  /** Ids of the checks that failed. */
  failed: string[];
  /** Checks that were skipped, with the reason. */
  skipped: { id: string; reason: string }[];
  /** Every check id the run evaluated (to tell "did not fire" from "does not exist"). */
  evaluated: string[];
  /** One line per failed check: id and summary. */
  summaries: string[];
  /** Why it could not judge. */
  error?: string;
  replay?: string;
  elapsedMs: number;
}

export interface ExecuteOptions {
  /** Runs at once. Default 1. */
  jobs?: number;
  /** Called after each run, in completion order. */
  onOutcome?: (outcome: RunOutcome, done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Slack on top of a run's own length before the matrix gives up on it: setup, settle and teardown. */
const RUN_SLACK_MS = 120_000;

/** Runs the plan, `jobs` at a time; outcomes come back in plan order. */
export async function executeMatrix(runs: readonly PlannedRun[], options: ExecuteOptions = {}): Promise<RunOutcome[]> {
  const outcomes: RunOutcome[] = new Array(runs.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < runs.length && !options.signal?.aborted) {
      const index = next++;
      const outcome = await executeOne(runs[index]!, options.signal);
      outcomes[index] = outcome;
      options.onOutcome?.(outcome, ++done, runs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs ?? 1) }, worker));
  return outcomes.filter((o) => o !== undefined);
}

export async function executeOne(run: PlannedRun, signal?: AbortSignal): Promise<RunOutcome> {
  const started = performance.now();
  const timeoutMs = (run.options.durationMs ?? 30_000) + RUN_SLACK_MS;
  // Ends the run at its time limit or when the matrix is stopped (common/deadline.ts says why not AbortSignal.any).
  const deadline = new Deadline(timeoutMs, signal);
  try {
    const result = await runScenario(SCENARIOS.get(run.scenario)!, { ...run.options, signal: deadline.signal });
    return outcomeOf(run, result, performance.now() - started);
  } catch (error) {
    return { run, status: 'could-not-judge', failed: [], skipped: [], evaluated: [], summaries: [], error: oneLine(error), elapsedMs: Math.round(performance.now() - started) };
  } finally {
    deadline.clear();
  }
}

export function outcomeOf(run: PlannedRun, result: RunResult, elapsedMs: number): RunOutcome {
  const failedChecks = result.checks.filter((c) => c.status === 'failed');
  const base = {
    run,
    failed: failedChecks.map((c) => c.id),
    skipped: result.checks.flatMap((c) => (c.status === 'skipped' ? [{ id: c.id, reason: c.reason }] : [])),
    evaluated: result.checks.map((c) => normalizeCheckId(c.id)),
    summaries: failedChecks.map((c) => `${c.id}: ${c.summary}`),
    replay: result.replay,
    elapsedMs: Math.round(elapsedMs),
  };
  // Only these two verdicts judge the hub; anything else ('interrupted', or a verdict added later) cannot.
  if (result.verdict === 'passed' || result.verdict === 'failed') return { ...base, status: result.verdict };
  // Say what made the run unable to judge (an overloaded harness, a fault that did not apply), so a
  // reader of the matrix can tell a busy machine from a harness bug without replaying the run.
  const why = base.summaries.length > 0 ? `: ${base.summaries.join('; ')}` : '';
  return { ...base, status: 'could-not-judge', error: `verdict ${JSON.stringify(result.verdict)}${why}` };
}

function oneLine(error: unknown): string {
  const e = error as { code?: string; message?: string };
  const text = `${e.code ? `${e.code}: ` : ''}${e.message ?? String(error)}`;
  // Lines joined, not cut: a hub that would not start says why after its first line (its last output).
  return text.split('\n').map((l) => l.trim()).filter(Boolean).join(' | ').slice(0, 600);
}
