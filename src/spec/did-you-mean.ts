// "Did you mean" suggestions for misspelt keys and names.

/** Edit distance (insert, delete, substitute), small strings only. */
export function measureDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The closest candidate within edit distance 2, or one sharing a prefix (`depends` ->
 * `depends_on`), or undefined. Ties go to the earlier candidate so the answer is stable.
 */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: { candidate: string; score: number } | undefined;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    let score = measureDistance(w, c);
    const sharesPrefix = w.length >= 3 && (c.startsWith(w) || w.startsWith(c));
    if (score > 2 && !sharesPrefix) continue;
    if (sharesPrefix) score = Math.min(score, 2);
    if (best === undefined || score < best.score) best = { candidate, score };
  }
  return best?.candidate;
}

/**
 * A hint for an unknown word: the suggestion if there is one, the allowed list otherwise.
 * `listed` is what the list shows, when it should leave some candidates out.
 */
export function hintFor(word: string, candidates: readonly string[], what: string, listed: readonly string[] = candidates): string {
  const guess = suggest(word, candidates);
  if (guess !== undefined) return `did you mean "${guess}"?`;
  return listed.length === 0 ? `there are no ${what}` : `${what}: ${listed.join(', ')}`;
}
