import { evaluateThresholds, type Threshold } from './gate.js';
import type { BenchOptions } from './run.js';
import { runBench } from './run.js';
import type { BenchReport } from '../reporting/report.js';
import type { Transport } from '../transport/types.js';

export interface FindMaxStep {
  ratePerSec: number;
  passed: boolean;
  reasons: string[];
  throughputPerSec: number;
  finalLag: number;
  latency: BenchReport['latency'];
}

export interface FindMaxOptions {
  slo: Threshold[];
  startRate: number;
  /** Never try above this rate (events/s). */
  maxRate: number;
  /** Bisection rounds after the first failing doubling. */
  refineSteps: number;
  openTransport(): Promise<Transport>;
  base: Omit<BenchOptions, 'transport' | 'shape' | 'sinks'>;
  onStep?(step: FindMaxStep): void;
}

/**
 * Steps the rate up (doubling, then bisecting) and returns the highest rate the pipeline sustains: the
 * generator holds its schedule, every SLO holds, and consumer lag stays bounded (the last second's lag is
 * under one second's worth of events, i.e. the processor keeps up rather than falling behind).
 */
export async function findMaxRate(
  o: FindMaxOptions,
): Promise<{ maxRatePerSec: number | null; steps: FindMaxStep[] }> {
  const steps: FindMaxStep[] = [];
  const trial = async (rate: number): Promise<boolean> => {
    const transport = await o.openTransport();
    try {
      const { report } = await runBench({
        ...o.base,
        transport,
        shape: { kind: 'constant', ratePerSec: rate },
        sinks: [],
      });
      const reasons: string[] = [];
      if (!report.load.schedule_held) reasons.push(report.load.schedule_note);
      const finalLag = report.intervals.at(-1)?.lag ?? 0;
      if (finalLag > rate)
        reasons.push(
          `consumer lag ${finalLag} at the end of the step (more than one second of events): the processor falls behind`,
        );
      for (const g of evaluateThresholds(o.slo, report)) if (!g.passed) reasons.push(g.message);
      const step: FindMaxStep = {
        ratePerSec: Math.round(rate),
        passed: reasons.length === 0,
        reasons,
        throughputPerSec: report.pipeline.throughput_per_sec,
        finalLag,
        latency: Object.fromEntries(
          Object.entries(report.latency).map(([k, v]) => [k, { ...v!, histogram: '' }]),
        ),
      };
      steps.push(step);
      o.onStep?.(step);
      return step.passed;
    } finally {
      await transport.close();
    }
  };
  let good: number | null = null;
  let bad: number | null = null;
  let rate = o.startRate;
  while (rate <= o.maxRate && !o.base.signal?.aborted) {
    if (await trial(rate)) {
      good = rate;
      rate *= 2;
    } else {
      bad = rate;
      break;
    }
  }
  if (good !== null && bad !== null) {
    for (let i = 0; i < o.refineSteps && !o.base.signal?.aborted; i++) {
      const mid = Math.round((good + bad) / 2);
      if (await trial(mid)) good = mid;
      else bad = mid;
    }
  }
  return { maxRatePerSec: good === null ? null : Math.round(good), steps };
}
