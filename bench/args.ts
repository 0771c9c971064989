import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

/** `npm run bench -- [options]`: flags are checked here once, and nowhere else. */

export const USAGE = `usage: npm run bench -- [--quick] [--agents N] [--runs N] [--no-artillery] [--no-artillery-install] [--out FILE] [--json FILE]

  --quick                 a small run (2000 agents: fewer cannot measure memory per connection; short windows, one run per side): about a minute
  --agents N              connections each client holds (default 5000, quick 2000; at most 19000)
  --runs N                Fleet and bare-ws runs per side, in the order ABBA..., medians reported (default 3, quick 1)
  --no-artillery          skip the Artillery row (marked skipped)
  --no-artillery-install  use Artillery only if it is already installed (node_modules/.cache/edge-chaos-bench/); never install
  --out FILE              markdown report (default docs/benchmarks.md)
  --json FILE             also write the raw results as JSON (with the pid of every process started)`;

/**
 * A process may hold at most 20,000 open files here (hard limit). The hub
 * and each client hold one descriptor per connection plus a few dozen of
 * their own, so 19,000 leaves them room.
 */
export const MAX_AGENTS = 19_000;
const MAX_RUNS = 5;

export interface BenchArgs {
  quick: boolean;
  agents: number;
  runsPerSide: number;
  artillery: boolean;
  artilleryInstall: boolean;
  outPath: string;
  jsonPath: string | undefined;
}

export class UsageError extends Error {
  readonly fix: string;
  constructor(message: string, fix: string) {
    super(message);
    this.fix = fix;
  }
}

function positiveInt(flag: string, text: string | undefined, fallback: number, max: number, why = ''): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > max) {
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not a whole number from 1 to ${max}${why}`, `pass e.g. ${flag} ${fallback}`);
  }
  return value;
}

export function parseBenchArgs(argv: readonly string[]): BenchArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        quick: { type: 'boolean' },
        agents: { type: 'string' },
        runs: { type: 'string' },
        'no-artillery': { type: 'boolean' },
        'no-artillery-install': { type: 'boolean' },
        out: { type: 'string' },
        json: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0]!, USAGE.split('\n')[0]!);
  }
  if (values.help) return 'help';
  const quick = values.quick ?? false;
  const agents = positiveInt('--agents', values.agents, quick ? 2_000 : 5_000, MAX_AGENTS, ' (a process may hold at most 20,000 open files)');
  for (const flag of ['out', 'json'] as const) {
    if (values[flag] === '') throw new UsageError(`--${flag} is empty`, `pass a file path, e.g. --${flag} /tmp/bench.${flag === 'out' ? 'md' : 'json'}`);
  }
  return {
    quick,
    agents,
    runsPerSide: positiveInt('--runs', values.runs, quick ? 1 : 3, MAX_RUNS),
    artillery: !(values['no-artillery'] ?? false),
    artilleryInstall: !(values['no-artillery-install'] ?? false),
    outPath: values.out ?? fileURLToPath(new URL('../docs/benchmarks.md', import.meta.url)),
    jsonPath: values.json,
  };
}
