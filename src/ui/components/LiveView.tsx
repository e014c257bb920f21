import { Box, Text, useInput, useStdin } from 'ink';
import { useCallback, useState, type ReactNode } from 'react';
import type { Alert } from '../../events/results.js';
import type { LiveSnapshot } from '../../pipeline/live-stats.js';
import { AlertBatches } from '../alert-batches.js';
import type { BoardState } from '../board.js';
import { clip, fmtClock, fmtCount, fmtMs, fmtPartitionLag, fmtRate } from '../format.js';
import { useAlertStream } from '../hooks/use-alert-stream.js';
import { useBoard } from '../hooks/use-board.js';
import { useFrame } from '../hooks/use-frame.js';
import { useSnapshot } from '../hooks/use-snapshot.js';
import { useTerminalWidth } from '../hooks/use-terminal-width.js';
import { useTerminalRows } from '../hooks/use-terminal-rows.js';
import type { AlertSource, ResultSource, SnapshotSource } from '../sources.js';
import { PrintedAlertLines } from './AlertLine.js';
import { ColorContext, Tx } from './Tx.js';

export interface LiveViewProps {
  /** e.g. "rtap run" or "rtap bench". */
  title: string;
  /** e.g. the transport description. */
  subtitle?: string;
  /** Once-a-second samples (LiveStats). */
  stats: SnapshotSource;
  /** The processor: view results (top pages, active users) and alerts. */
  outputs: ResultSource & AlertSource;
  /** Redraws at most this often. */
  refreshMs: number;
  color: boolean;
  /** Fixed width (tests); the terminal's columns otherwise, following resizes. */
  width?: number;
  /** Fixed height (tests); the terminal's rows otherwise, following resizes. */
  height?: number;
  /** Planned length of the run in seconds, shown next to the elapsed time. */
  totalS?: number | null;
  /** Listen for keys (q quits, Ctrl-C interrupts); only where stdin is a terminal. */
  keys?: boolean;
  onQuit?(): void;
  onInterrupt?(): void;
  /** Most alert lines printed per frame; the rest are counted in a note. */
  maxAlertLinesPerFrame?: number;
  /** A snapshot to show before the first sample arrives (tests, resumed views). */
  initialSnapshot?: LiveSnapshot | null;
}

/** Below this width the view drops to one short fact per line. */
export const NARROW = 60;
/** From this width the top pages get a line each. */
export const WIDE = 100;
const LABEL = 12;

function Row({ label, children, narrow }: { label: string; children: ReactNode; narrow: boolean }) {
  return (
    <Box>
      {!narrow && (
        <Box width={LABEL} flexShrink={0}>
          <Tx dim>{label}</Tx>
        </Box>
      )}
      <Text wrap="truncate">{children}</Text>
    </Box>
  );
}

function latencyText(s: LiveSnapshot, narrow: boolean): string {
  const names = narrow ? (['ingest', 'e2e'] as const) : (['ingest', 'e2e', 'window_close', 'alert'] as const);
  const parts: string[] = [];
  for (const n of names) {
    const l = s.latency[n];
    if (!l) continue;
    parts.push(narrow ? `${n} p99 ${fmtMs(l.p99)}` : `${n} p50 ${fmtMs(l.p50)} p99 ${fmtMs(l.p99)}`);
  }
  return parts.length ? parts.join('   ') : 'waiting for the first interval';
}

function usersText(b: BoardState): string {
  if (b.activeUsersNow === null && b.activeUsersMinute === null) return '-';
  const parts: string[] = [];
  if (b.activeUsersNow !== null) parts.push(`${fmtCount(b.activeUsersNow)} (last 5s window)`);
  if (b.activeUsersMinute !== null) parts.push(`${fmtCount(b.activeUsersMinute)} (this minute)`);
  if (b.pageViewsPerSec !== null) parts.push(`page views ${fmtRate(b.pageViewsPerSec)}`);
  return parts.join('   ');
}

function TopPages({
  board,
  width,
  narrow,
  lines,
}: {
  board: BoardState;
  width: number;
  narrow: boolean;
  /** Lines it may take. */
  lines: number;
}) {
  const pages = board.topPages;
  if (pages.length === 0)
    return (
      <Row label="top pages" narrow={narrow}>
        {narrow ? 'top pages: -' : '-'}
      </Row>
    );
  if (width >= WIDE && lines > 1) {
    const shown = pages.slice(0, Math.min(5, lines));
    const keyWidth = Math.min(Math.max(...shown.map((p) => p.key.length)), width - LABEL - 12);
    return (
      <Box flexDirection="column">
        {shown.map((p, i) => (
          <Row key={p.key} label={i === 0 ? 'top pages' : ''} narrow={false}>
            {`${String(i + 1).padStart(2)}. ${clip(p.key, keyWidth).padEnd(keyWidth)}  ${fmtCount(p.count).padStart(7)}`}
          </Row>
        ))}
      </Box>
    );
  }
  const inline = pages
    .slice(0, narrow ? 1 : 5)
    .map((p) => `${p.key} ${fmtCount(p.count)}`)
    .join(' · ');
  return (
    <Row label="top pages" narrow={narrow}>
      {narrow ? `top ${inline}` : inline}
    </Row>
  );
}

type Part = 'throughput' | 'lag' | 'watermark' | 'latency' | 'users' | 'top' | 'totals';
/** Which rows to keep when the terminal is short, most wanted first. */
const PRIORITY: Part[] = ['throughput', 'latency', 'totals', 'lag', 'watermark', 'users', 'top'];

/**
 * The rows that fit in `budget` lines below the title, and how many lines the top pages get. ink clears
 * the whole screen, scrollback included (ESC[3J), on every frame that is as tall as the terminal, so
 * the view always stays shorter than it and drops rows instead.
 */
export function fitRows(budget: number, topLines: number): { parts: Set<Part>; topLines: number } {
  const parts = new Set<Part>();
  let left = budget;
  let top = 0;
  for (const p of PRIORITY) {
    if (left <= 0) break;
    if (p === 'top') {
      top = Math.min(topLines, left);
      left -= top;
    } else left--;
    parts.add(p);
  }
  return { parts, topLines: top };
}

/**
 * The live view of a running pipeline: throughput in and out, lag per partition, watermark lag, latency
 * percentiles of the last interval, top pages and active users, and alerts as finished lines above it.
 */
export function LiveView(props: LiveViewProps) {
  const { title, subtitle, stats, outputs, refreshMs, color, totalS, keys, onQuit, onInterrupt } = props;
  const [batches] = useState(() => new AlertBatches(props.maxAlertLinesPerFrame ?? 20));
  const { invalidate } = useFrame(refreshMs, () => batches.commit());
  const snap = useSnapshot(stats, invalidate, props.initialSnapshot ?? null);
  const board = useBoard(outputs, invalidate).state();
  const onAlert = useCallback((a: Alert) => batches.push(a), [batches]);
  useAlertStream(outputs, onAlert, invalidate);
  const width = useTerminalWidth(props.width);
  const rows = useTerminalRows(props.height);
  const narrow = width < NARROW;
  // One line for the title, one spare so the frame is never as tall as the terminal.
  const fit = fitRows(
    rows - 2,
    width >= WIDE && !narrow ? Math.max(1, Math.min(5, board.topPages.length)) : 1,
  );
  const show = (p: Part) => fit.parts.has(p);
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') onInterrupt?.();
      else if (input === 'q' || key.escape) onQuit?.();
    },
    { isActive: Boolean(keys && isRawModeSupported) },
  );

  const inner = narrow ? width : width - LABEL;
  const elapsed = snap ? fmtClock(snap.uptimeS) + (totalS ? ` / ${fmtClock(totalS)}` : '') : 'starting';
  const hint = keys && isRawModeSupported ? 'q quit' : '';
  const head = narrow ? `${title} ${elapsed}` : `${title}${subtitle ? ` · ${subtitle}` : ''} · ${elapsed}`;

  return (
    <ColorContext.Provider value={color}>
      <PrintedAlertLines batches={batches} width={width} />
      <Box flexDirection="column" width={width}>
        <Box justifyContent="space-between">
          <Text wrap="truncate">
            <Tx bold fg="cyan">
              {clip(head, Math.max(1, width - hint.length - 1))}
            </Tx>
          </Text>
          {hint && <Tx dim>{hint}</Tx>}
        </Box>
        {snap === null ? (
          <Text>waiting for the first sample…</Text>
        ) : (
          <Box flexDirection="column">
            {show('throughput') && (
              <Row label="throughput" narrow={narrow}>
                {narrow
                  ? `in ${fmtRate(snap.consumedPerSec)} out ${fmtRate(snap.resultsPerSec + snap.alertsPerSec)}`
                  : [
                      snap.producedPerSec !== null ? `sent ${fmtRate(snap.producedPerSec)}` : null,
                      `in ${fmtRate(snap.consumedPerSec)}`,
                      `out ${fmtRate(snap.resultsPerSec + snap.alertsPerSec)} (results ${fmtRate(snap.resultsPerSec)}, alerts ${fmtRate(snap.alertsPerSec)})`,
                    ]
                      .filter(Boolean)
                      .join('   ')}
              </Row>
            )}
            {show('lag') && (
              <Row label="lag" narrow={narrow}>
                {snap.lag.total === null
                  ? 'unknown (the broker does not answer)'
                  : narrow
                    ? `lag ${fmtCount(snap.lag.total)}`
                    : `${fmtCount(snap.lag.total)}   ${fmtPartitionLag(snap.lag.partitions, Math.max(10, inner - 6 - fmtCount(snap.lag.total).length))}`}
              </Row>
            )}
            {show('watermark') && (
              <Row label="watermark" narrow={narrow}>
                {narrow
                  ? `wm lag ${fmtMs(snap.watermarkLagMs)}`
                  : snap.watermark === null
                    ? 'no events yet'
                    : `${fmtMs(snap.watermarkLagMs)} behind now`}
              </Row>
            )}
            {show('latency') && (
              <Row label="latency" narrow={narrow}>
                {latencyText(snap, narrow)}
              </Row>
            )}
            {show('users') && (
              <Row label="users" narrow={narrow}>
                {narrow
                  ? `users ${board.activeUsersNow === null ? '-' : fmtCount(board.activeUsersNow)}`
                  : usersText(board)}
              </Row>
            )}
            {show('top') && <TopPages board={board} width={width} narrow={narrow} lines={fit.topLines} />}
            {show('totals') && (
              <Row label="totals" narrow={narrow}>
                {narrow
                  ? `alerts ${fmtCount(snap.counters.alerts)} dl ${fmtCount(snap.counters.deadLetters)}`
                  : `consumed ${fmtCount(snap.counters.consumed)}   results ${fmtCount(snap.counters.results)}   alerts ${fmtCount(snap.counters.alerts)}   dead letters ${fmtCount(snap.counters.deadLetters)}   late ${fmtCount(snap.counters.late)}   duplicates ${fmtCount(snap.counters.duplicates)}`}
              </Row>
            )}
          </Box>
        )}
      </Box>
    </ColorContext.Provider>
  );
}
