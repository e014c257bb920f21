import type { AnalyticsEvent } from '../../events/types.js';
import { ratio, type DistinctState } from '../aggregations.js';
import { tumbling } from '../windows.js';
import { isPageView } from './classify.js';
import type { ViewContext, ViewSpec } from './spec.js';

interface Acc {
  events: number;
  views: number;
  users: DistinctState;
  sessionsEnded: number;
  bounced: number;
  durationSum: number;
}

/** 000 "Real-time metrics (5-second windows)": page views per second, active users, bounce rate, session duration. */
export function realtimeView(ctx: ViewContext, windowMs = 5000): ViewSpec<Acc> {
  const d = ctx.distinct;
  const create = (): Acc => ({
    events: 0,
    views: 0,
    users: d.init(),
    sessionsEnded: 0,
    bounced: 0,
    durationSum: 0,
  });
  /** Everything but the distinct users (merged by merge(), or as one union by combine()). */
  const mergeCounts = (a: Acc, b: Acc) => {
    a.events += b.events;
    a.views += b.views;
    a.sessionsEnded += b.sessionsEnded;
    a.bounced += b.bounced;
    a.durationSum += b.durationSum;
  };
  return {
    name: 'realtime',
    window: tumbling(windowMs, 'realtime view window'),
    key: () => '',
    create,
    add(a, e: AnalyticsEvent) {
      a.events++;
      if (isPageView(e)) a.views++;
      d.add(a.users, e.user_id);
      if (e.event_type === 'session' && e.action !== 'start') {
        a.sessionsEnded++;
        if (e.page_count <= 1) a.bounced++;
        a.durationSum += e.duration_ms;
      }
    },
    merge(a, b) {
      mergeCounts(a, b);
      d.merge(a.users, b.users);
    },
    combine(parts) {
      const a = create();
      for (const b of parts) mergeCounts(a, b);
      a.users = d.union(parts.map((b) => b.users));
      return a;
    },
    result(a, r) {
      const secs = (r.windowEnd - r.windowStart) / 1000;
      return {
        events: a.events,
        events_per_sec: a.events / secs,
        page_views: a.views,
        page_views_per_sec: a.views / secs,
        active_users: d.result(a.users),
        sessions_ended: a.sessionsEnded,
        bounce_rate: ratio(a.bounced, a.sessionsEnded),
        avg_session_duration_ms: ratio(a.durationSum, a.sessionsEnded),
      };
    },
  };
}
