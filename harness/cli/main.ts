import { AGENT_DEFECTS } from '../../agent/defects.ts';
import { HUB_DEFECTS } from '../../server/defects/index.ts';
import { SCENARIOS } from '../../scenarios/index.ts';
import { EdgeChaosError, EXIT, formatError } from '../../common/errors.ts';
import { checkReportDir, defaultReportDir, renderConsoleSummary, writeReports } from '../reporters/index.ts';
import { runScenario } from '../runner/run.ts';
import { USAGE, parseCliArgs } from './args.ts';
import { describeScenario, summarizeScenario } from './describe-scenario.ts';
import { loadScenario } from '../scenario/load.ts';
import { handleInterrupts } from './interrupt.ts';
import { progressPrinter } from './progress.ts';

async function main(argv: string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.command === 'help' || (args.help && args.command !== 'run')) {
    process.stdout.write(`${USAGE}\n`);
    return args.command === 'help' && !args.help ? EXIT.harness : EXIT.passed;
  }
  if (args.command === 'list') {
    for (const s of SCENARIOS.values()) process.stdout.write(`${summarizeScenario(s)}\n`);
    process.stdout.write('\nnpm run scenario <name> -- --help describes one: its timeline, groups and checks with their options\n');
    process.stdout.write(`\nhub defects (--defect): ${[...HUB_DEFECTS.values()].map((d) => `\n  ${d.name.padEnd(22)} ${d.description}`).join('')}\n`);
    process.stdout.write(`\nagent defects (--agent-defect): ${[...AGENT_DEFECTS.values()].map((d) => `\n  ${d.name.padEnd(22)} ${d.description}`).join('')}\n`);
    return EXIT.passed;
  }
  const scenario = await loadScenario(args.scenario!, SCENARIOS);
  if (args.help) {
    process.stdout.write(`${describeScenario(scenario, { agents: args.agents, durationMs: args.durationMs })}\n${USAGE}\n`);
    return EXIT.passed;
  }

  // Checked now: a report folder that cannot be written would otherwise fail only after the run, losing its verdict.
  checkReportDir(args.reportDir ?? 'reports', args.reportDir === undefined ? 'the default report folder' : '--report-dir');

  const abort = new AbortController();
  // Under npm, npm dying (SIGKILL, a crashed CI runner) would orphan the run with its ports open: watch for it.
  const interrupts = handleInterrupts({ abort, out: process.stderr, forcedExitCode: EXIT.harness, parentPollMs: process.env.npm_lifecycle_event ? 500 : undefined });

  try {
    return await runAndReport(scenario, args, abort.signal);
  } finally {
    interrupts.dispose();
  }
}

async function runAndReport(scenario: Awaited<ReturnType<typeof loadScenario>>, args: ReturnType<typeof parseCliArgs>, signal: AbortSignal): Promise<number> {
  const progress = progressPrinter(process.stderr);
  const result = await runScenario(scenario, {
    agents: args.agents,
    durationMs: args.durationMs,
    seed: args.seed,
    hubDefects: args.defects,
    hub: args.hub,
    agentDefects: args.agentDefects,
    fleetShards: args.fleetShards,
    agentIdPrefix: args.agentIdPrefix,
    token: args.token,
    adminToken: args.adminToken,
    loopMinCycles: args.loopMinCycles,
    loopMaxConnectionMs: args.loopMaxConnectionMs,
    toxiproxy: args.toxiproxy,
    signal,
    // A file scenario replays by its path; a built-in's name is its path.
    scenarioSource: args.scenario,
    onProgress: (p) => progress.update(p),
  });
  progress.done();
  const dir = args.reportDir ?? defaultReportDir(result);
  await writeReports(result, dir, { stepSummaryFile: process.env.GITHUB_STEP_SUMMARY || undefined });
  process.stdout.write(renderConsoleSummary(result, dir));
  return { passed: EXIT.passed, failed: EXIT.failed, invalid: EXIT.harness, interrupted: EXIT.harness }[result.verdict];
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof EdgeChaosError) {
      process.stderr.write(formatError(error));
    } else {
      process.stderr.write(`error: unexpected failure in the harness: ${(error as Error)?.stack ?? String(error)}\nfix: this is a bug in edge-chaos; please report it with the command you ran\n`);
    }
    process.exitCode = EXIT.harness;
  },
);
