import type { HoldMeasurement, HoldSummary, Outcome } from './results.ts';

/** Markdown pieces the headline table and the curve tables share. */

/** Shown where a figure does not exist, e.g. a ratio to zero or Artillery's heap. */
export const NO_VALUE = '–';

export const thousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function cell(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return NO_VALUE;
  return digits === 0 ? thousands.format(value) : value.toFixed(digits);
}

export function ratio(numerator: number | undefined, denominator: number | undefined): string {
  if (numerator === undefined || denominator === undefined || denominator === 0) return NO_VALUE;
  return cell(numerator / denominator, 2);
}

/** "median (min–max)" over several runs, the median alone over one: the spread is part of the figure. */
export function spreadCell(summary: HoldSummary | undefined, pick: (m: HoldMeasurement) => number | undefined, digits: number): string {
  if (!summary) return NO_VALUE;
  const middle = cell(pick(summary.median), digits);
  if (summary.runs.length < 2 || middle === NO_VALUE) return middle;
  return `${middle} (${cell(pick(summary.min), digits)}–${cell(pick(summary.max), digits)})`;
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

export function measured<T>(outcome: Outcome<T>): T | undefined {
  return outcome.status === 'measured' ? outcome.value : undefined;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** "1 run", "3 runs". */
export function runsText(runs: number): string {
  return runs === 1 ? '1 run' : `${runs} runs`;
}
