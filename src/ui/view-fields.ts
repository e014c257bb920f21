import type { FieldValue, ViewResult } from '../events/results.js';

/**
 * The one place the terminal UI reads engine view fields (src/engine/views/*.ts, docs/views.md). If a
 * view or field is renamed, this file is the fix.
 */
export const UI_VIEWS = {
  /** 1-minute business window: top pages and active users of the minute. */
  business: 'business',
  /** 5-second real-time window: active users right now, page views per second. */
  realtime: 'realtime',
} as const;

export interface RankedItem {
  key: string;
  count: number;
}

function num(v: FieldValue | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** business.top_pages: [{ key, views }] best first. */
export function topPagesOf(r: ViewResult): RankedItem[] {
  const raw = r.fields.top_pages;
  if (!Array.isArray(raw)) return [];
  const out: RankedItem[] = [];
  for (const item of raw) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) continue;
    const count = num(item.views);
    if (typeof item.key === 'string' && count !== null) out.push({ key: item.key, count });
  }
  return out;
}

/** active_users of a realtime or business result. */
export function activeUsersOf(r: ViewResult): number | null {
  return num(r.fields.active_users);
}

/** realtime.page_views_per_sec. */
export function pageViewsPerSecOf(r: ViewResult): number | null {
  return num(r.fields.page_views_per_sec);
}
