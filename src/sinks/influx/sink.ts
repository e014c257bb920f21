import type { Output, Sink } from '../types.js';
import { Delivery, type DeliveryStats } from '../delivery/delivery.js';
import { resolveInfluxOptions, type InfluxSinkOptions, type ResolvedInfluxOptions } from './options.js';
import { alertLine, resultLine, type PointSettings } from './points.js';
import { BatchWriter } from './writer.js';

/**
 * The InfluxDB sink (docs/influx.md). write() encodes outputs into line protocol and hands the lines to
 * the reliable delivery loop (delivery/delivery.ts): a bounded ordered buffer, one request of up to
 * batchSize lines in flight, retries with backoff and jitter, a circuit breaker, back-pressure. Lines
 * leave the buffer only when the server acknowledged them, so an outage costs time, never points.
 */

export interface InfluxSinkStats extends DeliveryStats {
  /** Early (non-final) results not written (includeEarly off). */
  skipped_early: number;
  /** NaN/Infinity field values left out of their points. */
  invalid_fields: number;
}

export class InfluxSink implements Sink {
  readonly name = 'influx';
  private readonly o: ResolvedInfluxOptions;
  private readonly points: PointSettings;
  private readonly writer: BatchWriter;
  private readonly delivery: Delivery<string>;
  private skippedEarly = 0;
  private invalidFields = 0;
  private warnedFields = new Set<string>();

  constructor(options: InfluxSinkOptions) {
    this.o = resolveInfluxOptions(options);
    this.points = {
      measurementPrefix: this.o.measurementPrefix,
      alertMeasurement: this.o.alertMeasurement,
      tags: this.o.tags,
    };
    this.writer = new BatchWriter(this.o);
    this.delivery = new Delivery<string>({
      ...this.o,
      sink: 'influx sink',
      target: this.o.url,
      unit: 'points',
      maxBuffered: this.o.maxBufferedPoints,
      send: (lines) => this.writer.send(lines),
      describe: (line) => line,
    });
  }

  write(outputs: Output[]): Promise<void> | void {
    const lines: string[] = [];
    for (const out of outputs) {
      if (out.kind === 'alert') lines.push(alertLine(out.alert, this.points));
      else if (out.result.emit === 'final' || this.o.includeEarly)
        lines.push(resultLine(out.result, this.points, this.onInvalid));
      else this.skippedEarly++;
    }
    return this.delivery.push(lines);
  }

  flush(): Promise<void> {
    return this.delivery.flush();
  }

  async close(): Promise<void> {
    try {
      await this.delivery.close();
    } finally {
      this.writer.dispose();
    }
  }

  stats(): InfluxSinkStats {
    return { ...this.delivery.stats(), skipped_early: this.skippedEarly, invalid_fields: this.invalidFields };
  }

  private onInvalid = (measurement: string, field: string, value: number): void => {
    this.invalidFields++;
    const id = `${measurement}.${field}`;
    if (!this.warnedFields.has(id)) {
      this.warnedFields.add(id);
      this.o.log(
        `field ${field} of ${measurement} is ${value}, which InfluxDB cannot store; left out of the point (counted in invalid_fields)`,
      );
    }
  };
}

export function createInfluxSink(options: InfluxSinkOptions): InfluxSink {
  return new InfluxSink(options);
}
