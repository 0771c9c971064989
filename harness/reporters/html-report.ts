import { formatMs } from '../checks/stats.ts';
import type { CheckResult } from '../checks/types.ts';
import type { RunResult } from '../runner/result.ts';
import { escapeHtml, htmlAssets, inlineJson, inlineScript, inlineStyle } from './html/assets.ts';
import { buildReportData, type ReportData, type ReportDataOptions } from './html/report-data.ts';

const MARK = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' } as const;

/**
 * report.html: one self-contained page (charting library, data and script
 * inlined) that opens from disk with no network. The header and the checks
 * table are plain HTML, readable even with scripts off; the timeline and the
 * charts are drawn from precomputed data.
 */
export function renderHtmlReport(result: RunResult, options: ReportDataOptions = {}): string {
  const assets = htmlAssets();
  const data = buildReportData(result, options);
  const title = `${result.verdict.toUpperCase()} · ${result.scenario.name} · edge-chaos`;
  const flaggedCount = data.lanes.flagged.filter(Boolean).length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${inlineStyle(assets.uplotCss)}</style>
<style>${inlineStyle(assets.pageCss)}</style>
</head>
<body data-ready="false">
<main>
${header(result)}
${checksTable(result.checks)}
<section id="timeline" aria-labelledby="timeline-h">
  <div class="section-head">
    <h2 id="timeline-h">Timeline</h2>
    <span class="note" id="lanes-note">${data.lanes.ids.length === data.lanes.total ? `${data.lanes.total} agents` : `${data.lanes.ids.length} of ${data.lanes.total} agents: every one a failed check names, then the first of the fleet`}</span>
  </div>
  <div class="legend" aria-hidden="true">
    <span><i class="sw ws"></i>WebSocket up</span><span><i class="sw poll"></i>polling (WebSocket down)</span><span><i class="sw down"></i>down</span>
    <span><i class="sw fail"></i>failed connect</span><span><i class="sw fault"></i>fault active</span><span><i class="sw redeploy"></i>hub redeploy</span>
    <label class="toggle"><input type="checkbox" id="flagged-only"${flaggedCount === 0 ? ' disabled' : ''}> only agents a failed check names (${flaggedCount})</label>
    <button type="button" id="reset-zoom" class="small">Reset zoom</button>
  </div>
  <div id="timeline-view" class="timeline" data-lanes-drawn="0" data-lanes-total="${data.lanes.ids.length}">
    <canvas id="tl-axis"></canvas>
    <div id="tl-scroll" class="tl-scroll"><canvas id="tl-lanes"></canvas><div id="tl-spacer"></div></div>
    <div id="tl-tip" class="tip" role="tooltip" hidden></div>
  </div>
  <p class="hint">Hover a lane for its state, the close code and reason. Drag across a chart to zoom every chart and the timeline; double-click to zoom out.</p>
</section>
<section id="charts" aria-label="Charts">
  <figure class="chart" id="chart-agents"><figcaption>Agents by state</figcaption></figure>
  <figure class="chart" id="chart-churn"><figcaption>Connects and disconnects per second</figcaption></figure>
  <figure class="chart" id="chart-latency"><figcaption>Command latency (issued → applied)</figcaption></figure>
  <figure class="chart" id="chart-durations"><figcaption>Connection durations</figcaption></figure>
</section>
${resourcesSection(data.resources)}
${machineSection(data.machine)}
<noscript><p class="note">The timeline and charts need JavaScript; the header and checks above do not.</p></noscript>
<footer>edge-chaos report · result schemaVersion ${result.schemaVersion} · charts by uPlot ${escapeHtml(assets.uplotVersion)} (MIT) · generated ${escapeHtml(new Date().toISOString())}</footer>
</main>
<script type="application/json" id="report-data">${inlineJson(data)}</script>
<script>${inlineScript(assets.uplotJs)}</script>
<script>${inlineScript(assets.pageJs)}</script>
</body>
</html>
`;
}

function header(result: RunResult): string {
  const { params, stats } = result;
  const rows: [string, string][] = [
    ['agents', String(params.agents)],
    ['duration', formatMs(params.durationMs)],
    ['seed', params.seed],
    ['ping interval', `${formatMs(params.pingIntervalMs)} (what the agents expect of the hub)`],
    ['hub defects', params.hubDefects.length ? params.hubDefects.join(', ') : 'none'],
    ['agent defects', params.agentDefects?.length ? params.agentDefects.join(', ') : 'none'],
    ['hub', `${result.hub.kind} ${result.hub.url}`],
    ['protocol', result.hub.protocol ?? 'v1'],
    ['fault proxy', result.proxy ?? 'none'],
    ['groups', result.groups.length ? result.groups.map((g) => `${g.name}: ${g.agents} (${g.firstAgent}..${g.lastAgent})`).join('; ') : 'whole fleet'],
    ['loop detector', `${params.loop.minCycles} connections in a row shorter than ${formatMs(params.loop.maxConnectionMs)}`],
    ['started', result.startedAt],
    ['elapsed', formatMs(result.elapsedMs)],
  ];
  const counts = [
    `${stats.connects} connects`,
    `${stats.disconnects} disconnects`,
    `${stats.connectFailures} failed connects`,
    `${stats.commandsApplied}/${stats.commandsIssued} commands applied`,
    `${stats.events} events`,
  ];
  const dropped = Object.values(result.eventsDropped ?? {}).reduce((sum, n) => sum + n, 0);
  if (dropped > 0) counts.push(`${dropped} high-volume events (polls, connect attempts) counted but not stored past the history cap`);
  // The verdict and the scenario share one row of their own; everything else stacks under it at full
  // width. (A two-column grid over the whole header let any block without a grid-column, like the
  // invalid run's reasons, land in the verdict's auto-sized column, stretch it and squeeze the title.)
  return `<header class="run ${result.verdict}">
  <div class="title-row">
    <div class="verdict" data-verdict="${result.verdict}">${result.verdict.toUpperCase()}</div>
    <div class="what">
      <h1>${escapeHtml(result.scenario.name)}</h1>
      <p class="desc">${escapeHtml(result.scenario.description)}</p>
    </div>
  </div>
  <dl class="params">${rows.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl>
  <p class="stats">${counts.map(escapeHtml).join(' · ')}</p>
  <div class="replay"><span class="label">replay</span><code id="replay-cmd">${escapeHtml(result.replay)}</code><button type="button" class="copy" data-copy="replay-cmd">Copy</button></div>
  ${result.replayNote ? `<p class="replay-note">${escapeHtml(result.replayNote)}</p>` : ''}
  ${result.verdict === 'interrupted' ? '<div class="verdict-why"><strong>The run was stopped before it finished.</strong> The checks cover what was observed until then.</div>' : ''}
  ${result.invalid ? `<div class="verdict-why invalid-why"><strong>This run cannot judge the hub.</strong><ul class="invalid-reasons">${result.invalid.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul><p>fix: ${escapeHtml(result.invalid.fix)}</p></div>` : ''}
</header>`;
}

/**
 * Always there: when the run has no machine samples the section says why
 * rather than leave a reader wondering whether the machine was idle.
 */
function machineSection(machine: ReportData['machine']): string {
  const head = (note: string) => `<div class="section-head">
    <h2 id="machine-h">Machine</h2>
    <span class="note" id="machine-note">${note}</span>
  </div>`;
  if (!machine.load && machine.cpu.length === 0) {
    return `<section id="machine" aria-labelledby="machine-h" data-charts="0">
  ${head(escapeHtml(`no chart: ${machine.missing ?? 'no samples'}`))}
</section>`;
  }
  const { load } = machine;
  const parts: string[] = [];
  if (load) {
    const thinned = load.samplesPerPoint > 1 ? `; drawn as one point per ${load.samplesPerPoint} samples (the busiest)` : '';
    parts.push(`${load.samples.toLocaleString('en-US')} samples${load.intervalMs > 0 ? `, every ${formatMs(load.intervalMs)}` : ''}, ${load.cores} core${load.cores === 1 ? '' : 's'}${thinned}`);
  } else parts.push(`no machine-wide chart: ${machine.missing ?? 'no samples'}`);
  const saturated = machine.saturated.length
    ? `<span class="sub saturated">shaded, with a bar along the top: ${machine.saturated.length} window${machine.saturated.length === 1 ? '' : 's'} in which the machine-headroom check found the machine saturated while a timing check failed (${escapeHtml([...new Set(machine.saturated.flatMap((w) => w.checks))].join(', ') || 'no check named')})</span>`
    : '';
  const figures: string[] = [];
  if (load) figures.push(`<figure class="chart res" id="machine-load"><figcaption>Machine: busy share and run queue per core${saturated}</figcaption></figure>`);
  if (machine.cpu.length) figures.push(`<figure class="chart res" id="machine-cpu"><figcaption>CPU by component (cores)${load ? '' : saturated}</figcaption></figure>`);
  else parts.push('no component reported its CPU use');
  return `<section id="machine" aria-labelledby="machine-h">
  ${head(escapeHtml(parts.join('; ')))}
  <div class="res-grid">
  ${figures.join('\n  ')}
  </div>
  <p class="hint">Busy: the share of all cores' time not idle, the busiest reading a point stands for. Run queue per core above 1: work was waiting for a CPU, and every timing in the run (the hub's, the proxy's, the agents') stretched with it. CPU by component: cores each process used (a process tree counts its descendants); a break in a line is a restart.</p>
</section>`;
}

/** Nothing when the run took no resource samples: no empty section. */
function resourcesSection(resources: ReportData['resources']): string {
  if (!resources) return '';
  const who = resources.components.map((c) => (c.incarnations > 1 ? `${c.name} (${c.incarnations} processes)` : c.name)).join(', ');
  const perPoint = Math.max(...resources.components.map((c) => c.samplesPerPoint));
  const thinned = perPoint > 1 ? `; drawn as one point per ${perPoint} samples (the mean; the worst for event loop delay)` : '';
  const figures = resources.charts.map((chart) => {
    const unit = chart.unit ? ` (${chart.unit})` : '';
    const perMin = chart.unit === 'MiB' ? ' MiB/min' : '/min';
    const trends = chart.trends.map((tr) => {
      const slope = `${tr.slopePerMin >= 0 ? '+' : ''}${tr.slopePerMin}${perMin}`;
      const verdict = tr.verdict === 'leak' ? ' · leak' : tr.excuse ? ` · over the bound, ${tr.excuse}` : '';
      return `<span class="trend${tr.verdict === 'leak' ? ' leak' : ''}">${escapeHtml(`${resources.components[tr.component]!.name} ${slope}${verdict}`)}</span>`;
    });
    const notes = [...(trends.length ? [`trend ${trends.join(', ')}`] : []), ...(chart.bound ? [escapeHtml(`check: ${chart.bound.label}`)] : [])];
    return `<figure class="chart res" id="res-${chart.metric}"><figcaption>${escapeHtml(chart.title + unit)}${notes.map((n) => `<span class="sub">${n}</span>`).join('')}</figcaption></figure>`;
  });
  return `<section id="resources" aria-labelledby="resources-h">
  <div class="section-head">
    <h2 id="resources-h">Resources</h2>
    <span class="note">${resources.samples.toLocaleString('en-US')} samples${resources.intervalMs > 0 ? `, every ${escapeHtml(formatMs(resources.intervalMs))}` : ''}: ${escapeHtml(who)}${thinned}</span>
  </div>
  <div class="res-grid">
  ${figures.join('\n  ')}
  </div>
  <p class="hint">One line per process sampled; a break in a line is a restart (a new pid). Dashed: the resource-growth check's fitted trend after warm-up, per process. Handles are the harness's active libuv handles and a child process's open file descriptors.</p>
</section>`;
}

/**
 * Hub checks, then the run's validity checks in a table of their own, as the
 * console and summary.md keep them: a failed validity check says the run
 * cannot judge (exit 2), not that the hub failed, so it is never counted with
 * the hub's. A check without `kind` (an older summary.json) is a hub check.
 */
function checksTable(checks: readonly CheckResult[]): string {
  const hub = checks.filter((c) => c.kind !== 'validity');
  const validity = checks.filter((c) => c.kind === 'validity');
  const hubTable = `<table class="checks" id="hub-checks" aria-labelledby="checks-h">${checksHead}
  <tbody>
${hub.map(checkRow).join('\n')}
  </tbody></table>`;
  const validityTable = validity.length === 0 ? '' : `
  <div class="section-head sub-head"><h3 id="validity-h">Run validity <span class="why">can this run judge the hub?</span></h3><span class="note" id="validity-count">${counts(validity)}</span></div>
  <table class="checks" id="validity-checks" aria-labelledby="validity-h">${checksHead}
  <tbody>
${validity.map(checkRow).join('\n')}
  </tbody></table>`;
  return `<section id="checks" aria-labelledby="checks-h">
  <div class="section-head"><h2 id="checks-h">Hub checks</h2><span class="note" id="hub-count">${counts(hub)}</span></div>
  ${hubTable}${validityTable}
</section>`;
}

const checksHead = '<thead><tr><th>status</th><th>check</th><th>summary and evidence</th></tr></thead>';

function counts(checks: readonly CheckResult[]): string {
  const count = (s: CheckResult['status']) => checks.filter((c) => c.status === s).length;
  return `${count('failed')} failed · ${count('passed')} passed · ${count('skipped')} skipped`;
}

function checkRow(c: CheckResult): string {
  const detail = c.status === 'skipped' ? { reason: c.reason } : c.evidence;
  const evidence = detail === undefined ? '' : `<details><summary>evidence</summary><pre>${escapeHtml(JSON.stringify(detail, null, 2))}</pre></details>`;
  return `<tr class="check ${c.status}" data-check-id="${escapeHtml(c.id)}">
  <td><span class="badge ${c.status}">${MARK[c.status]}</span></td>
  <td><code class="check-id">${escapeHtml(c.id)}</code><div class="check-title">${escapeHtml(c.title)}</div></td>
  <td><div class="summary">${escapeHtml(c.summary)}</div>${evidence}</td>
</tr>`;
}
