import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { executeMatrix, type RunOutcome } from './execute.ts';
import { ACME_KEY_ENV, foreignExclusions, planMatrix, type MatrixOptions, type PlannedRun } from './plan.ts';
import { renderMatrixMarkdown } from './render.ts';

export interface RunMatrixOptions extends Omit<MatrixOptions, 'stateDir'> {
  /** Where the markdown goes. Default docs/detection-matrix.md (relative to the working directory). */
  outFile?: string;
  /** The command line shown in the report. */
  command?: string;
  /** Called once the plan is known. */
  onPlan?: (runs: readonly PlannedRun[]) => void;
  onOutcome?: (outcome: RunOutcome, done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Plans, runs and writes the detection matrix; resolves with the outcomes and the file written. */
export async function runMatrix(options: RunMatrixOptions = {}): Promise<{ outcomes: RunOutcome[]; outFile: string; markdown: string }> {
  const startedAt = new Date();
  const t0 = performance.now();
  const loadBefore = loadavg();
  // Under the working directory's git-ignored reports/, so the replay lines the doc prints name
  // it relative to the repo root rather than a temporary folder of this machine.
  await mkdir('reports', { recursive: true });
  const stateDir = await mkdtemp(join('reports', 'matrix-'));
  // The acme hub (started by --hub-cmd, so it inherits this process's environment) and its profile read their shared key there.
  process.env[ACME_KEY_ENV] ??= 'edge-chaos-matrix';
  try {
    const runs = planMatrix({ ...options, stateDir });
    options.onPlan?.(runs);
    const outcomes = await executeMatrix(runs, { jobs: options.jobs, onOutcome: options.onOutcome, signal: options.signal });
    const markdown = renderMatrixMarkdown({
      startedAt,
      elapsedMs: performance.now() - t0,
      machine: { cores: cpus().length, cpuModel: cpus()[0]?.model.trim() ?? 'unknown', node: process.version, loadBefore, loadAfter: loadavg() },
      command: options.command ?? 'npm run matrix',
      outcomes,
      foreignExclusions: foreignExclusions(),
    });
    const outFile = options.outFile ?? join('docs', 'detection-matrix.md');
    await mkdir(dirname(outFile), { recursive: true });
    await writeFile(outFile, `${markdown}\n`);
    return { outcomes, outFile, markdown };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}
