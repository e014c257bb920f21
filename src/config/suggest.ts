/**
 * "Did you mean ...?" for a name the user mistyped: the closest choices by edit distance (insertions,
 * deletions, substitutions and swaps of adjacent characters, ignoring case), if close enough to be a typo.
 */

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The choices nearest to `name` (ties all kept), or [] when none is within a third of its length. */
export function closest(name: string, choices: readonly string[]): string[] {
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best = Infinity;
  let out: string[] = [];
  for (const c of new Set(choices)) {
    const d = distance(lower, c.toLowerCase());
    if (d > limit || d > best) continue;
    if (d < best) out = [];
    best = d;
    out.push(c);
  }
  return out;
}

/** The closest choices, else the few that have `name` as a word (`depth` → `page_depth`). */
function suggestions(name: string, choices: readonly string[]): string[] {
  const near = closest(name, choices);
  if (near.length) return near;
  const lower = name.toLowerCase();
  const words = [...new Set(choices)].filter((c) => c.toLowerCase().split(/[_.:]/).includes(lower));
  return words.length <= 3 ? words : [];
}

/** ` (did you mean X?)` / ` (did you mean X or Y?)`, or '' when nothing is close; `show` formats a choice. */
export function didYouMean(
  name: string,
  choices: readonly string[],
  show: (choice: string) => string = (c) => c,
): string {
  const near = suggestions(name, choices).map(show);
  if (!near.length) return '';
  const list = near.length > 1 ? `${near.slice(0, -1).join(', ')} or ${near[near.length - 1]}` : near[0];
  return ` (did you mean ${list}?)`;
}
