import { formatMs } from '../checks/stats.ts';
import type { CheckResult } from '../checks/types.ts';
import type { RunResult } from '../runner/result.ts';

const MARK = { passed: '✅ PASS', failed: '❌ FAIL', skipped: '⏭️ SKIP' } as const;
const VERDICT = { passed: '✅ PASSED', failed: '❌ FAILED', invalid: '⚠️ INVALID', interrupted: '⚠️ INTERRUPTED' } as const;

/**
 * GitHub's step summary takes at most 1 MiB per step; a 1,000-agent loop's
 * evidence alone can pass that, so each check's evidence is cut here and the
 * full text stays in summary.json.
 */
const MAX_EVIDENCE_CHARS = 20_000;

/** A table cell: one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** A code fence longer than any backtick run inside, so evidence text cannot end it. */
function fenced(text: string, lang: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text}\n${fence}`;
}

function evidenceText(check: CheckResult & { status: 'failed' }): string {
  const json = JSON.stringify(check.evidence, null, 2) ?? 'null';
  if (json.length <= MAX_EVIDENCE_CHARS) return json;
  return `${json.slice(0, MAX_EVIDENCE_CHARS)}\n… (${json.length - MAX_EVIDENCE_CHARS} more characters: see summary.json)`;
}

/**
 * summary.md: the run for a CI job page or a pull request comment. Verdict,
 * parameters, one line per check, the failed checks' evidence folded away,
 * and the command that replays the run.
 */
export function renderSummaryMarkdown(result: RunResult, reportDir?: string): string {
  const { params, stats } = result;
  const failed = result.checks.filter((c): c is CheckResult & { status: 'failed' } => c.status === 'failed');
  const hubChecks = result.checks.filter((c) => c.kind !== 'validity');
  const validity = result.checks.filter((c) => c.kind === 'validity');
  const hubFailed = hubChecks.filter((c) => c.status === 'failed').length;
  const skipped = hubChecks.filter((c) => c.status === 'skipped').length;
  const counts = {
    failed: `${hubFailed} of ${hubChecks.length} hub checks failed`,
    passed: `${hubChecks.length} hub checks${skipped ? `, ${skipped} skipped` : ''}`,
    invalid: 'this run cannot judge the hub',
    interrupted: 'stopped before it finished; checks cover what was observed until then',
  }[result.verdict];
  const row = (c: CheckResult) => `| ${MARK[c.status]} | \`${c.id}\` | ${cell(c.summary)} |`;
  const parameters: [string, string][] = [
    ['agents', String(params.agents)],
    ['duration', formatMs(params.durationMs)],
    ['seed', `\`${params.seed}\``],
    ['ping interval', `${formatMs(params.pingIntervalMs)} (what the agents expect of the hub)`],
    ['hub defects', params.hubDefects.length ? params.hubDefects.map((d) => `\`${d}\``).join(', ') : 'none'],
    ['agent defects', params.agentDefects?.length ? params.agentDefects.map((d) => `\`${d}\``).join(', ') : 'none'],
    ['hub', `${result.hub.kind} ${result.hub.url}`],
    ['protocol', result.hub.protocol ?? 'v1'],
    ['fault proxy', result.proxy ?? 'none'],
    ['groups', result.groups.length ? result.groups.map((g) => `${g.name}: ${g.agents}`).join(', ') : 'whole fleet'],
    ['started', result.startedAt],
    ['elapsed', formatMs(result.elapsedMs)],
  ];
  const lines = [
    `## ${VERDICT[result.verdict]}: edge-chaos \`${result.scenario.name}\` (${counts})`,
    '',
    cell(result.scenario.description),
    '',
    '| parameter | value |',
    '|---|---|',
    ...parameters.map(([k, v]) => `| ${k} | ${cell(v)} |`),
    '',
    `connects ${stats.connects} · disconnects ${stats.disconnects} · failed connects ${stats.connectFailures} · commands ${stats.commandsApplied}/${stats.commandsIssued} applied`,
    '',
    ...(result.invalid ? ['### Why this run cannot judge', '', ...result.invalid.reasons.map((r) => `- ${cell(r)}`), '', `**Fix:** ${cell(result.invalid.fix)}`, ''] : []),
    '### Hub checks',
    '',
    '| status | check | summary |',
    '|---|---|---|',
    ...hubChecks.map(row),
    '',
    ...(validity.length > 0 ? ['### Run validity', '', '| status | check | summary |', '|---|---|---|', ...validity.map(row), ''] : []),
  ];
  if (failed.length > 0) {
    lines.push('### Evidence of the failed checks', '');
    for (const check of failed) {
      lines.push(`<details><summary><code>${check.id}</code>: ${escapeHtml(check.summary)}</summary>`, '', fenced(evidenceText(check), 'json'), '', '</details>', '');
    }
  }
  lines.push('### Replay', '', fenced(result.replay, 'sh'), '');
  if (result.replayNote) lines.push(cell(result.replayNote), '');
  if (reportDir) lines.push(`Report folder: \`${reportDir}\` (open \`report.html\` for the timeline and charts)`, '');
  return lines.join('\n');
}

function escapeHtml(text: string): string {
  return text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}
