import { join } from 'node:path';
import { formatMs } from '../checks/stats.ts';
import type { RunResult } from '../runner/result.ts';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

/** The concise end-of-run summary a person reads in a terminal or CI log. */
export function renderConsoleSummary(result: RunResult, reportDir?: string): string {
  const { params, stats } = result;
  const lines = [
    '',
    `scenario ${result.scenario.name}: ${params.agents} agents, ${formatMs(params.durationMs)}, seed ${params.seed}, agents expect a ping every ${formatMs(params.pingIntervalMs)}` +
      `${params.hubDefects.length ? `, hub defects: ${params.hubDefects.join(', ')}` : ''} (hub: ${result.hub.kind} ${result.hub.url}${result.hub.protocol && result.hub.protocol !== 'v1' ? `, protocol ${result.hub.protocol}` : ''})`,
    `connects ${stats.connects}, disconnects ${stats.disconnects}, failed connects ${stats.connectFailures}, commands ${stats.commandsApplied}/${stats.commandsIssued} applied`,
  ];
  const faults = faultLines(result);
  if (faults.length > 0) lines.push(`faults (through ${result.proxy}):`, ...faults.map((f) => `  ${f}`));
  const redeploys = redeployLines(result);
  if (redeploys.length > 0) lines.push(`redeploys (${result.hub.kind} hub):`, ...redeploys.map((r) => `  ${r}`));
  if (params.agentDefects.length > 0) lines.push(`agent defects: ${params.agentDefects.join(', ')}`);
  lines.push('');
  const hubChecks = result.checks.filter((c) => c.kind !== 'validity');
  const validity = result.checks.filter((c) => c.kind === 'validity');
  for (const check of hubChecks) lines.push(`  ${MARK[check.status]}  ${check.id.padEnd(28)} ${check.summary}`);
  if (validity.length > 0) {
    lines.push('  run validity (can this run judge the hub?):');
    for (const check of validity) lines.push(`  ${MARK[check.status]}  ${check.id.padEnd(28)} ${check.summary}`);
  }
  lines.push('');
  const failed = hubChecks.filter((c) => c.status === 'failed').length;
  const skipped = hubChecks.filter((c) => c.status === 'skipped').length;
  if (result.verdict === 'passed') lines.push(`PASSED: ${hubChecks.length} hub checks, ${skipped} skipped`);
  else if (result.verdict === 'failed') lines.push(`FAILED: ${failed} of ${hubChecks.length} hub checks failed`);
  else if (result.verdict === 'invalid') {
    lines.push(`INVALID: this run cannot judge the hub${failed > 0 ? ` (${failed} hub check(s) failed, but the run is not to be trusted)` : ''}`);
    for (const reason of result.invalid?.reasons ?? []) lines.push(`  - ${reason}`);
    if (result.invalid) lines.push(`fix: ${result.invalid.fix}`);
  } else lines.push('INTERRUPTED: the run was stopped before it finished; checks cover what was observed until then');
  if (reportDir) lines.push(`report: ${reportDir}  (timeline and charts: ${join(reportDir, 'report.html')})`);
  lines.push(`replay: ${result.replay}`);
  if (result.replayNote) lines.push(`       (${result.replayNote})`);
  return `${lines.join('\n')}\n`;
}

/** One line per fault: what, on whom, and when it was applied and healed. */
function faultLines(result: RunResult): string[] {
  const byFault = new Map<string, { kind: string; target: string; windows: [number, number | undefined][] }>();
  for (const e of result.events) {
    if (e.type === 'fault.applied') {
      const f = byFault.get(e.fault) ?? { kind: e.kind, target: e.target, windows: [] };
      f.windows.push([e.t, undefined]);
      byFault.set(e.fault, f);
    } else if (e.type === 'fault.removed') {
      const w = byFault.get(e.fault)?.windows.at(-1);
      if (w) w[1] = e.t;
    }
  }
  return [...byFault].map(([name, f]) => {
    const group = result.groups.find((g) => g.name === f.target);
    const who = group ? `${f.target} (${group.agents} agents: ${group.firstAgent}..${group.lastAgent})` : f.target;
    const first = f.windows[0]!;
    const last = f.windows.at(-1)!;
    const span = `${formatMs(first[0])} -> ${last[1] === undefined ? 'end' : formatMs(last[1])}`;
    return `${name}: ${f.kind} on ${who}, ${span}${f.windows.length > 1 ? `, ${f.windows.length} times` : ''}`;
  });
}

/** One line per hub redeploy: its kind, when it began, and when the new hub was up (or that it never was). */
function redeployLines(result: RunResult): string[] {
  const lines = new Map<string, string>();
  for (const e of result.events) {
    if (e.type === 'hub.redeploy' && e.phase === 'begin') lines.set(e.name, `${e.name}: ${e.kind} at ${formatMs(e.t)}`);
    else if (e.type === 'hub.redeploy' && e.phase === 'end') lines.set(e.name, `${lines.get(e.name) ?? e.name}, hub up again at ${formatMs(e.t)}`);
    else if (e.type === 'hub.redeploy.failed') lines.set(e.name, `${lines.get(e.name) ?? e.name}, FAILED: ${e.error}`);
  }
  return [...lines.values()];
}
