/**
 * Number and time formatting for the terminal UI. Kept apart from the components so the plain (non-TTY)
 * serializers print exactly the same numbers as the ink views.
 */

/** 1234 → "1,234"; 1234567 → "1.23M" (big counts stay short in a status line). */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a >= 1e9) return `${+(n / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  // Grouped by hand: Node builds with small ICU ignore the locale argument of toLocaleString.
  const digits = String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 && Math.round(n) !== 0 ? `-${digits}` : digits;
}

/** Events per second: "0/s", "12.5/s", "850/s", "12.3k/s". */
export function fmtRate(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined || !Number.isFinite(perSec)) return '-';
  const a = Math.abs(perSec);
  if (a >= 1e6) return `${+(perSec / 1e6).toFixed(2)}M/s`;
  if (a >= 1e4) return `${+(perSec / 1e3).toFixed(1)}k/s`;
  if (a >= 100 || perSec === 0) return `${fmtCount(perSec)}/s`;
  return `${+perSec.toFixed(1)}/s`;
}

/** A latency or lag in ms: "0.4ms", "12ms", "1.25s", "3m05s". */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 10) return `${+ms.toFixed(1)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** Elapsed seconds as a clock: 75 → "01:15", 3725 → "1:02:05". */
export function fmtClock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** How long ago: "now", "4s ago", "2m10s ago"; "never" without a time. */
export function fmtAge(ms: number | null): string {
  if (ms === null) return 'never';
  if (ms < 1000) return 'now';
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s ago`;
  return `${fmtMs(ms)} ago`;
}

/** Wall-clock time of day (local), for alert lines: "14:03:27". */
export function fmtTimeOfDay(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
}

/** Short topic names for the lag line: the reference names are long and the terminal is not. */
const SHORT_TOPIC: Record<string, string> = {
  'website-analytics-events': 'events',
  'user-events': 'user',
  'product-view': 'views',
  orders: 'orders',
};

export interface TopicLag {
  topic: string;
  /** Lag per partition, indexed by partition number (partitions never seen are absent). */
  partitions: { partition: number; lag: number }[];
  total: number;
}

/** Groups "topic/partition" → lag (LiveSnapshot.lag.partitions) by topic, partitions in order. */
export function lagByTopic(partitions: Record<string, number>): TopicLag[] {
  const by = new Map<string, TopicLag>();
  for (const [tp, lag] of Object.entries(partitions)) {
    const cut = tp.lastIndexOf('/');
    const topic = tp.slice(0, cut);
    const partition = Number(tp.slice(cut + 1));
    let t = by.get(topic);
    if (!t) by.set(topic, (t = { topic, partitions: [], total: 0 }));
    t.partitions.push({ partition, lag });
    t.total += lag;
  }
  const out = [...by.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  for (const t of out) t.partitions.sort((a, b) => a.partition - b.partition);
  return out;
}

export function shortTopic(topic: string): string {
  return SHORT_TOPIC[topic] ?? topic;
}

/**
 * Per-partition lag in at most `width` characters: "events[0 0 3 0 …] user[0 0 0]". When the full list
 * does not fit, each topic collapses to its total and worst partition: "events Σ3 max p2=3".
 */
export function fmtPartitionLag(partitions: Record<string, number>, width: number): string {
  const topics = lagByTopic(partitions);
  if (topics.length === 0) return 'no partitions yet';
  const full = topics
    .map((t) => `${shortTopic(t.topic)}[${t.partitions.map((p) => fmtCount(p.lag)).join(' ')}]`)
    .join(' ');
  if (full.length <= width) return full;
  const compact = topics
    .map((t) => {
      const worst = t.partitions.reduce((a, b) => (b.lag > a.lag ? b : a));
      return worst.lag === 0
        ? `${shortTopic(t.topic)} 0`
        : `${shortTopic(t.topic)} Σ${fmtCount(t.total)} max p${worst.partition}=${fmtCount(worst.lag)}`;
    })
    .join('  ');
  return compact.length <= width ? compact : compact.slice(0, Math.max(0, width - 1)) + '…';
}

/** Cuts a string to `width` characters with an ellipsis. */
export function clip(s: string, width: number): string {
  if (width <= 0) return '';
  return s.length <= width ? s : s.slice(0, width - 1) + '…';
}
