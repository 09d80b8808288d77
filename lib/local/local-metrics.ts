import { METRICS_NAMESPACE, type MetricDimension, type MetricName } from '../../shared/metric-names.ts';
import type { MetricSink, MetricUnitName } from '../../shared/metrics.ts';

interface Series {
  unit: MetricUnitName;
  /** Counts: the sum; times: how many values. */
  count: number;
  sum: number;
  max: number;
}

/** The series' key: the metric name, with its dimension's value when it has one (`Sends outcome=sent`). */
const keyOf = (name: MetricName, dimension?: readonly [MetricDimension, string]) => (dimension ? `${name} ${dimension[0]}=${dimension[1]}` : name);

/**
 * The metrics the handlers emit, counted in the local runtime's process instead of written as EMF:
 * served at GET /local/metrics, and summed a minute at a time for `npm start`'s terminal.
 */
export class LocalMetrics {
  private readonly total = new Map<string, Series>();
  private minute = new Map<string, Series>();
  private readonly startedAt = new Date().toISOString();

  /** The sink to hand to `setMetricSink`. */
  readonly record: MetricSink = (name, value, unit, dimension) => {
    for (const store of [this.total, this.minute]) {
      const key = keyOf(name, dimension);
      const series = store.get(key) ?? { unit, count: 0, sum: 0, max: 0 };
      series.count += unit === 'Count' ? value : 1;
      series.sum += value;
      series.max = Math.max(series.max, value);
      store.set(key, series);
    }
  };

  /** Every series since the runtime started: a count's total, a time's count, average and maximum. */
  snapshot() {
    const metrics = Object.fromEntries(
      [...this.total.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, s]) => [key, s.unit === 'Count' ? s.count : { count: s.count, averageMs: round(s.sum / s.count), maxMs: round(s.max) }]),
    );
    return { namespace: METRICS_NAMESPACE, since: this.startedAt, metrics };
  }

  /** One line of what happened since the last call, counts only; undefined when nothing did. */
  takeMinute(): string | undefined {
    const counts = [...this.minute.entries()].filter(([, s]) => s.unit === 'Count').sort(([a], [b]) => a.localeCompare(b));
    this.minute = new Map();
    if (counts.length === 0) return undefined;
    return counts.map(([key, s]) => `${key.replace(/ \w+=/, ' ')} ${s.count}`).join(', ');
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
