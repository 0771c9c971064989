import type { RunResult } from '../runner/result.ts';

/**
 * Escapes markup and replaces the control characters XML 1.0 forbids: the
 * hub under test chooses its close reasons, and one odd byte must not make the
 * whole file unreadable to CI.
 */
function escapeXml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '\uFFFD')
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** JUnit XML: one test case per check, the evidence in the failure body, so CI shows why. */
export function renderJunit(result: RunResult): string {
  const failed = result.checks.filter((c) => c.status === 'failed').length;
  const skipped = result.checks.filter((c) => c.status === 'skipped').length;
  const seconds = (result.elapsedMs / 1000).toFixed(3);
  const hubChecks = result.checks.filter((c) => c.kind !== 'validity');
  const validity = result.checks.filter((c) => c.kind === 'validity');
  const suites = [suiteXml(`edge-chaos.${result.scenario.name}`, hubChecks, seconds, result, true)];
  if (validity.length > 0) suites.push(suiteXml(`edge-chaos.${result.scenario.name}.run-validity`, validity, '0.000', result, false));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="edge-chaos" tests="${result.checks.length}" failures="${failed}" skipped="${skipped}" time="${seconds}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

/** One testsuite: the hub checks (with the run's properties), or the run-validity checks. */
function suiteXml(suite: string, checks: RunResult['checks'], seconds: string, result: RunResult, withProperties: boolean): string {
  const failed = checks.filter((c) => c.status === 'failed').length;
  const skipped = checks.filter((c) => c.status === 'skipped').length;
  const cases = checks.map((check) => {
    const open = `    <testcase classname="${escapeXml(suite)}" name="${escapeXml(`${check.id}: ${check.title}`)}" time="0">`;
    if (check.status === 'passed') return `${open}</testcase>`;
    if (check.status === 'skipped') return `${open}\n      <skipped message="${escapeXml(check.reason)}"/>\n    </testcase>`;
    const body = `${check.summary}\n\nevidence:\n${JSON.stringify(check.evidence, null, 2)}`;
    return `${open}\n      <failure message="${escapeXml(check.summary)}" type="${escapeXml(check.id)}">${escapeXml(body)}</failure>\n    </testcase>`;
  });
  const properties = [
    ['seed', result.params.seed],
    ['agents', String(result.params.agents)],
    ['durationMs', String(result.params.durationMs)],
    ['pingIntervalMs', String(result.params.pingIntervalMs)],
    ['hubDefects', result.params.hubDefects.join(',')],
    ['hub', `${result.hub.kind} ${result.hub.url}`],
    ['protocol', result.hub.protocol ?? 'v1'],
    ['replay', result.replay],
    ['verdict', result.verdict],
    ...(result.invalid ? [['invalid', result.invalid.reasons.join(' | ')]] : []),
  ].map(([k, v]) => `      <property name="${k}" value="${escapeXml(v!)}"/>`);
  return [
    `  <testsuite name="${escapeXml(suite)}" tests="${checks.length}" failures="${failed}" skipped="${skipped}" errors="0" time="${seconds}" timestamp="${result.startedAt}">`,
    ...(withProperties ? ['    <properties>', ...properties, '    </properties>'] : []),
    ...cases,
    '  </testsuite>',
  ].join('\n');
}
