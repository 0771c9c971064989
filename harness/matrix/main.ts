import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { isAbsolute, relative } from 'node:path';
import { EXIT } from '../../common/errors.ts';
import { plannedMs, planMatrix } from './plan.ts';
import { runMatrix } from './run-matrix.ts';

const USAGE = `npm run matrix -- [options]

Runs every catalogued defect (harness/matrix/catalog.ts) with the scenario
meant to catch it, and every built-in scenario clean over N seeds on the
reference hub and the foreign hub fixture; writes docs/detection-matrix.md.

Clean runs use each scenario's defaults (agents, duration, hub runtime), as
\`npm run scenario NAME\` does; only --quick shrinks them. No mode runs a defect
shorter than its catalogue entry's minDurationMs.

  --seeds N       clean seeds per scenario and hub (default 1, 3 for loop: about 29 min on 2 cores; capped for storm, soak, steady)
  --sweep         the false-alarm sweep: 20 seeds per scenario and hub (no caps), 50 for loop (about 6 h on 2 cores;
                  add --only "clean .* reference" for the reference hub alone, about 3.3 h)
  --quick         a short version (about 11 min): 1 seed (2 for loop), shorter clean runs of the fast scenarios,
                  slow scenarios left out of the clean runs, each defect at its catalogued minimum
  --only PATTERN  only runs whose label matches, e.g. "defect", "clean loop", "replace-loop" (regular expression)
  --jobs N        runs at once (default 1: runs are timing-sensitive on 2 cores)
  --out FILE      where the markdown goes (default docs/detection-matrix.md)
  --list          print the planned runs and exit`;

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seeds: { type: 'string' },
        quick: { type: 'boolean' },
        sweep: { type: 'boolean' },
        only: { type: 'string' },
        jobs: { type: 'string' },
        out: { type: 'string' },
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\nfix: see npm run matrix -- --help\n`);
    return EXIT.harness;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.passed;
  }
  const seeds = wholeNumber('--seeds', values.seeds, 1);
  const jobs = wholeNumber('--jobs', values.jobs, 1);
  if (seeds === null || jobs === null) return EXIT.harness;

  if (values.list) {
    const runs = planMatrix({ seeds, quick: values.quick, sweep: values.sweep, only: values.only, stateDir: tmpdir() });
    for (const r of runs) process.stdout.write(`${r.label}  (${r.options.agents} agents, ${(r.options.durationMs ?? 0) / 1_000} s)\n`);
    process.stdout.write(`${runs.length} runs, about ${Math.ceil(plannedMs(runs, jobs) / 60_000)} min\n`);
    return EXIT.passed;
  }
  const abort = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\nSIGINT: stopping after the runs under way; the report covers what finished\n');
    abort.abort();
  });
  const t0 = performance.now();
  const { outFile, outcomes } = await runMatrix({
    seeds,
    jobs,
    quick: values.quick,
    sweep: values.sweep,
    only: values.only,
    outFile: values.out,
    command: commandShown(argv),
    signal: abort.signal,
    onPlan: (runs) => {
      process.stderr.write(`matrix: ${runs.length} runs planned (${runs.filter((r) => r.kind === 'defect').length} defects), about ${Math.ceil(plannedMs(runs, jobs) / 60_000)} min\n`);
    },
    onOutcome: (o, done, total) => {
      const detail = o.status === 'failed' ? ` (${o.failed.join(', ')})` : o.status === 'could-not-judge' ? ` (${o.error})` : '';
      const elapsed = ((performance.now() - t0) / 60_000).toFixed(1);
      process.stderr.write(`[${done}/${total} ${elapsed} min] ${o.run.label}: ${o.status}${detail} in ${(o.elapsedMs / 1_000).toFixed(1)} s\n`);
    },
  });
  process.stderr.write(`matrix: ${outcomes.length} runs in ${((performance.now() - t0) / 60_000).toFixed(1)} min; wrote ${outFile}\n`);
  return abort.signal.aborted ? EXIT.harness : EXIT.passed;
}

/**
 * The command line as the doc prints it: words quoted as a shell needs them, and a path under the
 * working directory (--out) relative to it, so the committed doc names no path of this machine.
 */
function commandShown(argv: readonly string[]): string {
  const words = argv.map((word) => {
    const rel = isAbsolute(word) ? relative(process.cwd(), word) : word;
    const shown = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : word;
    return /^[A-Za-z0-9_./:=@-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`;
  });
  return ['npm run matrix', ...(words.length > 0 ? ['--', ...words] : [])].join(' ');
}

function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined | null {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (Number.isInteger(n) && n >= min) return n;
  process.stderr.write(`error: ${flag} must be a whole number >= ${min}, got ${JSON.stringify(text)}\nfix: e.g. ${flag} 3\n`);
  return null;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\nfix: this is a bug in the matrix runner; please report it with the command you ran\n`);
    process.exitCode = EXIT.harness;
  },
);
