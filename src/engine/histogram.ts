/**
 * Exact histogram of integer values (intended send times, 1 ms resolution) in a dense counter array that
 * grows to cover the values seen: one typed-array increment per event, whatever the rate. Values of one
 * window span about the window plus the out-of-orderness, so the array stays a few hundred KiB at most.
 */
export class DenseHistogram {
  base = 0;
  counts: Uint32Array = new Uint32Array(0);
  total = 0;

  add(v: number, n = 1): void {
    let i = v - this.base;
    if (i < 0 || i >= this.counts.length) {
      this.cover(v);
      i = v - this.base;
    }
    this.counts[i] += n;
    this.total += n;
  }

  private cover(v: number): void {
    if (this.counts.length === 0) {
      this.base = v - 512;
      this.counts = new Uint32Array(2048);
      return;
    }
    const lo = Math.min(this.base, v);
    const hi = Math.max(this.base + this.counts.length, v + 1);
    // Grow by half again so a steadily moving range reallocates O(log n) times.
    const slack = Math.ceil((hi - lo) / 2);
    const base = v < this.base ? lo - slack : lo;
    const next = new Uint32Array(hi - lo + slack);
    next.set(this.counts, this.base - base);
    this.base = base;
    this.counts = next;
  }

  merge(other: DenseHistogram): void {
    if (other.total === 0) return;
    const c = other.counts;
    let lo = 0;
    while (c[lo] === 0) lo++;
    let hi = c.length - 1;
    while (c[hi] === 0) hi--;
    for (const v of [other.base + lo, other.base + hi])
      if (v < this.base || v >= this.base + this.counts.length) this.cover(v);
    const off = other.base - this.base;
    const mine = this.counts;
    for (let i = lo; i <= hi; i++) mine[off + i] += c[i];
    this.total += other.total;
  }

  /** The k-th largest value (k = 1 is the maximum). */
  kthLargest(k: number): number | null {
    if (k < 1 || k > this.total) return null;
    let seen = 0;
    for (let i = this.counts.length - 1; i >= 0; i--) {
      seen += this.counts[i];
      if (seen >= k) return this.base + i;
    }
    return null;
  }

  /** Sparse form for snapshots: [value, count] of every non-empty cell. */
  toPairs(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.counts.length; i++)
      if (this.counts[i]) out.push([this.base + i, this.counts[i]]);
    return out;
  }

  /**
   * Compact form for snapshots and panes: [value, count, value, count, ...] of the non-empty cells in one
   * flat array (a pair array per cell made tens of thousands of allocations per pane at high rates).
   */
  toFlat(): number[] {
    const out: number[] = [];
    const c = this.counts;
    for (let i = 0; i < c.length; i++) if (c[i]) out.push(this.base + i, c[i]);
    return out;
  }

  /**
   * The snapshot form: toFlat's pairs with each value given as its distance from the previous one (the
   * first as it is). Values are milliseconds since 1970 and mostly 1 ms apart: 14 digits become 1 or 2,
   * and the histograms of intended send times were most of a windowed view's checkpointed panes.
   */
  toGaps(): number[] {
    const out: number[] = [];
    const c = this.counts;
    let prev = 0;
    for (let i = 0; i < c.length; i++)
      if (c[i]) {
        const v = this.base + i;
        out.push(out.length ? v - prev : v, c[i]);
        prev = v;
      }
    return out;
  }

  static fromGaps(gaps: number[]): DenseHistogram {
    const flat = new Array<number>(gaps.length);
    let v = 0;
    for (let i = 0; i < gaps.length; i += 2) {
      v = i === 0 ? gaps[0] : v + gaps[i];
      flat[i] = v;
      flat[i + 1] = gaps[i + 1];
    }
    return DenseHistogram.fromFlat(flat);
  }

  static fromFlat(flat: number[]): DenseHistogram {
    const h = new DenseHistogram();
    if (flat.length < 2) return h;
    const lo = flat[0];
    const hi = flat[flat.length - 2];
    h.base = lo;
    h.counts = new Uint32Array(hi - lo + 1);
    for (let i = 0; i < flat.length; i += 2) {
      h.counts[flat[i] - lo] += flat[i + 1];
      h.total += flat[i + 1];
    }
    return h;
  }

  static fromPairs(pairs: [number, number][]): DenseHistogram {
    const h = new DenseHistogram();
    if (pairs.length === 0) return h;
    // Pairs come in value order (toPairs): one allocation of the whole range, not growth step by step.
    let lo = Infinity;
    let hi = -Infinity;
    for (const [v] of pairs) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    h.base = lo;
    h.counts = new Uint32Array(hi - lo + 1);
    for (const [v, n] of pairs) {
      h.counts[v - lo] += n;
      h.total += n;
    }
    return h;
  }
}
