/**
 * "Did you mean ...?" for a name that is not one of `names`: the closest by
 * edit distance (case ignored), if it is close enough to be a likely typo or
 * a shortening (`defects` for `hubDefects`). Undefined when none is.
 */
export function closestName(given: string, names: Iterable<string>): string | undefined {
  const g = given.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const n = name.toLowerCase();
    const distance = editDistance(g, n);
    const near = distance <= Math.max(2, Math.floor(n.length / 3)) || (g.length >= 3 && (n.includes(g) || g.includes(n)));
    if (near && distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
