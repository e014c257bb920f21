import type { Alert, Severity } from '../events/results.js';
import type { LiveSnapshot } from '../pipeline/live-stats.js';
import type { BoardState } from './board.js';
import { fmtCount, fmtMs, fmtRate, fmtTimeOfDay } from './format.js';

/**
 * Plain serializers: what the views print when output is not an interactive terminal (a pipe, a file,
 * CI). The same data as the ink components, one line per item, no colour, no cursor movement.
 */

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'CRIT', warning: 'WARN', info: 'INFO' };

/** One alert as a finished line: "14:03:27 CRIT fraud_multi_country u-42  user u-42 bought from 2 countries". */
export function alertText(a: Alert): string {
  return `${fmtTimeOfDay(a.detected_at)} ${SEVERITY_LABEL[a.severity] ?? a.severity} ${a.pattern} ${a.key}  ${a.message}`;
}

/** One alert as one JSON object on one line (`rtap alerts --json`, or not a TTY). */
export function alertJson(a: Alert): string {
  return JSON.stringify(a);
}

/** The live view as one periodic line. */
export function snapshotLine(title: string, s: LiveSnapshot, board: BoardState): string {
  const lat = (name: keyof LiveSnapshot['latency']) => {
    const l = s.latency[name];
    return l ? ` ${name} p50 ${fmtMs(l.p50)} p99 ${fmtMs(l.p99)}` : '';
  };
  const c = s.counters;
  const parts = [
    `[${title} ${s.uptimeS.toFixed(0)}s]`,
    ...(s.producedPerSec !== null ? [`sent ${fmtRate(s.producedPerSec)}`] : []),
    `in ${fmtRate(s.consumedPerSec)}`,
    `out ${fmtRate(s.resultsPerSec + s.alertsPerSec)}`,
    `lag ${s.lag.total === null ? 'unknown' : fmtCount(s.lag.total)}`,
    `wm lag ${fmtMs(s.watermarkLagMs)}`,
  ];
  const latency = (lat('ingest') + lat('e2e') + lat('alert')).trim();
  if (latency) parts.push(latency);
  if (board.activeUsersNow !== null) parts.push(`active users ${fmtCount(board.activeUsersNow)}`);
  if (board.topPages.length)
    parts.push(`top ${board.topPages[0].key} (${fmtCount(board.topPages[0].count)})`);
  parts.push(
    `results ${fmtCount(c.results)} alerts ${fmtCount(c.alerts)} dead letters ${fmtCount(c.deadLetters)}`,
  );
  return parts.join(', ');
}
