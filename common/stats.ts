/**
 * Nearest-rank percentile over an array sorted ascending: the value at rank
 * ceil(p/100 * n), clamped to the ends; NaN for no values. p is 0 to 100.
 * The checks and the benchmarks both use this one, so a p99 means the same
 * in a report and in docs/benchmarks.md.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
