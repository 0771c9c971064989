import type { RunOptions } from './run.ts';

/** The command line that replays a run: same scenario, size, duration, seed and switches. */
export function replayCommand(
  scenario: string,
  params: { agents: number; durationMs: number; seed: string; agentIdPrefix: string; hubDefects: string[] },
  options: RunOptions,
): string {
  const args = [`--agents ${params.agents}`, `--duration ${formatDuration(params.durationMs)}`, `--seed ${params.seed}`];
  for (const d of params.hubDefects) args.push(`--defect ${d}`);
  if (options.hubUrl) args.push(`--hub-url ${options.hubUrl}`);
  if (params.agentIdPrefix !== 'agent-') args.push(`--agent-id-prefix ${params.agentIdPrefix}`);
  if (options.loopMinCycles !== undefined) args.push(`--loop-cycles ${options.loopMinCycles}`);
  if (options.loopMaxConnectionMs !== undefined) args.push(`--loop-max-connection ${formatDuration(options.loopMaxConnectionMs)}`);
  const name = /^[a-z0-9-]+$/.test(scenario) ? scenario : JSON.stringify(scenario);
  return `npm run scenario ${name} -- ${args.join(' ')}`;
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}
