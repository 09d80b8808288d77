import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { GuardScope, HeldGuard, SendGuards } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const guardKey = (scope: GuardScope, userId: string, key: string) => ({ pk: `GUARD#${scope}#${userId}`, sk: key });
const contactKey = (userId: string, to: string) => ({ pk: `CONTACT#${userId}`, sk: to });
const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/**
 * The send API's guards in MessagingState, each one item taken with a conditional put. An
 * expired guard is taken over by the same put (its condition compares the stored expiry), so
 * the table's TTL only tidies up and correctness never waits for it.
 */
export class DynamoSendGuards implements SendGuards {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async take(scope: GuardScope, userId: string, key: string, notificationId: string, now: number, expiresAt: number): Promise<HeldGuard | undefined> {
    for (let round = 0; round < 3; round++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...guardKey(scope, userId, key), notificationId, takenAt: now, expiresAtMs: expiresAt, expiresAt: Math.ceil(expiresAt / 1000) },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :now',
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return undefined;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: guardKey(scope, userId, key), ConsistentRead: true }));
      if (Item && Number(Item.expiresAtMs) > now) return { notificationId: String(Item.notificationId), takenAt: Number(Item.takenAt) };
    }
    throw new Error(`The ${scope} guard kept changing; try again.`);
  }

  async replace(scope: GuardScope, userId: string, key: string, held: HeldGuard, notificationId: string, now: number, expiresAt: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: guardKey(scope, userId, key),
          UpdateExpression: 'SET notificationId = :id, takenAt = :now, expiresAtMs = :expires, expiresAt = :ttl',
          ConditionExpression: 'notificationId = :held AND takenAt = :heldAt',
          ExpressionAttributeValues: {
            ':id': notificationId,
            ':now': now,
            ':expires': expiresAt,
            ':ttl': Math.ceil(expiresAt / 1000),
            ':held': held.notificationId,
            ':heldAt': held.takenAt,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async hasContacted(userId: string, to: string): Promise<boolean> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: contactKey(userId, to), ConsistentRead: true }));
    return Item !== undefined;
  }

  async recordContact(userId: string, to: string, at: string): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: { ...contactKey(userId, to), firstAt: at }, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }
}
