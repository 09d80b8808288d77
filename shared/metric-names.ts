/**
 * The application's metrics: one CloudWatch namespace, and at most one dimension on each metric
 * besides the service. The handlers emit them (`shared/metrics.ts`); the dashboard and the alarms
 * (`lib/observability.ts`) and the local runtime's `/local/metrics` read them by these names.
 */
export const METRICS_NAMESPACE = 'TwilioNotifications';

export const metricNames = {
  /** Notifications the sender handled, by `outcome`: sent, failed, suppressed (opted out), skipped, retry, gaveUp. */
  sends: 'Sends',
  /** Sends that failed or will be retried, by Twilio's (or SendGrid's) `errorCode`. */
  sendErrors: 'SendErrors',
  /** Twilio answered 429 (too many requests). */
  throttled: 'TwilioThrottled',
  /** Queue records put back with a delay to wait (a send slot, an open circuit, a due time); not failures. */
  deferrals: 'Deferrals',
  /** The circuit breaker opened: Twilio kept failing, so sends pause. */
  breakerOpens: 'BreakerOpens',
  /** Status callbacks Twilio posted, by Twilio's `status`. */
  statusCallbacks: 'StatusCallbacks',
  /** Status callbacks kept on the status-callback queue because the log was slow or failing. */
  statusCallbacksDeferred: 'StatusCallbacksDeferred',
  /** Requests to a Twilio webhook without a valid X-Twilio-Signature. */
  signatureFailures: 'WebhookSignatureFailures',
  /** Notifications reconciliation found stuck (no final status long after the send). */
  reconciliationStuck: 'ReconciliationStuck',
  /** Stuck notifications reconciliation moved forward with what Twilio reported. */
  reconciliationFixes: 'ReconciliationFixes',
  /** POST /messages, by `outcome`: accepted, rateLimited, duplicate. */
  ingest: 'Ingest',
  /** Milliseconds a queue record took to handle, by `queue`. */
  processingTime: 'ProcessingTime',
} as const;

export type MetricName = (typeof metricNames)[keyof typeof metricNames];

/** The one dimension a metric may carry, by name. */
export const metricDimensions = { outcome: 'outcome', errorCode: 'errorCode', status: 'status', queue: 'queue' } as const;
export type MetricDimension = (typeof metricDimensions)[keyof typeof metricDimensions];
