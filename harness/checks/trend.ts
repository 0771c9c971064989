/**
 * Trend of a sampled series: how fast it grows and how steadily. The maths
 * behind the resource-growth check, kept apart so it can be read (and
 * tested) without the history around it.
 */

export interface TrendPoint {
  /** When, ms. */
  t: number;
  value: number;
  /**
   * Which incarnation the value belongs to (a process id). A restarted
   * process starts from a fresh baseline; the fit gives each incarnation its
   * own intercept and all of them one common slope, so a leak that every
   * incarnation repeats still shows, and the drops at restarts do not hide it.
   */
  segment: number;
}

export interface Trend {
  /** Least-squares growth, units per minute (pooled within incarnations). */
  slopePerMin: number;
  /**
   * Share of the variance (within incarnations) the line explains, 0..1.
   * Near 1: steady growth; near 0: noise, a sawtooth, or a lone spike.
   */
  r2: number;
  /**
   * The line's squared error over that of the best single step (one level,
   * then another). Below 1 the series grows more like a line than like a
   * one-time jump: a leak. A pool or cache that filled once, or a GC that
   * ran once, is a step and scores above 1.
   */
  lineVsStepError: number;
  /** The fitted line over each incarnation's points, for drawing it over the samples. */
  lines: { segment: number; fromMs: number; toMs: number; fromValue: number; toValue: number }[];
  /** Points the fit used. */
  points: number;
}

/**
 * Fits a common slope over the points (a segment needs 3 points or it is
 * left out). Undefined when fewer than 6 points remain or all times are equal.
 */
export function fitTrend(points: readonly TrendPoint[]): Trend | undefined {
  const bySegment = new Map<number, TrendPoint[]>();
  for (const p of points) {
    let list = bySegment.get(p.segment);
    if (!list) bySegment.set(p.segment, (list = []));
    list.push(p);
  }
  const segments = [...bySegment.values()].filter((s) => s.length >= 3);
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  const means = new Map<TrendPoint[], { t: number; value: number }>();
  for (const s of segments) {
    const mean = { t: avg(s.map((p) => p.t)), value: avg(s.map((p) => p.value)) };
    means.set(s, mean);
    for (const p of s) {
      const dx = p.t - mean.t;
      const dy = p.value - mean.value;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
    }
  }
  const used = segments.flat().length;
  if (sxx === 0 || used < 6) return undefined;
  const slopePerMs = sxy / sxx;
  // A perfectly flat series has nothing to explain: no trend, not a perfect one.
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  const lineError = syy - slopePerMs * sxy;

  // Each incarnation lifted onto one line (its own intercept removed), so a step is sought across restarts too.
  const aligned = segments
    .flatMap((s) => {
      const m = means.get(s)!;
      return s.map((p) => ({ t: p.t, value: p.value - m.value + slopePerMs * m.t }));
    })
    .sort((a, b) => a.t - b.t)
    .map((p) => p.value);
  const stepError = bestStepError(aligned);
  return {
    slopePerMin: slopePerMs * 60_000,
    r2,
    lineVsStepError: stepError === 0 ? (lineError === 0 ? 1 : Infinity) : lineError / stepError,
    lines: segments.map((s) => {
      const m = means.get(s)!;
      const fromMs = s[0]!.t;
      const toMs = s[s.length - 1]!.t;
      return { segment: s[0]!.segment, fromMs, toMs, fromValue: m.value + slopePerMs * (fromMs - m.t), toValue: m.value + slopePerMs * (toMs - m.t) };
    }),
    points: used,
  };
}

/** Least squared error of two levels split at the best place, each side at least 2 points. O(n) with prefix sums. */
function bestStepError(values: readonly number[]): number {
  const n = values.length;
  const mean = avg(values);
  // Centred first: sums of squares of raw byte counts would lose precision.
  const ys = values.map((v) => v - mean);
  const totalSum = ys.reduce((s, v) => s + v, 0);
  const totalSq = ys.reduce((s, v) => s + v * v, 0);
  let best = Infinity;
  let sum = 0;
  let sq = 0;
  for (let k = 1; k <= n - 2; k++) {
    sum += ys[k - 1]!;
    sq += ys[k - 1]! * ys[k - 1]!;
    if (k < 2) continue;
    const right = n - k;
    const error = sq - (sum * sum) / k + (totalSq - sq) - ((totalSum - sum) * (totalSum - sum)) / right;
    best = Math.min(best, Math.max(0, error));
  }
  return best;
}

function avg(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
