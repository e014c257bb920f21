import { Static, Text } from 'ink';
import type { Alert, Severity } from '../../events/results.js';
import type { AlertBatches } from '../alert-batches.js';
import { clip, fmtTimeOfDay } from '../format.js';
import { SEVERITY_LABEL } from '../plain.js';
import { Tx } from './Tx.js';

const SEVERITY_COLOR = { critical: 'red', warning: 'yellow', info: 'cyan' } as const satisfies Record<
  Severity,
  string
>;

/** One finished alert line (printed once, above the live area). Long messages are cut to the width. */
export function AlertLine({ alert, width }: { alert: Alert; width: number }) {
  const head = `${fmtTimeOfDay(alert.detected_at)} ${SEVERITY_LABEL[alert.severity] ?? alert.severity} `;
  const who = `${alert.pattern} ${alert.key}  `;
  const room = Math.max(0, width - head.length - who.length);
  return (
    <Text wrap="truncate">
      <Tx dim>{head.slice(0, 9)}</Tx>
      <Tx fg={SEVERITY_COLOR[alert.severity]} bold>
        {head.slice(9)}
      </Tx>
      <Tx bold>{alert.pattern}</Tx> <Tx fg="gray">{alert.key}</Tx>
      {'  '}
      {clip(alert.message, room)}
    </Text>
  );
}

/** The lines printed above the live area: alerts and notes of the current batch, each printed once. */
export function PrintedAlertLines({
  batches,
  width,
}: {
  batches: Pick<AlertBatches, 'generation' | 'batch'>;
  width: number;
}) {
  return (
    <Static key={batches.generation} items={batches.batch}>
      {(line) =>
        'alert' in line ? (
          <AlertLine key={line.id} alert={line.alert} width={width} />
        ) : (
          <Text key={line.id} wrap="truncate">
            {line.note}
          </Text>
        )
      }
    </Static>
  );
}
