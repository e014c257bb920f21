import { resultId } from '../events/results.js';
import type { Producer } from '../transport/types.js';
import type { Output, Sink, SinkStats } from './types.js';

export interface TopicSinkOptions {
  resultsTopic: string;
  alertsTopic: string;
  /** Early results are for live views; by default only finals go to the compacted topic. */
  includeEarly?: boolean;
}

/**
 * Writes results to the processed-metrics topic, keyed by view|key|window so compaction keeps the latest
 * per window, and alerts to the cep-alerts topic keyed by the match key. JSON values.
 */
export class TopicSink implements Sink {
  readonly name = 'kafka-topics';
  private results = 0;
  private alerts = 0;

  constructor(
    private readonly producer: Producer,
    private readonly options: TopicSinkOptions,
  ) {}

  async write(outputs: Output[]): Promise<void> {
    const results = [];
    const alerts = [];
    for (const o of outputs) {
      if (o.kind === 'result') {
        if (o.result.emit === 'early' && !this.options.includeEarly) continue;
        results.push({
          key: resultId(o.result),
          value: Buffer.from(JSON.stringify(o.result)),
          headers: { view: o.result.view, emit: o.result.emit },
        });
      } else {
        alerts.push({
          key: o.alert.key,
          value: Buffer.from(JSON.stringify(o.alert)),
          headers: { pattern: o.alert.pattern, severity: o.alert.severity },
        });
      }
    }
    const sends: Promise<unknown>[] = [];
    if (results.length) sends.push(this.producer.send(this.options.resultsTopic, results));
    if (alerts.length) sends.push(this.producer.send(this.options.alertsTopic, alerts));
    await Promise.all(sends);
    this.results += results.length;
    this.alerts += alerts.length;
  }

  flush(): Promise<void> {
    return this.producer.flush();
  }

  async close(): Promise<void> {
    await this.producer.flush();
  }

  stats(): SinkStats {
    // The producer retries and buffers on its own; what counts here is what it acknowledged.
    return {
      written: this.results + this.alerts,
      retried: 0,
      buffered: 0,
      failed: 0,
      results: this.results,
      alerts: this.alerts,
    };
  }
}
