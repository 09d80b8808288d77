import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { OptOut, OptOutRepository } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const key = (phone: string) => ({ pk: 'OPTOUT', sk: phone });

/**
 * The opt-out list in MessagingState, one item per number under the partition `OPTOUT`. It is
 * read with a GetItem per send, and a number is never listed, so one partition is no hot spot
 * for reads DynamoDB's adaptive capacity cannot absorb.
 */
export class DynamoOptOutRepository implements OptOutRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async get(phone: string): Promise<OptOut | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(phone), ConsistentRead: true }));
    return Item ? { phone: String(Item.phone), source: Item.source as OptOut['source'], at: String(Item.at) } : undefined;
  }

  async add(optOut: OptOut): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...key(optOut.phone), ...optOut }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async remove(phone: string): Promise<boolean> {
    try {
      await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: key(phone), ConditionExpression: 'attribute_exists(pk)' }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
