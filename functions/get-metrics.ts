import { DynamoMessageRepository } from '../shared/adapters/dynamo-message-repository-adapter.ts';
import { DynamoNotificationCounts } from '../shared/adapters/dynamo-notification-counts-adapter.ts';
import { SqsQueueStats } from '../shared/adapters/sqs-queue-stats-adapter.ts';
import { userOwner } from '../shared/domain/messages.ts';
import { readMetrics } from '../shared/domain/metrics.ts';
import { json } from '../shared/http.ts';
import { userRoute } from '../shared/user-route.ts';

const deps = { stats: new DynamoMessageRepository(), notifications: new DynamoNotificationCounts(), queues: new SqsQueueStats() };

export const handler = userRoute({}, async ({ userId }) => json(200, await readMetrics(deps, userId, userOwner(userId))));
