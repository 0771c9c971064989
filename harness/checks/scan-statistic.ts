/**
 * How busy the busiest slice of time may be by chance: n independent events,
 * each landing with density at most 1/W (anywhere, not necessarily in one
 * window), and the most of them in any slice of width s (a scan statistic).
 *
 * The bound: every slice [a, a+s) lies inside one of the cells
 * [j*s/m, j*s/m + s + s/m) for some integer j. One event lands in a given
 * cell with probability at most q = (1 + 1/m) * s / W, so a cell's count is at
 * most Binomial(n, q) in the tail (Hoeffding: spreading the events' own
 * probabilities only thins the tail). Each event lies in m + 1 cells, so the
 * cells' probabilities sum to m + 1 per event; the tail is convex in q there,
 * so the worst case puts them in (m + 1) / q = m * W / s full cells. Hence
 *
 *     P(busiest slice >= k) <= (m * W / s) * P(Binomial(n, q) >= k)
 *
 * for every m >= 1 (m = 1 is the textbook (W/s) * P(Bin(n, 2s/W) >= k)), and
 * the smallest over m is still a bound: a finer m tightens it for big fleets,
 * where the 2s-wide cells of m = 1 double the expected count.
 */

/** Finest cell step tried (s/m); past ~64 the bound no longer improves for fleets up to 10^5. */
const MAX_CELL_SPLIT = 64;

/** ln(i!) for i = 0..n, cached for the largest n asked so far. */
let logFactorials: number[] = [0];
function logFactorial(n: number): number {
  for (let i = logFactorials.length; i <= n; i++) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[n]!;
}

/** P(X >= k) for X ~ Binomial(n, p), computed in log space so a fleet of 10^5 does not underflow early. */
export function binomialTailAtLeast(n: number, p: number, k: number): number {
  if (k <= 0) return 1;
  if (k > n || p <= 0) return 0;
  if (p >= 1) return 1;
  const logP = Math.log(p);
  const logQ = Math.log1p(-p);
  const logTerm = (j: number) => logFactorial(n) - logFactorial(j) - logFactorial(n - j) + j * logP + (n - j) * logQ;
  // Below the mode the terms rise first; sum from the mode's side so no term overflows the first one's scale.
  const mode = Math.min(n, Math.floor((n + 1) * p));
  const peak = k > mode ? logTerm(k) : logTerm(mode);
  let sum = 0;
  for (let j = k; j <= n; j++) {
    const term = Math.exp(logTerm(j) - peak);
    sum += term;
    if (j > mode && term < sum * 1e-17) break;
  }
  return Math.min(1, Math.exp(peak) * sum);
}

/** Upper bound on P(the busiest slice of width sliceMs holds >= k of n events), events spread with density <= 1/windowMs. */
export function busiestSliceTailBound(n: number, k: number, sliceMs: number, windowMs: number): number {
  if (k <= 1) return 1;
  let best = 1;
  for (let m = 1; m <= MAX_CELL_SPLIT; m++) {
    const q = ((1 + 1 / m) * sliceMs) / windowMs;
    if (q >= 1) continue;
    best = Math.min(best, ((m * windowMs) / sliceMs) * binomialTailAtLeast(n, q, k));
  }
  return best;
}

/** The smallest busiest-slice count among n events whose bound is below alpha; Infinity when even all n in one slice is not. */
export function improbableBusiestCount(n: number, sliceMs: number, windowMs: number, alpha: number): number {
  if (n < 1 || busiestSliceTailBound(n, n, sliceMs, windowMs) >= alpha) return Infinity;
  // The bound falls as k grows: binary search for the first k under alpha.
  let [lo, hi] = [1, n];
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (busiestSliceTailBound(n, mid, sliceMs, windowMs) < alpha) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The fewest events at which a perfect herd (all in one slice) would be
 * improbable at alpha; Infinity when no number is (the slice is as wide as the window).
 */
export function minimumSample(sliceMs: number, windowMs: number, alpha: number, maxN = 1_000): number {
  for (let n = 1; n <= maxN; n++) if (busiestSliceTailBound(n, n, sliceMs, windowMs) < alpha) return n;
  return Infinity;
}

/** "0.97", "4.2e-5", "< 1e-300": a probability a person can read. */
export function formatProbability(p: number): string {
  if (p === 0) return '< 1e-300';
  if (p >= 0.01) return p.toFixed(2);
  const [mantissa, exponent] = p.toExponential(1).split('e');
  return `${mantissa}e${exponent}`;
}
