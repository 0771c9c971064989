import { normalizeCheckId } from './catalog.ts';
import type { RunOutcome } from './execute.ts';
import { HUB_PROTOCOL, PROTOCOL_HUB_SCENARIOS, type MatrixHub } from './plan.ts';

export interface MatrixMachine {
  cores: number;
  cpuModel: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the matrix started and when it ended. */
  loadBefore: number[];
  loadAfter: number[];
}

export interface MatrixReport {
  startedAt: Date;
  elapsedMs: number;
  machine: MatrixMachine;
  /** The command line, for the header. */
  command: string;
  outcomes: readonly RunOutcome[];
  foreignExclusions: readonly { scenario: string; reason: string }[];
}

/** How a defect run came out, in the report's words. */
export function defectResult(outcome: RunOutcome): { result: 'caught' | 'caught by other checks' | 'missed' | 'could not judge'; missingChecks: string[] } {
  const expected = (outcome.run.defect?.expect ?? []).map(normalizeCheckId);
  const missingChecks = expected.filter((id) => !outcome.evaluated.includes(id));
  if (outcome.status === 'could-not-judge') return { result: 'could not judge', missingChecks };
  if (outcome.status === 'passed') return { result: 'missed', missingChecks };
  const fired = outcome.failed.map(normalizeCheckId);
  return { result: expected.some((id) => fired.includes(id)) ? 'caught' : 'caught by other checks', missingChecks };
}

/** docs/detection-matrix.md: per defect caught or missed, per scenario and hub the false alarms over clean runs. */
export function renderMatrixMarkdown(report: MatrixReport): string {
  const { machine } = report;
  const lines: string[] = [
    '# Detection matrix',
    '',
    `Written by \`npm run matrix\` (harness/matrix/). Each defect in harness/matrix/catalog.ts runs once with the scenario meant to catch it; each built-in scenario runs clean over several seeds on the reference hub and on the foreign hub of the zoo (harness/runtime/hubs/zoo/foreign-hub.mjs), both protocol v1, and ${PROTOCOL_HUB_SCENARIOS.join(', ')} also on two hubs on wires of their own: the acme hub (examples/protocols/acme-hub/, custom JSON, in Python, with its profile) and the Socket.IO hub (harness/runtime/hubs/zoo/socketio-hub.mjs, --protocol socket.io), at its own defaults unless the command below has \`--quick\` (harness/matrix/plan.ts PROFILES say how quick shrinks them). No defect runs shorter than the minimum its catalogue entry gives. A run that ended in a harness error or without a passed/failed verdict is shown as "could not judge", never as caught or clean.`,
    '',
    `- date: ${report.startedAt.toISOString()}, took ${formatMinutes(report.elapsedMs)}`,
    `- machine: ${machine.cores} cores (${machine.cpuModel}), Node ${machine.node}`,
    `- load average (1/5/15 min): ${machine.loadBefore.map((l) => l.toFixed(2)).join(' / ')} at the start, ${machine.loadAfter.map((l) => l.toFixed(2)).join(' / ')} at the end`,
    `- command: \`${report.command}\``,
    '',
  ];
  const defects = report.outcomes.filter((o) => o.run.kind === 'defect');
  if (defects.length > 0) {
    const tally = new Map<string, number>();
    for (const o of defects) tally.set(defectResult(o).result, (tally.get(defectResult(o).result) ?? 0) + 1);
    lines.push('## Defects', '', [...tally].map(([k, n]) => `${n} ${k}`).join(', ') + ` of ${defects.length}.`, '');
    lines.push('| defect | source | protocol | scenario | run | expected to fire | result | checks that fired |', '|---|---|---|---|---|---|---|---|');
    for (const o of defects) {
      const d = o.run.defect!;
      const { result, missingChecks } = defectResult(o);
      const expected = d.expect.map((id) => (missingChecks.includes(normalizeCheckId(id)) ? `${id} (not in this build)` : id)).join(', ');
      const fired = o.status === 'could-not-judge' ? cell(o.error ?? '') : o.failed.join(', ') || 'none';
      lines.push(`| \`${d.id}\` | ${d.source}${d.hub && d.hub !== 'foreign' ? ` (${d.hub})` : ''} | ${HUB_PROTOCOL[o.run.hub]} | ${o.run.scenario} | ${o.run.options.agents} agents, ${formatSeconds(o.run.options.durationMs ?? 0)}, seed ${o.run.options.seed} | ${expected} | **${result}** | ${fired} |`);
    }
    lines.push('');
    // Every defect run, missed ones included: their replay is where a new check gets proven.
    const details = defects;
    if (details.length > 0) {
      lines.push('<details><summary>What each defect run showed</summary>', '');
      for (const o of details) {
        lines.push(`- \`${o.run.defect!.id}\` on ${o.run.scenario}: ${o.run.defect!.description}.${o.run.defect!.note ? ` Note: ${o.run.defect!.note}.` : ''}`);
        for (const s of o.summaries) lines.push(`  - ${cell(s)}`);
        if (o.status === 'could-not-judge') lines.push(`  - could not judge: ${cell(o.error ?? '')}`);
        if (o.replay) lines.push(`  - replay: \`${o.replay}\``);
      }
      lines.push('', '</details>', '');
    }
  }
  const clean = report.outcomes.filter((o) => o.run.kind === 'clean');
  if (clean.length > 0) {
    lines.push('## False alarms on clean runs', '', 'A false alarm is a failed verdict on a hub without a known defect.', '');
    lines.push('| scenario | hub | protocol | runs | false alarms | could not judge | checks that fired | seeds of false alarms |', '|---|---|---|---|---|---|---|---|');
    const groups = new Map<string, RunOutcome[]>();
    for (const o of clean) {
      const key = `${o.run.scenario}\u0000${o.run.hub}`;
      groups.set(key, [...(groups.get(key) ?? []), o]);
    }
    for (const [key, runs] of groups) {
      const [scenario, hub] = key.split('\u0000') as [string, MatrixHub];
      const alarms = runs.filter((o) => o.status === 'failed');
      const unjudged = runs.filter((o) => o.status === 'could-not-judge');
      const fired = new Map<string, number>();
      for (const o of alarms) for (const id of o.failed) fired.set(id, (fired.get(id) ?? 0) + 1);
      lines.push(
        `| ${scenario} | ${hub} | ${HUB_PROTOCOL[hub]} | ${runs.length} | ${alarms.length === 0 ? '0' : `**${alarms.length}**`} | ${unjudged.length} | ${[...fired].map(([id, n]) => `${id} (${n})`).join(', ') || '-'} | ${alarms.map((o) => o.run.options.seed).join(', ') || '-'} |`,
      );
    }
    for (const { scenario, reason } of report.foreignExclusions) {
      if (groups.has(`${scenario}\u0000reference`)) lines.push(`| ${scenario} | foreign | v1 | not run | | | ${cell(reason)} | |`);
    }
    lines.push('');
    const notable = clean.filter((o) => o.status !== 'passed');
    if (notable.length > 0) {
      lines.push('### False alarms and runs that could not judge, with their replay', '');
      for (const o of notable) {
        const what = o.status === 'failed' ? o.summaries.map(cell).join('; ') : `could not judge: ${cell(o.error ?? '')}`;
        lines.push(`- ${o.run.scenario} on the ${o.run.hub} hub, seed ${o.run.options.seed}: ${what}`);
        if (o.replay) lines.push(`  - replay: \`${o.replay}\``);
      }
      lines.push('');
    }
  }
  return lines.join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

function formatMinutes(ms: number): string {
  return ms < 60_000 ? formatSeconds(ms) : `${(ms / 60_000).toFixed(1)} min`;
}
