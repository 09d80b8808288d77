import * as z from 'zod/mini';
import { DynamoCircuitBreaker } from '../shared/adapters/dynamo-circuit-breaker-adapter.ts';
import { DynamoNotificationRepository } from '../shared/adapters/dynamo-notification-repository-adapter.ts';
import { DynamoOptOutRepository } from '../shared/adapters/dynamo-opt-out-repository-adapter.ts';
import { DynamoRateLimiter } from '../shared/adapters/dynamo-rate-limiter-adapter.ts';
import { DynamoSendGuards } from '../shared/adapters/dynamo-send-guards-adapter.ts';
import { DynamoSettingsRepository } from '../shared/adapters/dynamo-settings-repository-adapter.ts';
import { S3FileStore } from '../shared/adapters/s3-file-store-adapter.ts';
import { SendGridEmailGateway } from '../shared/adapters/sendgrid-email-gateway-adapter.ts';
import { TwilioMessageGateway } from '../shared/adapters/twilio-message-gateway-adapter.ts';
import { configParts, readConfig } from '../shared/config.ts';
import { sendNotification } from '../shared/domain/send-notification.ts';
import { GiveUpError, RetryLaterError } from '../shared/errors.ts';
import { metricNames } from '../shared/metric-names.ts';
import { countMetric } from '../shared/metrics.ts';
import { queueConsumer, receiveCountOf } from '../shared/queue-consumer.ts';
import { notificationRefBody } from '../shared/schemas/notification-ref.schema.ts';
import { statusCallbackUrl } from '../shared/schemas/status-callback-url.ts';
import { commonEnv, queues } from '../shared/topology.ts';

const config = readConfig(
  z.object({
    ...configParts.publicBaseUrl.shape,
    [commonEnv.statusCallbackBaseUrl]: z.optional(z.url()),
    ...configParts.stateTable.shape,
    /** The account's messages per second (a US long code sends 1, toll-free 3, a short code 100). */
    [commonEnv.twilioMps]: z._default(z.coerce.number().check(z.gt(0)), 1),
    /** An optional cap per minute on top of the rate per second (some senders are metered per minute). */
    [commonEnv.twilioMpm]: z.optional(z.coerce.number().check(z.gt(0))),
    BREAKER_THRESHOLD: z._default(z.coerce.number().check(z.gte(1)), 5),
    BREAKER_COOLDOWN_SECONDS: z._default(z.coerce.number().check(z.gte(1)), 30),
  }),
);
// Deployed, status callbacks go to the status webhook's own Function URL; locally, to the API.
const baseUrl = config.STATUS_CALLBACK_BASE_URL ?? config.PUBLIC_BASE_URL;

// The limiter's gate has the shape of Twilio's own bucket (one second of its rate) a little
// slower and a little shallower: every send it admits then finds room in Twilio's bucket as long
// as the time from the limiter to Twilio varies by less than the depth held back. 80 ms proved
// too little on a busy host (two 429s in 1,000 sends at 10/s); 250 ms costs only burst depth
// (7 sends at once instead of 9 at 10/s), not rate.
// With a per-minute cap, senders pace themselves to the lower of the two rates.
const JITTER_ALLOWANCE_MS = 250;
const perSecond = Math.min(config.TWILIO_MPS, (config.TWILIO_MPM ?? Infinity) / 60);
const sendRate = perSecond * 0.98;
const gateToleranceMs = Math.max(0, 1000 - 1000 / perSecond - JITTER_ALLOWANCE_MS);

const deps = {
  notifications: new DynamoNotificationRepository(),
  gateway: new TwilioMessageGateway(),
  email: new SendGridEmailGateway(),
  optOuts: new DynamoOptOutRepository(),
  limiter: new DynamoRateLimiter(sendRate, gateToleranceMs, config.STATE_TABLE),
  breaker: new DynamoCircuitBreaker(config.BREAKER_THRESHOLD, config.BREAKER_COOLDOWN_SECONDS * 1000, config.STATE_TABLE),
  store: new S3FileStore(),
  contacts: new DynamoSendGuards(config.STATE_TABLE),
  settings: new DynamoSettingsRepository(config.STATE_TABLE),
  statusCallbackUrl: (n: { userId: string; notificationId: string }) => statusCallbackUrl(baseUrl, n),
};

export const handler = queueConsumer([queues.notification, queues.priority], async (record) => {
  // A dead letter this consumer gave up on carries the original reference as `payload`, so a
  // redriven one is handled like the original (and skipped, its notification being final).
  const ref = notificationRefBody.parse(record.body);
  const result = await sendNotification(deps, ref, {
    receiveCount: receiveCountOf(record),
    maxReceives: queues.notification.maxReceiveCount,
  }).catch((err: unknown) => {
    if (err instanceof RetryLaterError) countMetric(metricNames.sends, ['outcome', 'retry']);
    if (err instanceof GiveUpError) countMetric(metricNames.sends, ['outcome', 'gaveUp']);
    throw err;
  });
  countMetric(metricNames.sends, ['outcome', result]);
  return result;
});
