import type { ScheduledEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { TwilioMessageGateway } from '../shared/adapters/twilio-message-gateway-adapter.ts';
import { readConfig } from '../shared/config.ts';
import { reconcileStatuses, type ReconcileReport } from '../shared/domain/reconcile-statuses.ts';
import { logger } from '../shared/logger.ts';
import { metricNames } from '../shared/metric-names.ts';
import { countMetric } from '../shared/metrics.ts';

const number = (fallback: number) => z._default(z.coerce.number().check(z.gte(0)), fallback);
const config = readConfig(
  z.object({
    RECONCILE_AFTER_MINUTES: number(15),
    RECONCILE_MAX_AGE_HOURS: number(48),
    RECONCILE_LIMIT: z._default(z.coerce.number().check(z.int(), z.gte(1)), 500),
    RECONCILE_CONCURRENCY: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(50)), 5),
  }),
);
const deps = { notifications: new DynamoNotificationRepository(), twilio: new TwilioMessageGateway() };

export const handler = async (_event: ScheduledEvent): Promise<ReconcileReport> => {
  const report = await reconcileStatuses(deps, {
    afterMinutes: config.RECONCILE_AFTER_MINUTES,
    maxAgeHours: config.RECONCILE_MAX_AGE_HOURS,
    limit: config.RECONCILE_LIMIT,
    concurrency: config.RECONCILE_CONCURRENCY,
  });
  countMetric(metricNames.reconciliationStuck, undefined, report.checked);
  countMetric(metricNames.reconciliationFixes, undefined, report.applied);
  if (report.failed > 0) logger.warn('Reconciliation could not ask Twilio about some messages; the next run tries again', { ...report });
  else logger.info('Reconciled notification statuses', { ...report });
  return report;
};
