import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { InboundMessage, InboundMessageRepository } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const key = (from: string, messageSid: string) => ({ pk: `INBOUND#${from}`, sk: `MSG#${messageSid}` });

/**
 * Inbound messages in MessagingState: one item per MessageSid, partitioned by sender so one
 * person's messages can be read together and no single partition takes every inbound write.
 */
export class DynamoInboundMessageRepository implements InboundMessageRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async get(from: string, messageSid: string): Promise<InboundMessage | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(from, messageSid), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...message } = Item;
    return message as InboundMessage;
  }

  async recordIfAbsent(message: InboundMessage): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...key(message.from, message.messageSid), ...message },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
