/**
 * The scenario command: parse, load, run, report, and turn every failure
 * into two lines (cause, fix) and exit 2. Kept apart from main.ts so tests
 * can drive it in-process with their own streams.
 */
import { AGENT_DEFECTS } from '../../agent/defects.ts';
import { HUB_DEFECTS } from '../../server/defects/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { EdgeChaosError, EXIT } from '../../common/errors.ts';
import { commandLine } from '../../common/layout.ts';
import { checkReportDir, defaultReportDir, renderConsoleSummary, writeReports } from '../reporters/index.ts';
import { runScenario, type RunOptions } from '../runner/run.ts';
import { USAGE, parseCliArgs } from './args.ts';
import { describeScenario, summarizeScenario } from './describe-scenario.ts';
import { renderDryRun } from './dry-run.ts';
import { loadScenario } from '../scenario/load.ts';
import { handleInterrupts } from './interrupt.ts';
import { progressPrinter, type ProgressStream } from './progress.ts';

/** Where the CLI writes: process.stdout / process.stderr, or a test's buffers. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
}

/** Runs the command line; resolves with the exit code, never rejects. */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    return await main(argv, io);
  } catch (error) {
    // Read from argv itself: the failure may be in parsing it.
    io.stderr.write(describeFailure(error, argv.includes('--debug')));
    return EXIT.harness;
  }
}

/** One line of cause, one of fix; the stack (and the cause's) only with --debug. */
export function describeFailure(error: unknown, debug: boolean): string {
  const stack = debug ? `${stackOf(error)}\n` : '';
  if (error instanceof EdgeChaosError) return `error: ${oneLine(error.message)}\nfix: ${oneLine(error.fix)}\n${stack}`;
  const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return `error: unexpected failure in the harness: ${oneLine(what)}\nfix: ${debug ? 'this is a bug in edge-chaos; please report it with the command you ran and the stack below' : 'run again with --debug for the stack trace, and report it (a bug in edge-chaos) with the command you ran'}\n${stack}`;
}

function stackOf(error: unknown): string {
  let text = (error as Error)?.stack ?? String(error);
  const cause = (error as Error)?.cause;
  if (cause !== undefined) text += `\ncaused by: ${(cause as Error)?.stack ?? String(cause)}`;
  return text;
}

/** A message on one line: newlines folded, other control characters escaped (a value must not redraw the terminal). */
export function oneLine(text: string): string {
  return text
    .trim()
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

async function main(argv: string[], io: CliIo): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.command === 'help' || (args.help && args.command !== 'run')) {
    io.stdout.write(`${USAGE}\n`);
    return args.command === 'help' && !args.help ? EXIT.harness : EXIT.passed;
  }
  if (args.command === 'list') {
    for (const s of SCENARIOS.values()) io.stdout.write(`${summarizeScenario(s)}\n`);
    io.stdout.write(`\n${commandLine('scenario', '<name>', '--help')} describes one: its timeline, groups and checks with their options\n`);
    io.stdout.write(`\nhub defects (--defect): ${[...HUB_DEFECTS.values()].map((d) => `\n  ${d.name.padEnd(22)} ${d.description}`).join('')}\n`);
    io.stdout.write(`\nagent defects (--agent-defect): ${[...AGENT_DEFECTS.values()].map((d) => `\n  ${d.name.padEnd(22)} ${d.description}`).join('')}\n`);
    return EXIT.passed;
  }
  const scenario = await loadScenario(args.scenario!, SCENARIOS);
  if (args.help) {
    io.stdout.write(`${describeScenario(scenario, { agents: args.agents, durationMs: args.durationMs })}\n${USAGE}\n`);
    return EXIT.passed;
  }

  if (args.dryRun) {
    // Nothing runs, so no report folder is checked or made.
    io.stdout.write(await renderDryRun(scenario, runOptionsOf(args)));
    return EXIT.passed;
  }

  // Checked now: a report folder that cannot be written would otherwise fail only after the run, losing its verdict.
  checkReportDir(args.reportDir ?? 'reports', args.reportDir === undefined ? 'the default report folder' : '--report-dir');

  const abort = new AbortController();
  // Under npm, npm dying (SIGKILL, a crashed CI runner) would orphan the run with its ports open: watch for it.
  const interrupts = handleInterrupts({ abort, out: io.stderr, forcedExitCode: EXIT.harness, parentPollMs: process.env.npm_lifecycle_event ? 500 : undefined });

  try {
    return await runAndReport(scenario, args, abort.signal, io);
  } finally {
    interrupts.dispose();
  }
}

async function runAndReport(scenario: Awaited<ReturnType<typeof loadScenario>>, args: ReturnType<typeof parseCliArgs>, signal: AbortSignal, io: CliIo): Promise<number> {
  const progress = progressPrinter(io.stderr);
  const result = await runScenario(scenario, {
    ...runOptionsOf(args),
    // Printed when it listens, before the first progress line: a user points Prometheus (or curl) at it while the run goes.
    onEndpoint: ({ name, url }) => {
      progress.done(); // a live line on a terminal would swallow it
      io.stderr.write(name === 'metrics' ? `metrics: ${url} (Prometheus, live while the run goes)\n` : `collector: ${url} (network shards stream their events here)\n`);
    },
    signal,
    // A file scenario replays by its path; a built-in's name is its path.
    scenarioSource: args.scenario,
    onProgress: (p) => progress.update(p),
  });
  progress.done();
  const dir = args.reportDir ?? defaultReportDir(result);
  await writeReports(result, dir, { stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined });
  io.stdout.write(renderConsoleSummary(result, dir));
  return { passed: EXIT.passed, failed: EXIT.failed, invalid: EXIT.harness, interrupted: EXIT.harness }[result.verdict];
}

/** The run options the command line chose (the run's own signal and progress are added by the caller). */
function runOptionsOf(args: ReturnType<typeof parseCliArgs>): RunOptions {
  return {
    agents: args.agents,
    durationMs: args.durationMs,
    seed: args.seed,
    hubDefects: args.defects,
    hub: args.hub,
    hubPingIntervalMs: args.hubPingIntervalMs,
    agentDefects: args.agentDefects,
    fleetShards: args.fleetShards,
    fleetRunner: args.fleetRunner,
    metricsPort: args.metricsPort,
    agentIdPrefix: args.agentIdPrefix,
    protocol: args.protocol,
    healthPath: args.healthPath,
    token: args.token,
    adminToken: args.adminToken,
    loopMinCycles: args.loopMinCycles,
    loopMaxConnectionMs: args.loopMaxConnectionMs,
    toxiproxy: args.toxiproxy,
  };
}
