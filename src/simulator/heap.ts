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

  // Sifting moves a hole instead of swapping pairs: the generator pushes and pops once per event.
  push(due: number, value: T): void {
    const items = this.items;
    const item = { due, seq: this.seq++, value };
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!(item.due < p.due || (item.due === p.due && item.seq < p.seq))) break;
      items[i] = p;
      i = parent;
    }
    items[i] = item;
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
    const n = items.length;
    if (n) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const m = r < n && less(items[r], items[l]) ? r : l;
        if (!less(items[m], last)) break;
        items[i] = items[m];
        i = m;
      }
      items[i] = last;
    }
    return { due: top.due, value: top.value };
  }
}

function less(x: { due: number; seq: number }, y: { due: number; seq: number }): boolean {
  return x.due < y.due || (x.due === y.due && x.seq < y.seq);
}
