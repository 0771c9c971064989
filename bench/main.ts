import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { parseBenchArgs, USAGE, UsageError } from './args.ts';
import { startedChildren, stopAllChildren } from './children.ts';
import { curveSvg } from './curve.ts';
import { descriptorBudgetProblem, readDescriptorLimits } from './fd-budget.ts';
import { runsText } from './markdown.ts';
import { REPO_ROOT } from './paths.ts';
import { consoleReport, markdownReport } from './report.ts';
import { runBench } from './run-bench.ts';
import { benchSettings, runLimitMs } from './settings.ts';

/**
 * `npm run bench`: Fleet vs bare ws vs Artillery holding N idle connections
 * (with --curve, at several N), the Fleet on the custom JSON profile and on
 * Socket.IO next to v1, and what a Toxiproxy proxy adds to a round trip, in
 * one run; prints the tables and writes docs/benchmarks.md (and,
 * with --curve, its chart beside it). Exit 0 measured (Artillery may be
 * unavailable), 1 a measurement failed, 2 a bad flag or a machine that
 * cannot hold that many connections, 130 interrupted.
 */

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

function stopOnSignal(signal: NodeJS.Signals): void {
  log(`${signal}: stopping every process the bench started`);
  void stopAllChildren(2_000).finally(() => process.exit(130));
}

function shown(path: string): string {
  const fromRoot = relative(REPO_ROOT, path);
  return fromRoot.startsWith('..') ? path : fromRoot;
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
  const largest = Math.max(...args.sizes);
  const budget = descriptorBudgetProblem(largest, readDescriptorLimits());
  if (budget) {
    process.stderr.write(`error: ${budget.message}\nfix: ${budget.fix}\n`);
    return 2;
  }
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  const settings = benchSettings(args);
  const limitMs = runLimitMs(settings, { run: args.artillery, mayInstall: args.artilleryInstall });
  const watchdog = setTimeout(() => {
    log(`did not finish within ${Math.round(limitMs / 1000)} s (its plan's generous limit); stopping`);
    log('fix: the machine may be overloaded; run it again when idle, or with fewer connections or --runs');
    void stopAllChildren(2_000).finally(() => process.exit(1));
  }, limitMs);
  watchdog.unref();

  const sizes = settings.sizes.join(', ');
  log(`${settings.curve ? `curve over ${sizes}` : sizes} connections per client, ${runsText(settings.runsPerSide)} per side, protocols ${settings.protocols.join(', ')}${args.artillery ? '' : ', no Artillery'}`);
  try {
    const result = await runBench({ settings, artillery: args.artillery ? 'run' : 'skip', artilleryInstall: args.artilleryInstall, log });
    process.stdout.write(`\n${consoleReport(result)}\n`);
    mkdirSync(dirname(args.outPath), { recursive: true });
    let curveSvgHref: string | undefined;
    if (args.curveSvgPath) {
      const svgPath = args.curveSvgPath;
      writeFileSync(svgPath, curveSvg(result));
      curveSvgHref = relative(dirname(args.outPath), svgPath);
      log(`wrote ${shown(svgPath)}`);
    }
    writeFileSync(args.outPath, markdownReport(result, { curveSvgHref }));
    log(`wrote ${shown(args.outPath)}`);
    if (args.jsonPath) {
      mkdirSync(dirname(args.jsonPath), { recursive: true });
      writeFileSync(args.jsonPath, `${JSON.stringify({ ...result, children: startedChildren() }, null, 2)}\n`);
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
