/**
 * A binary min-heap ordered by (due time, insertion sequence): ties resolve in insertion order, which keeps
 * the simulation deterministic.
 *
 * Due times and sequence numbers live in typed arrays beside the values: at high rates the website model
 * keeps hundreds of thousands of sessions waiting, and sifting through contiguous numbers instead of one
 * object per entry is what keeps a push and a pop per event cheap (cache misses dominated before).
 * Sifting moves a hole instead of swapping pairs.
 */
export class DueHeap<T> {
  private due = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private values: (T | undefined)[] = [];
  private n = 0;
  private seq = 0;

  get size(): number {
    return this.n;
  }

  push(due: number, value: T): void {
    if (this.n === this.due.length) this.grow();
    const d = this.due;
    const q = this.seqs;
    const v = this.values;
    const seq = this.seq++;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pd = d[parent];
      if (!(due < pd || (due === pd && seq < q[parent]))) break;
      d[i] = pd;
      q[i] = q[parent];
      v[i] = v[parent];
      i = parent;
    }
    d[i] = due;
    q[i] = seq;
    v[i] = value;
  }

  /** Due time of the earliest item, Infinity when empty. */
  peekDue(): number {
    return this.n ? this.due[0] : Infinity;
  }

  pop(): { due: number; value: T } | undefined {
    if (this.n === 0) return undefined;
    const d = this.due;
    const q = this.seqs;
    const v = this.values;
    const top = { due: d[0], value: v[0] as T };
    const n = --this.n;
    const lastDue = d[n];
    const lastSeq = q[n];
    const lastValue = v[n];
    v[n] = undefined;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && (d[r] < d[l] || (d[r] === d[l] && q[r] < q[l])) ? r : l;
        if (!(d[m] < lastDue || (d[m] === lastDue && q[m] < lastSeq))) break;
        d[i] = d[m];
        q[i] = q[m];
        v[i] = v[m];
        i = m;
      }
      d[i] = lastDue;
      q[i] = lastSeq;
      v[i] = lastValue;
    }
    return top;
  }

  private grow(): void {
    const d = new Float64Array(this.due.length * 2);
    d.set(this.due);
    this.due = d;
    const q = new Float64Array(this.seqs.length * 2);
    q.set(this.seqs);
    this.seqs = q;
  }
}
