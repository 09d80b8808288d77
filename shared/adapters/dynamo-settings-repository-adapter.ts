import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { SettingsRepository, UserSettings } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const key = (userId: string) => ({ pk: `USER#${userId}`, sk: 'settings' });

/** Each user's sending settings, one item in MessagingState. */
export class DynamoSettingsRepository implements SettingsRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async get(userId: string): Promise<UserSettings | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(userId), ConsistentRead: true }));
    if (!Item) return undefined;
    return {
      quietHours: (Item.quietHours as UserSettings['quietHours']) ?? null,
      dedupWindowSeconds: Number(Item.dedupWindowSeconds),
      optOutFooter: (Item.optOutFooter as string | null) ?? null,
    };
  }

  async put(userId: string, settings: UserSettings): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...key(userId), ...settings } }));
  }
}
