import { Box, Text, useInput, useStdin, useStdout } from 'ink';
import { useCallback, useEffect, useState } from 'react';
import type { Alert } from '../../events/results.js';
import { formatFilter, isEmptyFilter, type AlertFilter } from '../alert-filter.js';
import { AlertsModel } from '../alerts-model.js';
import { clip, fmtAge, fmtCount } from '../format.js';
import { useAlertStream } from '../hooks/use-alert-stream.js';
import { useFilterPrompt } from '../hooks/use-filter-prompt.js';
import { useFrame } from '../hooks/use-frame.js';
import { useStatus } from '../hooks/use-status.js';
import { useTerminalWidth } from '../hooks/use-terminal-width.js';
import { useTicker } from '../hooks/use-ticker.js';
import { SEVERITY_LABEL } from '../plain.js';
import type { AlertSource, StatusSource } from '../sources.js';
import { PrintedAlertLines } from './AlertLine.js';
import { ColorContext, Tx } from './Tx.js';

export interface AlertsViewProps {
  feed: AlertSource;
  /** The feed's state in words ("catching up", "following"), shown in the footer. */
  status?: StatusSource;
  /** What is being followed, e.g. "cep-alerts on kafka 127.0.0.1:9092". */
  source: string;
  filter: AlertFilter;
  /** Stop after this many shown alerts. */
  max?: number | null;
  refreshMs: number;
  color: boolean;
  width?: number;
  /** Listen for keys; only where stdin is a terminal. */
  keys?: boolean;
  onQuit?(): void;
  onInterrupt?(): void;
  /** --max alerts have been shown. */
  onDone?(): void;
  /** Wall clock (tests pass a fixed one). */
  now?: () => number;
}

const CLEAR_SCREEN = '\x1b[2J\x1b[3J\x1b[H';

const HELP = [
  'p        pause / resume printing (alerts keep being counted and are held)',
  'f        filter: pattern:NAME severity:critical,warning key:USER (a bare word is a pattern; empty clears)',
  'c        clear the screen and the counters',
  'q        quit        ? this help',
];

/**
 * `rtap alerts` on a terminal: each alert a finished line, above a footer with counts per severity and
 * pattern, alerts per minute and the age of the last alert. Keys: p pause, f filter, c clear, q quit, ? help.
 */
export function AlertsView(props: AlertsViewProps) {
  const { feed, source, refreshMs, color, keys, onQuit, onInterrupt, onDone } = props;
  const now = props.now ?? Date.now;
  const [model] = useState(() => new AlertsModel(props.filter, props.max ?? null, now()));
  const { invalidate, frame } = useFrame(refreshMs, () => model.batches.commit());
  useTicker(1000, invalidate);
  const onAlert = useCallback((a: Alert) => void model.add(a, now()), [model, now]);
  useAlertStream(feed, onAlert, invalidate);
  const status = useStatus(props.status, invalidate, 'starting');
  const width = useTerminalWidth(props.width);
  const narrow = width < 60;
  const [help, setHelp] = useState(false);
  const prompt = useFilterPrompt();
  const { write } = useStdout();
  const { isRawModeSupported } = useStdin();

  // --max: once the last accepted alert has been moved into the printed batch, the tail is done.
  useEffect(() => {
    if (model.full && model.heldCount === 0) onDone?.();
  }, [frame, model, onDone]);

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') return onInterrupt?.();
      if (prompt.text !== null) {
        const f = prompt.key(input, key);
        if (f) model.setFilter(f);
        invalidate();
        return;
      }
      if (input === 'q') onQuit?.();
      else if (input === 'p') model.togglePause();
      else if (input === 'f') prompt.open(formatFilter(model.filter));
      else if (input === '?') setHelp((h) => !h);
      else if (input === 'c') {
        model.clear(now());
        write(CLEAR_SCREEN);
      } else if (key.escape) setHelp(false);
      invalidate();
    },
    { isActive: Boolean(keys && isRawModeSupported) },
  );

  const t = now();
  const tally = model.tally;
  const perMin = tally.perMinute(t, model.since);
  const sev = (['critical', 'warning', 'info'] as const).map((s) => (
    <Text key={s}>
      <Tx fg={s === 'critical' ? 'red' : s === 'warning' ? 'yellow' : 'cyan'} bold>
        {SEVERITY_LABEL[s]}
      </Tx>{' '}
      {fmtCount(tally.bySeverity[s])}
      {'  '}
    </Text>
  ));
  const patternsText = tally
    .patterns()
    .map(([p, n]) => `${p} ${fmtCount(n)}`)
    .join(' · ');
  const filterText = isEmptyFilter(model.filter) ? '' : formatFilter(model.filter);
  const summary = [
    `${fmtCount(tally.total)} alert${tally.total === 1 ? '' : 's'}`,
    `${perMin >= 10 ? Math.round(perMin) : +perMin.toFixed(1)}/min`,
    `last ${fmtAge(tally.ageMs(t))}`,
    ...(filterText ? [`filter ${filterText} (${fmtCount(model.hidden)} hidden)`] : []),
  ].join(' · ');
  const head = narrow ? status : `${source} · ${status}`;

  return (
    <ColorContext.Provider value={color}>
      <PrintedAlertLines batches={model.batches} width={width} />
      <Box flexDirection="column" width={width}>
        <Text wrap="truncate">
          <Tx dim>{`── ${clip(head, width - 4)} ${'─'.repeat(width)}`.slice(0, width)}</Tx>
        </Text>
        {model.paused && (
          <Text wrap="truncate">
            <Tx inverse bold>
              {' PAUSED '}
            </Tx>{' '}
            {fmtCount(model.heldCount)} held · p to resume
          </Text>
        )}
        <Text wrap="truncate">{summary}</Text>
        <Text wrap="truncate">
          {sev}
          {!narrow && patternsText ? <Tx dim>{'│ '}</Tx> : null}
          {!narrow ? patternsText : null}
        </Text>
        {prompt.text !== null ? (
          <Box flexDirection="column">
            <Text wrap="truncate">
              <Tx bold>filter&gt; </Tx>
              {prompt.text}
              <Tx inverse> </Tx>
            </Text>
            <Text wrap="truncate">
              {prompt.error ? (
                <Tx fg="red">{prompt.error}</Tx>
              ) : (
                <Tx dim>Enter apply · Esc cancel · e.g. severity:critical fraud key:u-42</Tx>
              )}
            </Text>
          </Box>
        ) : help ? (
          <Box flexDirection="column">
            {HELP.map((h) => (
              <Text key={h} wrap="truncate">
                {h}
              </Text>
            ))}
          </Box>
        ) : keys && isRawModeSupported ? (
          <Text wrap="truncate">
            <Tx dim>{narrow ? 'p f c q ?' : 'p pause  f filter  c clear  q quit  ? help'}</Tx>
          </Text>
        ) : null}
      </Box>
    </ColorContext.Provider>
  );
}
