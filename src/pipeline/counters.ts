/**
 * What a processor has done with its input. Every consumed record ends in exactly one of: accepted (`valid`
 * minus late, duplicates and future), `duplicates`, `late`, `future`, or malformed (a dead letter that never
 * decoded): consumed = accepted + duplicates + late + future + malformed.
 */
export interface ProcessorCounters {
  consumed: number;
  /** Decoded and valid events (accepted, duplicate, late or future). */
  valid: number;
  /** Records that did not decode or validate. */
  malformed: number;
  /** Dead letters written: malformed records, late and future events, late panes. */
  deadLetters: number;
  late: number;
  duplicates: number;
  /** Events dated too far ahead (engine maxFutureSkewMs), dead-lettered as `future_timestamp`. */
  future: number;
  results: number;
  finalResults: number;
  alerts: number;
  /** Alerts raised by the end of input (drain): pending absence timeouts fired as if they had elapsed. */
  endOfInputAlerts: number;
  /** Partial matches CEP dropped at its limits (per key, in total): alerts that needed them are lost. */
  partialMatchesEvicted: number;
  /** Highest backlog (records behind the high watermark when a batch arrived) on any partition. */
  maxLag: number;
  deadLetterReasons: Record<string, number>;
}

export function newCounters(): ProcessorCounters {
  return {
    consumed: 0,
    valid: 0,
    malformed: 0,
    deadLetters: 0,
    late: 0,
    duplicates: 0,
    future: 0,
    results: 0,
    finalResults: 0,
    alerts: 0,
    endOfInputAlerts: 0,
    partialMatchesEvicted: 0,
    maxLag: 0,
    deadLetterReasons: {},
  };
}

/** Sets every count of `c` back to zero, in place (a worker's counts are sent per reply). */
export function resetCounters(c: ProcessorCounters): void {
  const zero = newCounters();
  for (const k of Object.keys(zero) as (keyof ProcessorCounters)[]) {
    if (k === 'deadLetterReasons') c.deadLetterReasons = {};
    else c[k] = 0;
  }
}

/** Adds the counts of `d` (another thread's) into `c`; maxLag takes the larger. */
export function addCounters(c: ProcessorCounters, d: ProcessorCounters): void {
  for (const k of Object.keys(d) as (keyof ProcessorCounters)[]) {
    if (k === 'deadLetterReasons') {
      for (const [r, n] of Object.entries(d.deadLetterReasons))
        c.deadLetterReasons[r] = (c.deadLetterReasons[r] ?? 0) + n;
    } else if (k === 'maxLag') c.maxLag = Math.max(c.maxLag, d.maxLag);
    else c[k] += d[k];
  }
}

/** The counters as reports print them (`--json` summaries of process and bench). */
export function countersReport(c: ProcessorCounters) {
  return {
    consumed: c.consumed,
    accepted: c.valid - c.late - c.duplicates - c.future,
    duplicates: c.duplicates,
    late: c.late,
    future: c.future,
    malformed: c.malformed,
    valid: c.valid,
    dead_letters: c.deadLetters,
    dead_letter_reasons: c.deadLetterReasons,
    results: c.results,
    final_results: c.finalResults,
    alerts: c.alerts,
    end_of_input_alerts: c.endOfInputAlerts,
    partial_matches_evicted: c.partialMatchesEvicted,
  };
}
