/**
 * A binary min-heap ordered by (due time, insertion sequence): ties resolve in insertion order, which keeps
 * the simulation deterministic.
 */
export class DueHeap<T> {
  private items: { due: number; seq: number; value: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(due: number, value: T): void {
    const items = this.items;
    items.push({ due, seq: this.seq++, value });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  /** Due time of the earliest item, Infinity when empty. */
  peekDue(): number {
    return this.items.length ? this.items[0].due : Infinity;
  }

  pop(): { due: number; value: T } | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(l, m)) m = l;
        if (r < items.length && this.less(r, m)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return { due: top.due, value: top.value };
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a];
    const y = this.items[b];
    return x.due < y.due || (x.due === y.due && x.seq < y.seq);
  }
}
