import { Duration, NestedStack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, metricNames, type MetricDimension, type MetricName } from '../shared/metric-names.ts';
import type { AppFunction } from './constructs/app-function.ts';
import type { QueueWithDlq } from './constructs/queue-with-dlq.ts';
import { queues as queueSpecs, type FunctionName, type QueueKey, type QueueSpec } from '../shared/topology.ts';
import { functions as functionSpecs, type FunctionSpec } from '../shared/function-specs.ts';

export interface ObservabilityProps {
  /** The Powertools service name: every application metric carries it as a dimension. */
  readonly serviceName: string;
  /** Where every alarm notifies (and says it is OK again). */
  readonly alarmTopic: sns.ITopic;
  readonly functions: Record<FunctionName, AppFunction>;
  readonly queues: Record<QueueKey, QueueWithDlq>;
  /** The account's messages per second, drawn on the send-rate graph. */
  readonly twilioMps: number;
}

/** How long a main queue's oldest message may wait before someone should look. */
export const OLDEST_MESSAGE_ALARM_SECONDS = 30 * 60;
/** The share of a function's invocations that may fail, over five minutes, before someone should look. */
export const ERROR_RATE_ALARM_PERCENT = 5;
/** Twilio's webhooks must answer within this at p95 (seed 003's latency objective). */
export const WEBHOOK_P95_ALARM_MS = 500;

const minute = Duration.minutes(1);
const fiveMinutes = Duration.minutes(5);

/**
 * The dashboard and the alarms, derived from the topology: every queue and dead-letter queue, every
 * function and every webhook the topology declares gets its graphs and alarms, so a new one is
 * watched without a line here.
 *
 * A nested stack of its own: an alarm per function and queue is most of the stack's resources, and
 * CloudFormation refuses a stack of more than 500. Alarms and the dashboard hold no data, so the
 * logical ids they take in here cost nothing on deploy.
 */
export class Observability extends NestedStack {
  readonly dashboard: cloudwatch.Dashboard;
  /** Every alarm this construct made, by construct id. */
  readonly alarms: Record<string, cloudwatch.Alarm> = {};

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id, { description: 'The dashboard and alarms of the notification system' });
    const action = new SnsAction(props.alarmTopic);
    const app = (name: MetricName, opts: { dimension?: readonly [MetricDimension, string]; statistic?: string; period?: Duration; label?: string } = {}) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: props.serviceName, ...(opts.dimension ? { [opts.dimension[0]]: opts.dimension[1] } : {}) },
        statistic: opts.statistic ?? cloudwatch.Stats.SUM,
        period: opts.period ?? minute,
        label: opts.label ?? opts.dimension?.[1],
      });
    /** Every series of a metric by its dimension, whatever values appear (error codes, statuses). */
    const byDimension = (name: MetricName, dimension: MetricDimension, label: string) =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${METRICS_NAMESPACE},service,${dimension}} MetricName="${name}" service="${props.serviceName}"', 'Sum', 300)`,
        usingMetrics: {},
        label,
        period: fiveMinutes,
      });
    const alarm = (alarmId: string, metric: cloudwatch.Metric | cloudwatch.MathExpression, opts: Omit<cloudwatch.CreateAlarmOptions, 'treatMissingData'>) => {
      const created = metric.createAlarm(this, alarmId, { treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...opts });
      created.addAlarmAction(action);
      created.addOkAction(action);
      this.alarms[alarmId] = created;
      return created;
    };

    const functionEntries = Object.entries(functionSpecs) as Array<[FunctionName, FunctionSpec]>;
    const queueEntries = Object.entries(queueSpecs) as Array<[QueueKey, QueueSpec]>;
    const webhooks = functionEntries.filter(([, spec]) => spec.webhook).map(([name]) => name);

    // Alarms: any dead letter means a record failed every retry and needs a human, so the first one.
    for (const [key, spec] of queueEntries) {
      alarm(
        `${pascal(key)}DeadLetterAlarm`,
        props.queues[key].deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM }),
        {
          alarmDescription: `Messages from the ${spec.name} queue reached its dead-letter queue after ${spec.maxReceiveCount} receives`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
        },
      );
    }

    // Alarms: oldest message on every main queue.
    for (const [key, spec] of queueEntries) {
      alarm(
        `${pascal(key)}OldestMessageAlarm`,
        props.queues[key].queue.metricApproximateAgeOfOldestMessage({ period: fiveMinutes, statistic: cloudwatch.Stats.MAXIMUM }),
        {
          alarmDescription: `The ${spec.name} queue's oldest message has waited over ${OLDEST_MESSAGE_ALARM_SECONDS / 60} minutes: ${spec.consumer} is not keeping up, or failing.`,
          threshold: OLDEST_MESSAGE_ALARM_SECONDS,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 2,
        },
      );
    }

    // Alarms: the error rate of every function.
    for (const [name] of functionEntries) {
      const fn = props.functions[name].function;
      const rate = new cloudwatch.MathExpression({
        expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
        usingMetrics: {
          errors: fn.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
          invocations: fn.metricInvocations({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM }),
        },
        label: `${name} error rate (%)`,
        period: fiveMinutes,
      });
      alarm(`${pascal(name)}ErrorRateAlarm`, rate, {
        alarmDescription: `More than ${ERROR_RATE_ALARM_PERCENT}% of ${name}'s invocations failed in five minutes.`,
        threshold: ERROR_RATE_ALARM_PERCENT,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
      });
    }

    // Alarms: Twilio's webhooks slower than the objective at p95.
    for (const name of webhooks) {
      alarm(`${pascal(name)}LatencyAlarm`, props.functions[name].function.metricDuration({ period: fiveMinutes, statistic: 'p95' }), {
        alarmDescription: `${name} answered Twilio in more than ${WEBHOOK_P95_ALARM_MS} ms at p95 over five minutes, twice in a row.`,
        threshold: WEBHOOK_P95_ALARM_MS,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
      });
    }

    alarm('BreakerOpenAlarm', app(metricNames.breakerOpens), {
      alarmDescription: 'The circuit breaker opened: Twilio kept failing, and sends pause until it closes.',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
    alarm('ReconciliationStuckAlarm', app(metricNames.reconciliationStuck, { period: fiveMinutes }), {
      alarmDescription:
        'Reconciliation found notifications stuck without a final status in two of its last three runs: status callbacks are being lost (the webhook unreachable, or its URL wrong).',
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    // The dashboard.
    const sendRate = new cloudwatch.MathExpression({
      expression: 'sent / 60',
      usingMetrics: { sent: app(metricNames.sends, { dimension: ['outcome', 'sent'] }) },
      label: 'sent per second',
      period: minute,
    });
    const graph = (title: string, left: cloudwatch.IMetric[], extra: Partial<cloudwatch.GraphWidgetProps> = {}) =>
      new cloudwatch.GraphWidget({ title, left, width: 12, height: 6, ...extra });
    const sendOutcomes = ['sent', 'failed', 'suppressed', 'skipped', 'retry', 'gaveUp'];

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown: `# Twilio notifications\nSends against the account's ${props.twilioMps} message(s) per second, outcomes, queues, webhooks and functions. Alarms go to the stack's alarm topic.`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      graph('Send rate vs the account rate (messages/s)', [sendRate], {
        leftAnnotations: [{ value: props.twilioMps, label: 'account MPS', color: cloudwatch.Color.RED }],
      }),
      graph(
        'Sends by outcome (per minute)',
        sendOutcomes.map((outcome) => app(metricNames.sends, { dimension: ['outcome', outcome] })),
        { stacked: true },
      ),
    );
    this.dashboard.addWidgets(
      graph('Send errors by code (per 5 minutes)', [byDimension(metricNames.sendErrors, 'errorCode', 'error code')]),
      graph('Status callbacks by status (per 5 minutes)', [byDimension(metricNames.statusCallbacks, 'status', 'status')]),
    );
    this.dashboard.addWidgets(
      graph('Twilio trouble (per minute)', [
        app(metricNames.throttled, { label: '429 answers' }),
        app(metricNames.breakerOpens, { label: 'breaker opened' }),
        app(metricNames.signatureFailures, { label: 'webhook signature failures' }),
        app(metricNames.statusCallbacksDeferred, { label: 'callbacks deferred to the queue' }),
      ]),
      graph('Reconciliation and ingest (per 5 minutes)', [
        app(metricNames.reconciliationStuck, { period: fiveMinutes, label: 'stuck notifications found' }),
        app(metricNames.reconciliationFixes, { period: fiveMinutes, label: 'fixed from Twilio' }),
        ...['accepted', 'rateLimited', 'duplicate'].map((outcome) =>
          app(metricNames.ingest, { dimension: ['outcome', outcome], period: fiveMinutes, label: `ingest ${outcome}` }),
        ),
      ]),
    );
    for (const [key, spec] of queueEntries) {
      const { queue, deadLetterQueue } = props.queues[key];
      this.dashboard.addWidgets(
        graph(`${spec.name} queue: depth`, [
          queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: 'visible' }),
          queue.metricApproximateNumberOfMessagesNotVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: 'in flight' }),
          deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: 'dead letters' }),
        ]),
        graph(
          `${spec.name} queue: oldest message (s)`,
          [
            queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: 'queue' }),
            deadLetterQueue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: cloudwatch.Stats.MAXIMUM, label: 'dead-letter queue' }),
          ],
          { leftAnnotations: [{ value: OLDEST_MESSAGE_ALARM_SECONDS, label: 'alarm' }] },
        ),
      );
    }
    this.dashboard.addWidgets(
      graph(
        'Webhook latency p95 (ms)',
        webhooks.map((name) => props.functions[name].function.metricDuration({ period: minute, statistic: 'p95', label: name })),
        {
          leftAnnotations: [{ value: WEBHOOK_P95_ALARM_MS, label: 'objective', color: cloudwatch.Color.RED }],
        },
      ),
      graph(
        'Queue record processing time p95 (ms)',
        queueEntries.map(([, spec]) => app(metricNames.processingTime, { dimension: ['queue', spec.name], statistic: 'p95' })),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'Lambda errors',
        functionEntries.map(([name]) => props.functions[name].function.metricErrors({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM, label: name })),
        { legendPosition: cloudwatch.LegendPosition.RIGHT },
      ),
      graph(
        'Lambda throttles',
        functionEntries.map(([name]) => props.functions[name].function.metricThrottles({ period: fiveMinutes, statistic: cloudwatch.Stats.SUM, label: name })),
        { legendPosition: cloudwatch.LegendPosition.RIGHT },
      ),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: Object.values(this.alarms),
        width: 24,
        height: 6,
      }),
    );
  }
}

/** `twilio-status` → `TwilioStatus`, `statusCallback` → `StatusCallback`, for construct ids. */
function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase()).replace(/^[a-z]/, (c) => c.toUpperCase());
}
