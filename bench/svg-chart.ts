/**
 * A small SVG line chart: panels side by side, each with axes, ticks, axis
 * labels, one line per series with a bar for its spread, and a legend. A
 * pure function from data to text, so the bench can draw its cost curve with
 * no network and no chart library, and a test can check where each point
 * lands. Every point, tick and legend entry carries data-* attributes naming
 * what it shows.
 */

export interface ChartPoint {
  x: number;
  y: number;
  /** The spread around y (e.g. the min and max of several runs), drawn as a vertical bar. */
  low?: number;
  high?: number;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
}

export interface ChartPanel {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly ChartSeries[];
  /** Tick label text; default: the number with thousands separators. */
  formatX?: (value: number) => string;
  formatY?: (value: number) => string;
}

export interface ChartOptions {
  /** Above every panel. */
  title: string;
  /** Under every panel, in small type: where the numbers came from. */
  caption?: string;
  /** Each panel's size without its legend, px. Default 480 x 360. */
  panelWidthPx?: number;
  panelHeightPx?: number;
}

/** Colours and dashes told apart in print and by the colour-blind: line style differs as well as hue. */
const STYLES = [
  { color: '#1f5fa8', dash: '' },
  { color: '#c8402a', dash: '7 4' },
  { color: '#2b8a3e', dash: '2 3' },
  { color: '#7a4fa3', dash: '10 3 2 3' },
] as const;

const MARGIN = { left: 64, right: 20, top: 34, bottom: 44 } as const;
const LEGEND_ROW_PX = 18;
const TITLE_PX = 30;
const CAPTION_PX = 22;
const TARGET_TICKS = 5;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Pixel coordinates, rounded so the file stays small and diffs stay stable. */
function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export interface Axis {
  min: number;
  max: number;
  ticks: number[];
}

/** A step of 1, 2, 2.5 or 5 times a power of ten giving about `target` intervals. */
function niceStep(span: number, target: number): number {
  const raw = span / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw)!;
  return step * power;
}

/**
 * An axis that includes zero (costs are read against zero, and a chart that
 * starts elsewhere exaggerates differences) and every value, with round
 * ticks at both ends.
 */
export function niceAxis(values: readonly number[]): Axis {
  const finite = values.filter(Number.isFinite);
  let low = Math.min(0, ...finite);
  let high = Math.max(0, ...finite);
  if (high === low) high = low + 1;
  const step = niceStep(high - low, TARGET_TICKS);
  low = Math.floor(low / step + 1e-9) * step;
  high = Math.ceil(high / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let i = 0; low + i * step <= high + step / 1e6; i++) ticks.push(Number((low + i * step).toPrecision(12)));
  return { min: low, max: high, ticks };
}

const defaultFormat = (value: number): string => new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(value);

interface PanelLayout {
  width: number;
  height: number;
  plotLeft: number;
  plotRight: number;
  plotTop: number;
  plotBottom: number;
}

function panelSvg(panel: ChartPanel, index: number, layout: PanelLayout): string {
  const formatX = panel.formatX ?? defaultFormat;
  const formatY = panel.formatY ?? defaultFormat;
  const points = panel.series.flatMap((s) => s.points);
  const xAxis = niceAxis(points.map((p) => p.x));
  const yAxis = niceAxis(points.flatMap((p) => [p.y, p.low ?? p.y, p.high ?? p.y]));
  const { plotLeft, plotRight, plotTop, plotBottom } = layout;
  const sx = (x: number): number => plotLeft + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * (plotRight - plotLeft);
  const sy = (y: number): number => plotBottom - ((y - yAxis.min) / (yAxis.max - yAxis.min)) * (plotBottom - plotTop);
  const out: string[] = [];

  out.push(`<g class="panel" data-panel="${index}" transform="translate(${px(index * layout.width)},${TITLE_PX})">`);
  out.push(`<text class="panel-title" x="${px(plotLeft)}" y="20" font-size="14" font-weight="bold">${escapeXml(panel.title)}</text>`);

  // Grid and ticks first, so the lines are drawn over them.
  for (const tick of yAxis.ticks) {
    const y = px(sy(tick));
    out.push(
      `<g class="tick" data-axis="y" data-value="${tick}"><line x1="${px(plotLeft)}" x2="${px(plotRight)}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>` +
        `<text x="${px(plotLeft - 6)}" y="${y}" dy="0.32em" text-anchor="end">${escapeXml(formatY(tick))}</text></g>`,
    );
  }
  for (const tick of xAxis.ticks) {
    const x = px(sx(tick));
    out.push(
      `<g class="tick" data-axis="x" data-value="${tick}"><line x1="${x}" x2="${x}" y1="${px(plotBottom)}" y2="${px(plotBottom + 5)}" stroke="#333"/>` +
        `<text x="${x}" y="${px(plotBottom + 18)}" text-anchor="middle">${escapeXml(formatX(tick))}</text></g>`,
    );
  }
  out.push(`<line class="axis" x1="${px(plotLeft)}" x2="${px(plotRight)}" y1="${px(plotBottom)}" y2="${px(plotBottom)}" stroke="#333"/>`);
  out.push(`<line class="axis" x1="${px(plotLeft)}" x2="${px(plotLeft)}" y1="${px(plotTop)}" y2="${px(plotBottom)}" stroke="#333"/>`);
  out.push(`<text class="axis-label" x="${px((plotLeft + plotRight) / 2)}" y="${px(plotBottom + 36)}" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`);
  const yLabelX = 16;
  const yLabelY = (plotTop + plotBottom) / 2;
  out.push(
    `<text class="axis-label" x="${px(yLabelX)}" y="${px(yLabelY)}" text-anchor="middle" transform="rotate(-90 ${px(yLabelX)} ${px(yLabelY)})">${escapeXml(panel.yLabel)}</text>`,
  );

  panel.series.forEach((series, s) => {
    const style = STYLES[s % STYLES.length]!;
    const name = escapeXml(series.name);
    const sorted = [...series.points].filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).sort((a, b) => a.x - b.x);
    out.push(`<g class="series" data-series="${name}">`);
    if (sorted.length > 1) {
      const path = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(sx(p.x))},${px(sy(p.y))}`).join(' ');
      out.push(`<path d="${path}" fill="none" stroke="${style.color}" stroke-width="2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>`);
    }
    for (const p of sorted) {
      const cx = px(sx(p.x));
      if (p.low !== undefined && p.high !== undefined && Number.isFinite(p.low) && Number.isFinite(p.high)) {
        const [top, bottom] = [px(sy(p.high)), px(sy(p.low))];
        const [left, right] = [px(sx(p.x) - 4), px(sx(p.x) + 4)];
        out.push(
          `<path class="spread" data-x="${p.x}" data-low="${p.low}" data-high="${p.high}" d="M${cx},${top} L${cx},${bottom} M${left},${top} L${right},${top} M${left},${bottom} L${right},${bottom}" stroke="${style.color}" stroke-width="1.2" fill="none"/>`,
        );
      }
      out.push(
        `<circle class="point" data-series="${name}" data-x="${p.x}" data-y="${p.y}" cx="${cx}" cy="${px(sy(p.y))}" r="3.5" fill="${style.color}">` +
          `<title>${name}: ${escapeXml(formatX(p.x))}, ${escapeXml(formatY(p.y))}</title></circle>`,
      );
    }
    out.push('</g>');
  });

  // Legend under the axis label, one entry per row.
  panel.series.forEach((series, s) => {
    const style = STYLES[s % STYLES.length]!;
    const y = plotBottom + 58 + s * LEGEND_ROW_PX;
    const x = plotLeft;
    out.push(
      `<g class="legend" data-series="${escapeXml(series.name)}"><line x1="${px(x)}" x2="${px(x + 28)}" y1="${px(y)}" y2="${px(y)}" stroke="${style.color}" stroke-width="2"${style.dash ? ` stroke-dasharray="${style.dash}"` : ''}/>` +
        `<circle cx="${px(x + 14)}" cy="${px(y)}" r="3.5" fill="${style.color}"/>` +
        `<text x="${px(x + 36)}" y="${px(y)}" dy="0.32em">${escapeXml(series.name)}${series.points.length === 0 ? ' (no data)' : ''}</text></g>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** The whole chart as an SVG document. */
export function lineChartSvg(panels: readonly ChartPanel[], options: ChartOptions): string {
  const width = options.panelWidthPx ?? 480;
  const plotBottom = (options.panelHeightPx ?? 360) - MARGIN.bottom;
  const legendRows = Math.max(1, ...panels.map((p) => p.series.length));
  // Under the plot: ticks, the axis label, then the legend (its first row at plotBottom + 58).
  const height = plotBottom + 54 + legendRows * LEGEND_ROW_PX;
  const layout: PanelLayout = { width, height, plotLeft: MARGIN.left, plotRight: width - MARGIN.right, plotTop: MARGIN.top, plotBottom };
  const totalWidth = width * Math.max(1, panels.length);
  const totalHeight = TITLE_PX + height + (options.caption ? CAPTION_PX : 0);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${px(totalHeight)}" viewBox="0 0 ${totalWidth} ${px(totalHeight)}" role="img" aria-labelledby="chart-title" font-family="sans-serif" font-size="12" fill="#222">`,
    `<title id="chart-title">${escapeXml(options.title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text class="chart-title" x="${px(totalWidth / 2)}" y="20" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(options.title)}</text>`,
    ...panels.map((panel, i) => panelSvg(panel, i, layout)),
    ...(options.caption
      ? [`<text class="caption" x="${MARGIN.left}" y="${px(totalHeight - 8)}" font-size="11" fill="#555">${escapeXml(options.caption)}</text>`]
      : []),
    '</svg>',
    '',
  ].join('\n');
}
