import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parseBenchArgs, USAGE, UsageError } from './args.ts';
import { startedChildPids, stopAllChildren } from './children.ts';
import { REPO_ROOT } from './paths.ts';
import { consoleReport, markdownReport } from './report.ts';
import { runBench } from './run-bench.ts';
import { benchSettings } from './settings.ts';

/**
 * `npm run bench`: Fleet vs bare ws vs Artillery holding N idle connections,
 * and what a Toxiproxy proxy adds to a round trip, in one run; prints the
 * tables and writes docs/benchmarks.md. Exit 0 measured (Artillery may be
 * unavailable), 1 a measurement failed, 2 a bad flag, 130 interrupted.
 */

/** The whole run, Artillery's one-time install included, stays under 5 minutes. */
const RUN_LIMIT_MS = 290_000;

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

function stopOnSignal(signal: NodeJS.Signals): void {
  log(`${signal}: stopping every process the bench started`);
  void stopAllChildren(2_000).finally(() => process.exit(130));
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`error: ${error.message}\nfix: ${error.fix}\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (process.platform !== 'linux') {
    process.stderr.write(`error: the bench reads CPU and memory from /proc, which ${process.platform} does not have\nfix: run it on Linux (a container will do)\n`);
    return 2;
  }
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const watchdog = setTimeout(() => {
    log(`did not finish within ${RUN_LIMIT_MS / 1000} s; stopping`);
    log('fix: the machine may be overloaded; run it again when idle, or with fewer --agents');
    void stopAllChildren(2_000).finally(() => process.exit(1));
  }, RUN_LIMIT_MS);
  watchdog.unref();

  const settings = benchSettings(args);
  log(`${settings.agents} connections per client, ${settings.runsPerSide} run(s) per side${args.artillery ? '' : ', no Artillery'}`);
  try {
    const result = await runBench({ settings, artillery: args.artillery ? 'run' : 'skip', artilleryInstall: args.artilleryInstall, log });
    process.stdout.write(`\n${consoleReport(result)}\n`);
    mkdirSync(dirname(args.outPath), { recursive: true });
    writeFileSync(args.outPath, markdownReport(result));
    log(`wrote ${relative(REPO_ROOT, args.outPath).startsWith('..') ? args.outPath : relative(REPO_ROOT, args.outPath)}`);
    if (args.jsonPath) {
      mkdirSync(dirname(args.jsonPath), { recursive: true });
      writeFileSync(args.jsonPath, `${JSON.stringify({ ...result, childPids: startedChildPids() }, null, 2)}\n`);
    }
    return 0;
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    log('fix: see the cause above; nothing was written. --quick runs a small version to check the setup');
    return 1;
  } finally {
    clearTimeout(watchdog);
    await stopAllChildren();
  }
}

process.exitCode = await main();
