/**
 * edge-chaos as a library: run a scenario from your own test suite and
 * assert on its result. `import { runScenario } from 'edge-chaos'`; the
 * vitest matchers come from `import 'edge-chaos/vitest'`. See docs/library.md.
 */
import { SCENARIOS } from '../scenarios/index.ts';
import { defineScenario, loadScenario, type ScenarioDefinition } from './scenario/index.ts';
import { HarnessError } from './errors.ts';
import { checkReportDir, writeReports } from './reporters/index.ts';
import { checkRunOptions } from './runner/check-options.ts';
import type { RunResult } from './runner/result.ts';
import { runScenario as runDefinition, type RunOptions } from './runner/run.ts';

export { defineScenario } from './scenario/index.ts';
export { defineProtocol, type HubMetricNames, type Match, type ProtocolProfile, type RequestTemplate, type Template } from '../protocol/define.ts';
export { PROTOCOLS } from '../protocol/registry.ts';
export { defineSocketIoProtocol, type SocketIoProfile, type SocketIoProfileInput } from '../protocol/socket-io.ts';
export { SCENARIOS };
export { HarnessError, type HarnessErrorCode } from './errors.ts';
export { EdgeChaosError, ERROR_CODES, type ErrorCode } from '../common/errors.ts';
export { defaultReportDir, renderConsoleSummary, renderHtmlReport, renderSummaryMarkdown, writeReports, type WriteReportsOptions } from './reporters/index.ts';
export type { RunOptions, RunProgress } from './runner/run.ts';
export type { RunResult, Verdict } from './runner/result.ts';
export type { CheckResult } from './checks/types.ts';
export type { ChecksConfig } from './checks/index.ts';
export type { HistoryEvent } from './history/events.ts';
export type { LaunchedShards, LaunchHooks, ShardEnv, ShardLauncher } from './runtime/fleet/launchers/launcher.ts';
export type { FleetRunnerChoice, FleetRunnerName } from './runtime/fleet/runners.ts';
export type { FleetRunnerSettings } from './runtime/fleet/runner-settings.ts';
export type { FaultSpec, FaultStep, GroupSpec, RedeployStep, ScenarioDefinition, ScenarioParams } from './scenario/index.ts';

export interface LibraryRunOptions extends RunOptions {
  /** Also write the report folder (report.html, summary.json, ...) here. Default: no files. */
  reportDir?: string;
}

/**
 * Runs a scenario and resolves with its result; never throws for a failed
 * check (assert on `result.verdict` or with the matchers), only for a
 * harness error (bad option, hub that does not answer), as a HarnessError.
 * Options are checked first, as the CLI's flags are: an unknown name or a
 * bad value is EC_BAD_OPTION naming it, before anything starts.
 *
 * @param scenario a built-in scenario's name ("loop"), a path to a scenario
 *   file ("./chaos/my-scenario.ts", relative to the working directory), or a
 *   definition object (checked with defineScenario first).
 */
export async function runScenario(scenario: string | ScenarioDefinition, options: LibraryRunOptions = {}): Promise<RunResult> {
  // Before the scenario loads and anything starts; the report folder too, so a bad one does not cost the run's result.
  checkRunOptions(options, { reportDir: checkReportDirOption });
  let definition: ScenarioDefinition;
  if (typeof scenario === 'string') definition = await loadScenario(scenario, SCENARIOS);
  else if (typeof scenario === 'object' && scenario !== null) definition = defineScenario(scenario);
  else throw new HarnessError('EC_BAD_SCENARIO', `runScenario needs a scenario name, a file path or a definition, got ${JSON.stringify(scenario)}`, "pass e.g. runScenario('loop') or runScenario(defineScenario({...}))");
  const { reportDir, ...runOptions } = options;
  const result = await runDefinition(definition, { scenarioSource: typeof scenario === 'string' ? scenario : undefined, ...runOptions });
  if (reportDir !== undefined) await writeReports(result, reportDir);
  return result;
}

function checkReportDirOption(dir: unknown, at: string): void {
  if (typeof dir !== 'string') throw new HarnessError('EC_BAD_OPTION', `option ${at} = ${JSON.stringify(dir)}: must be a string`, "pass a folder, e.g. reportDir: 'reports/my-run'");
  checkReportDir(dir, at);
}
