import { describe, expect, it } from 'vitest';
import { LocalMetrics } from '../../../lib/local/local-metrics.ts';
import { metricNames } from '../../../shared/metric-names.ts';

describe('LocalMetrics', () => {
  it('counts each series by its dimension, and times by count, average and maximum', () => {
    const metrics = new LocalMetrics();
    metrics.record(metricNames.sends, 1, 'Count', ['outcome', 'sent']);
    metrics.record(metricNames.sends, 1, 'Count', ['outcome', 'sent']);
    metrics.record(metricNames.sends, 1, 'Count', ['outcome', 'failed']);
    metrics.record(metricNames.reconciliationFixes, 3, 'Count');
    metrics.record(metricNames.processingTime, 10, 'Milliseconds', ['queue', 'notification']);
    metrics.record(metricNames.processingTime, 30, 'Milliseconds', ['queue', 'notification']);
    expect(metrics.snapshot()).toMatchObject({
      namespace: 'TwilioNotifications',
      metrics: {
        'Sends outcome=sent': 2,
        'Sends outcome=failed': 1,
        ReconciliationFixes: 3,
        'ProcessingTime queue=notification': { count: 2, averageMs: 20, maxMs: 30 },
      },
    });
  });

  it('sums a minute of counts into one line, and has nothing to say for a quiet minute', () => {
    const metrics = new LocalMetrics();
    expect(metrics.takeMinute()).toBeUndefined();
    metrics.record(metricNames.sends, 1, 'Count', ['outcome', 'sent']);
    metrics.record(metricNames.statusCallbacks, 1, 'Count', ['status', 'delivered']);
    metrics.record(metricNames.processingTime, 10, 'Milliseconds', ['queue', 'notification']);
    expect(metrics.takeMinute()).toBe('Sends sent 1, StatusCallbacks delivered 1');
    expect(metrics.takeMinute()).toBeUndefined();
    // The totals keep counting across minutes.
    metrics.record(metricNames.sends, 1, 'Count', ['outcome', 'sent']);
    expect(metrics.snapshot().metrics['Sends outcome=sent']).toBe(2);
  });
});
