import { formatMs } from '../checks/stats.ts';
import type { RunResult } from '../runner/result.ts';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

/** The concise end-of-run summary a person reads in a terminal or CI log. */
export function renderConsoleSummary(result: RunResult, reportDir?: string): string {
  const { params, stats } = result;
  const lines = [
    '',
    `scenario ${result.scenario.name}: ${params.agents} agents, ${formatMs(params.durationMs)}, seed ${params.seed}` +
      `${params.hubDefects.length ? `, hub defects: ${params.hubDefects.join(', ')}` : ''} (hub: ${result.hub.kind} ${result.hub.url})`,
    `connects ${stats.connects}, disconnects ${stats.disconnects}, failed connects ${stats.connectFailures}, commands ${stats.commandsApplied}/${stats.commandsIssued} applied`,
    '',
  ];
  for (const check of result.checks) lines.push(`  ${MARK[check.status]}  ${check.id.padEnd(28)} ${check.summary}`);
  lines.push('');
  const failed = result.checks.filter((c) => c.status === 'failed').length;
  if (result.verdict === 'passed') lines.push(`PASSED: ${result.checks.length} checks, ${result.checks.filter((c) => c.status === 'skipped').length} skipped`);
  else if (result.verdict === 'failed') lines.push(`FAILED: ${failed} of ${result.checks.length} checks failed`);
  else lines.push('INTERRUPTED: the run was stopped before it finished; checks cover what was observed until then');
  if (reportDir) lines.push(`report: ${reportDir}`);
  lines.push(`replay: ${result.replay}`);
  return `${lines.join('\n')}\n`;
}
