import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { OptOut, OptOutChange, OptOutRepository, OptOutSource } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const key = (phone: string) => ({ pk: 'OPTOUT', sk: phone });

/**
 * The opt-out list in MessagingState, one item per number under the partition `OPTOUT`. It is
 * read with a GetItem per send, and a number is never listed, so one partition is no hot spot
 * for reads DynamoDB's adaptive capacity cannot absorb. An opt-in keeps the item (`optedOut`
 * false) so that its `history` of changes, appended in the same conditional write as each
 * change, is kept forever; items written before `optedOut` existed are opted out. A change
 * dated before the item's latest one is not applied, so the newest consent wins whatever order
 * the changes arrive in.
 */
export class DynamoOptOutRepository implements OptOutRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async get(phone: string): Promise<OptOut | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(phone), ConsistentRead: true }));
    if (!Item || Item.optedOut === false) return undefined;
    return { phone: String(Item.phone), source: Item.source as OptOut['source'], at: String(Item.at) };
  }

  async add(optOut: OptOut): Promise<void> {
    await this.change(
      optOut.phone,
      'SET phone = :phone, #source = :source, #at = :at, optedOut = :true',
      // Never over a newer opt-in: a replayed or late STOP must not undo a later START.
      'attribute_not_exists(pk) OR (optedOut = :false AND (attribute_not_exists(optedInAt) OR optedInAt < :at))',
      { ':phone': optOut.phone, ':source': optOut.source, ':at': optOut.at },
      { action: 'opt_out', source: optOut.source, at: optOut.at },
    );
  }

  async remove(phone: string, change: { source: OptOutSource; at: string } = { source: 'keyword', at: new Date().toISOString() }): Promise<boolean> {
    return this.change(
      phone,
      'SET optedOut = :false, optedInAt = :at',
      // Never over a newer opt-out: a replayed or late START must not undo a later STOP.
      'attribute_exists(pk) AND (optedOut = :true OR attribute_not_exists(optedOut)) AND #at < :at',
      { ':at': change.at },
      { action: 'opt_in', ...change },
    );
  }

  async history(phone: string): Promise<OptOutChange[]> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(phone), ConsistentRead: true }));
    if (!Item) return [];
    // An opt-out stored before histories were kept still counts as one change.
    return (Item.history as OptOutChange[] | undefined) ?? [{ action: 'opt_out', source: Item.source as OptOutSource, at: String(Item.at) }];
  }

  /** One conditional write of a consent change and its history entry; false when the condition fails. */
  private async change(phone: string, set: string, condition: string, values: Record<string, unknown>, entry: OptOutChange): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(phone),
          UpdateExpression: `${set}, history = list_append(if_not_exists(history, :empty), :entry)`,
          ConditionExpression: condition,
          ExpressionAttributeNames: set.includes('#source') ? { '#source': 'source', '#at': 'at' } : { '#at': 'at' },
          ExpressionAttributeValues: { ...values, ':true': true, ':false': false, ':empty': [], ':entry': [entry] },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
