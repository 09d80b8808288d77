import { paginateQuery, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { encodeTime } from 'ulid';
import { configParts, readConfig } from '../config.ts';
import type { NotificationStatus } from '../domain/notification-status.ts';
import type { NotificationCounts } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

/**
 * Counts over NotificationLog's `byStatus` index (`<userId>#<status>`, sorted by notification id,
 * which begins with the upload's ULID): a time bound is a key range on the id, and only keys are counted.
 */
export class DynamoNotificationCounts implements NotificationCounts {
  constructor(
    private readonly tableName: string = readConfig(configParts.notificationsTable).NOTIFICATIONS_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async count(userId: string, status: NotificationStatus, since?: number): Promise<number> {
    let total = 0;
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        IndexName: 'byStatus',
        KeyConditionExpression: since === undefined ? 'gsi1pk = :k' : 'gsi1pk = :k AND gsi1sk >= :since',
        ExpressionAttributeValues: { ':k': `${userId}#${status}`, ...(since === undefined ? {} : { ':since': encodeTime(since, 10) }) },
        Select: 'COUNT',
      },
    );
    for await (const page of pages) total += page.Count ?? 0;
    return total;
  }
}
