import { DynamoMessageAdmission } from '../shared/adapters/dynamo-message-admission-adapter.ts';
import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { SqsMessageIngestQueue } from '../shared/adapters/sqs-message-ingest-queue-adapter.ts';
import { acceptMessage, RATE_LIMIT, userOwner } from '../shared/domain/messages.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';
import { createMessageSchema } from '../shared/schemas/message.schema.ts';
import { metricNames } from '../shared/metric-names.ts';
import { countMetric } from '../shared/metrics.ts';

const deps = { messages: new DynamoMessageRepository(), admission: new DynamoMessageAdmission(), queue: new SqsMessageIngestQueue() };

const ingestOutcome = { accepted: 'accepted', limited: 'rateLimited', duplicate: 'duplicate' } as const;

export const handler = userRoute({ body: createMessageSchema }, async ({ userId, body }) => {
  const outcome = await acceptMessage(deps, userOwner(userId), body);
  countMetric(metricNames.ingest, ['outcome', ingestOutcome[outcome.kind]]);
  switch (outcome.kind) {
    case 'duplicate':
      return json(200, { messageId: outcome.messageId, duplicate: true });
    case 'limited': {
      const refused = json(429, {
        error: {
          code: 'RATE_LIMITED',
          message: `${body.from} has sent ${RATE_LIMIT} messages in the last minute; try again in ${outcome.retryAfterSeconds} s.`,
        },
      });
      return { ...refused, headers: { ...refused.headers, 'retry-after': String(outcome.retryAfterSeconds) } };
    }
    case 'accepted':
      return json(202, { messageId: outcome.message.messageId, status: outcome.message.status, receivedAt: outcome.message.receivedAt });
  }
});
