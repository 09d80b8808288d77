import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE, type MetricDimension, type MetricName } from './metric-names.ts';

export type MetricUnitName = 'Count' | 'Milliseconds';

/** Where metric values go: CloudWatch (as EMF log lines) by default; the local runtime counts them itself. */
export type MetricSink = (name: MetricName, value: number, unit: MetricUnitName, dimension?: readonly [MetricDimension, string]) => void;

let powertools: Metrics | undefined;

/**
 * Each value is written at once as its own EMF line, so a value is never lost to an invocation
 * that ends early, and no wrapper has to flush.
 */
const emf: MetricSink = (name, value, unit, dimension) => {
  powertools ??= new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'twilio-notifications' });
  const metric = powertools.singleMetric();
  if (dimension) metric.addDimension(dimension[0], dimension[1]);
  metric.addMetric(name, unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, value);
};

let sink: MetricSink = emf;

/** Counts one event (or `value` of them). */
export function countMetric(name: MetricName, dimension?: readonly [MetricDimension, string], value = 1): void {
  if (value > 0) sink(name, value, 'Count', dimension);
}

/** Records how long something took. */
export function timeMetric(name: MetricName, ms: number, dimension?: readonly [MetricDimension, string]): void {
  sink(name, ms, 'Milliseconds', dimension);
}

/** Sends metric values somewhere else (the local runtime's counters, a test's list). */
export function setMetricSink(next: MetricSink): void {
  sink = next;
}
