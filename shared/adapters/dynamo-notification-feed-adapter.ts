import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { FeedPosition, NotificationFeed, NotificationRecord } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { toRecord } from './dynamo-notification-repository-adapter.ts';

/** The next `toISOString` instant: "after `at`" as an inclusive bound, since times are whole milliseconds. */
const nextMillisecond = (at: string) => new Date(Date.parse(at) + 1).toISOString();

/**
 * The feed over NotificationLog's `byCreated` index (partition `userId`, sort `createdAt`), read
 * forward. Notifications of one upload share a `createdAt`; the index orders those by the table
 * key internally (in an order of its own, but a stable one), so a position inside such a group
 * resumes with ExclusiveStartKey, never skipping or repeating.
 */
export class DynamoNotificationFeed implements NotificationFeed {
  constructor(
    private readonly tableName: string = readConfig(configParts.notificationsTable).NOTIFICATIONS_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async readAfter(userId: string, after: FeedPosition, until: string, limit: number): Promise<NotificationRecord[]> {
    const from = after.notificationId ? after.at : nextMillisecond(after.at);
    if (from > until) return [];
    const items: NotificationRecord[] = [];
    let startKey: Record<string, unknown> | undefined = after.notificationId ? { pk: userId, sk: after.notificationId, createdAt: after.at } : undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byCreated',
          KeyConditionExpression: 'pk = :pk AND createdAt BETWEEN :from AND :until',
          ExpressionAttributeValues: { ':pk': userId, ':from': from, ':until': until },
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(out.Items ?? []).map(toRecord));
      startKey = out.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items;
  }
}
