import { SCENARIOS } from '../../scenarios/index.ts';
import type { RunResult } from '../runner/result.ts';
import { runScenario } from '../runner/run.ts';

/**
 * A real, short run of the loop scenario (real hub, real sockets) for
 * reporter tests that need what a run really produces. With the incident's
 * defect the fleet loops and never settles, so settling is capped at 1 s.
 */
export function shortLoopRun(options: { defect?: boolean; seed?: string; agents?: number; durationMs?: number } = {}): Promise<RunResult> {
  const loop = SCENARIOS.get('loop')!;
  return runScenario(
    { ...loop, settleMs: 1_000 },
    { agents: options.agents ?? 3, durationMs: options.durationMs ?? 4_000, seed: options.seed ?? '42', hubDefects: options.defect ? ['duplicate-ws-handler'] : [] },
  );
}
