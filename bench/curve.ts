import { cell, measured, NO_VALUE, ratio, runsText, spreadCell, table, thousands } from './markdown.ts';
import type { BenchResult, HoldMeasurement, HoldPoint, HoldSummary } from './results.ts';
import { SIDES } from './sides.ts';
import { lineChartSvg, type ChartPanel, type ChartSeries } from './svg-chart.ts';

/**
 * The cost curve (--curve): what each client costs as N grows, as markdown
 * tables and as an SVG chart, both read from the BenchResult only.
 */

type Side = 'fleet' | 'bare' | 'artillery';

const SIDE_NAMES: Record<Side, string> = { fleet: SIDES.fleet.name, bare: SIDES.bare.name, artillery: 'Artillery' };

function summaryOf(point: HoldPoint, side: Side): HoldSummary | undefined {
  return side === 'artillery' ? measured(point.artillery)?.summary : measured(point[side]);
}

function artilleryName(result: BenchResult): string {
  const version = result.points.map((p) => measured(p.artillery)?.version).find(Boolean);
  return version ? `Artillery ${version}` : 'Artillery';
}

interface CurveMetric {
  title: string;
  unit: string;
  pick: (m: HoldMeasurement) => number | undefined;
  digits: number;
  /** Artillery's figure is set by the bench's pacing, not by Artillery. */
  artilleryPaced?: boolean;
}

const kib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : bytes / 1024);

export const CURVE_METRICS = {
  rss: { title: 'RSS per connection', unit: 'KiB', pick: (m) => kib(m.rssPerConnectionBytes), digits: 1 },
  heap: { title: 'V8 heap per connection', unit: 'KiB', pick: (m) => kib(m.heapPerConnectionBytes), digits: 1 },
  connect: { title: 'time to connect all N', unit: 's', pick: (m) => m.connectMs / 1000, digits: 2, artilleryPaced: true },
  connectCpu: { title: 'CPU to connect, per connection', unit: 'ms', pick: (m) => m.connectCpuMsPerConnection, digits: 3 },
} as const satisfies Record<string, CurveMetric>;

/** Least squares line through the points; undefined with fewer than two different x. */
export function fitLine(points: readonly { x: number; y: number }[]): { slope: number; intercept: number } | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - meanX) ** 2, 0);
  if (sxx === 0) return undefined;
  const slope = points.reduce((s, p) => s + (p.x - meanX) * (p.y - meanY), 0) / sxx;
  return { slope, intercept: meanY - slope * meanX };
}

/**
 * RSS growth = fixed + per connection x N, fitted over the sizes' medians.
 * Growth / N (the tables) falls with N wherever a client has fixed costs
 * (code paged in, a young generation grown once); the slope is what one
 * more connection costs.
 */
export function rssFit(result: BenchResult, side: Side): { perConnectionBytes: number; fixedBytes: number } | undefined {
  const points = result.points.flatMap((p) => {
    const perConnection = summaryOf(p, side)?.median.rssPerConnectionBytes;
    return perConnection === undefined ? [] : [{ x: p.agents, y: perConnection * p.agents }];
  });
  const line = fitLine(points);
  return line && { perConnectionBytes: line.slope, fixedBytes: line.intercept };
}

function metricTable(result: BenchResult, metric: CurveMetric): string {
  const artillery = artilleryName(result);
  const rows = result.points.map((point) => {
    const fleet = summaryOf(point, 'fleet');
    const bare = summaryOf(point, 'bare');
    const art = summaryOf(point, 'artillery');
    return [
      thousands.format(point.agents),
      spreadCell(fleet, metric.pick, metric.digits),
      spreadCell(bare, metric.pick, metric.digits),
      ratio(fleet && metric.pick(fleet.median), bare && metric.pick(bare.median)),
      art ? spreadCell(art, metric.pick, metric.digits) : point.artillery.status,
    ];
  });
  return table(['connections', SIDE_NAMES.fleet, SIDE_NAMES.bare, 'Fleet / bare', metric.artilleryPaced ? `${artillery} (paced)` : artillery], rows);
}

function fitSentence(result: BenchResult): string | undefined {
  const parts = (['fleet', 'bare', 'artillery'] as const).flatMap((side) => {
    const fit = rssFit(result, side);
    if (!fit) return [];
    const name = side === 'artillery' ? artilleryName(result) : SIDE_NAMES[side];
    return [`${name} ${cell(fit.perConnectionBytes / 1024, 1)} KiB per connection + ${cell(fit.fixedBytes / 1024 ** 2, 1)} MiB`];
  });
  return parts.length === 0 ? undefined : `RSS growth fitted as fixed + per connection × N over the sizes' medians: ${parts.join('; ')}.`;
}

function unavailableNotes(result: BenchResult): string[] {
  return result.points.flatMap((point) =>
    (['fleet', 'bare', 'artillery'] as const).flatMap((side) => {
      const outcome = point[side];
      if (outcome.status !== 'unavailable') return [];
      return [`${side === 'artillery' ? artilleryName(result) : SIDE_NAMES[side]} at ${thousands.format(point.agents)}: ${outcome.status}: ${outcome.reason}`];
    }),
  );
}

/** The curve's markdown: the chart, then one table per figure. */
export function curveMarkdown(result: BenchResult, svgHref: string | undefined): string {
  const fit = fitSentence(result);
  const notes = unavailableNotes(result);
  return [
    ...(svgHref ? [`![${CHART_TITLE}](${svgHref})`, ''] : []),
    ...(Object.values(CURVE_METRICS) as CurveMetric[]).flatMap((metric) => [
      `### ${metric.title} (${metric.unit})`,
      '',
      metricTable(result, metric),
      '',
      ...(metric === CURVE_METRICS.rss && fit ? [fit, ''] : []),
    ]),
    ...(notes.length > 0 ? [notes.join('\n\n'), ''] : []),
    `Each cell: median (min–max) of ${runsText(result.settings.runsPerSide)}; ratios from the medians. Artillery's connect time is the pace the bench gave its arrivals (80% of the Fleet's first rate at that size), not its capacity. ${NO_VALUE}: not measured (RSS below 1,000 connections, heap for Artillery).`,
  ].join('\n');
}

const CHART_TITLE = 'Holding N idle WebSocket connections: cost per client';

function series(result: BenchResult, side: Side, pick: (m: HoldMeasurement) => number | undefined, name: string): ChartSeries {
  return {
    name,
    points: result.points.flatMap((point) => {
      const summary = summaryOf(point, side);
      const y = summary && pick(summary.median);
      if (!summary || y === undefined) return [];
      const low = pick(summary.min);
      const high = pick(summary.max);
      return [{ x: point.agents, y, ...(summary.runs.length > 1 && low !== undefined && high !== undefined ? { low, high } : {}) }];
    }),
  };
}

/** Two panels: RSS per connection vs N, time to connect vs N; one line per client, bars from min to max. */
export function curveSvg(result: BenchResult): string {
  const artillery = artilleryName(result);
  const formatN = (n: number): string => (n === 0 ? '0' : n % 1000 === 0 ? `${n / 1000}k` : thousands.format(n));
  const rss: ChartPanel = {
    title: 'RSS per connection',
    xLabel: 'connections held (N)',
    yLabel: 'KiB per connection (RSS growth / N)',
    formatX: formatN,
    series: [
      series(result, 'fleet', CURVE_METRICS.rss.pick, SIDE_NAMES.fleet),
      series(result, 'bare', CURVE_METRICS.rss.pick, SIDE_NAMES.bare),
      series(result, 'artillery', CURVE_METRICS.rss.pick, artillery),
    ],
  };
  const connect: ChartPanel = {
    title: 'Time to connect all N',
    xLabel: 'connections held (N)',
    yLabel: 'seconds',
    formatX: formatN,
    series: [
      series(result, 'fleet', CURVE_METRICS.connect.pick, SIDE_NAMES.fleet),
      series(result, 'bare', CURVE_METRICS.connect.pick, SIDE_NAMES.bare),
      series(result, 'artillery', CURVE_METRICS.connect.pick, `${artillery} (arrivals paced by the bench)`),
    ],
  };
  const { machine, settings } = result;
  return lineChartSvg([rss, connect], {
    title: CHART_TITLE,
    caption: `npm run bench -- --curve, ${machine.date.slice(0, 10)}: medians of ${runsText(settings.runsPerSide)}, bars min to max; ${machine.cores} cores, ${machine.cpuModel}, Node ${machine.node}; load average ${result.loadAverage.atStart[0].toFixed(1)} at start`,
  });
}
