/** The InfluxDB sink (docs/influx.md): `createInfluxSink(options)`, options from flags or INFLUX_* env. */
export { createInfluxSink, InfluxSink, type InfluxSinkStats } from './sink.js';
export {
  INFLUX_DEFAULTS,
  influxOptionsFromEnv,
  resolveInfluxOptions,
  type InfluxSinkOptions,
  type ResolvedInfluxOptions,
} from './options.js';
export { alertLine, measurementOf, resultLine } from './points.js';
