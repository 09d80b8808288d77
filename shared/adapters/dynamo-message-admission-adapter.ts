import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import { slidingWindow } from '../domain/messages.ts';
import type { DedupReservation, MessageAdmission, SlotOutcome } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const dedupKey = (key: string) => ({ pk: `MSGDEDUP#${key}`, sk: 'dedup' });
const rateKey = (sender: string) => ({ pk: `MSGRATE#${sender}`, sk: 'rate' });

/** Epoch seconds a minute after `ms`: the table's TTL removes the item once it can matter no more. */
const ttlAfter = (ms: number) => Math.ceil(ms / 1000) + 60;

/** Optimistic writes give up after this many lost races in a row (each loss is another writer's success). */
const MAX_ATTEMPTS = 50;

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/**
 * Message admission in MessagingState, with single-item conditional writes only (no transactions):
 * - a dedup reservation is one item per key holding the original's id and when it lapses; a put
 *   succeeds only where none is live, so of concurrent identical messages exactly one reserves;
 * - a sender's sliding window is one item holding the accepted times still inside the window
 *   (at most the limit) and a version; a slot is taken by rewriting it on the condition that the
 *   version is the one read, and a writer that lost the race reads again.
 */
export class DynamoMessageAdmission implements MessageAdmission {
  constructor(
    private readonly tableName: string = readConfig(configParts.stateTable).STATE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async reserve(key: string, messageId: string, now: number, until: number): Promise<DedupReservation> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...dedupKey(key), messageId, until, expiresAt: ttlAfter(until) },
            ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        return { kind: 'reserved' };
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: dedupKey(key), ConsistentRead: true }));
      if (Item && Number(Item.until) > now) return { kind: 'duplicate', messageId: String(Item.messageId) };
      // It lapsed or was given back between the two requests: try again.
    }
    throw new Error(`Could not reserve the dedup key after ${MAX_ATTEMPTS} attempts.`);
  }

  async unreserve(key: string, messageId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: dedupKey(key),
          ConditionExpression: 'messageId = :id',
          ExpressionAttributeValues: { ':id': messageId },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async acquireSlot(sender: string, now: number, limit: number, windowMs: number): Promise<SlotOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.readWindow(sender);
      const { live, retryAfterMs } = slidingWindow(current?.slots ?? [], now, limit, windowMs);
      if (retryAfterMs !== undefined) return { kind: 'limited', retryAfterMs };
      if (await this.writeWindow(sender, [...live, now], current?.version, now + windowMs)) return { kind: 'admitted' };
    }
    throw new Error(`Could not update the rate window after ${MAX_ATTEMPTS} attempts.`);
  }

  async releaseSlot(sender: string, at: number): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.readWindow(sender);
      const index = current?.slots.indexOf(at) ?? -1;
      if (!current || index < 0) return;
      const slots = current.slots.filter((_, i) => i !== index);
      if (await this.writeWindow(sender, slots, current.version, Math.max(at, ...slots))) return;
    }
  }

  private async readWindow(sender: string): Promise<{ slots: number[]; version: number } | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: rateKey(sender), ConsistentRead: true }));
    return Item ? { slots: (Item.slots as number[] | undefined) ?? [], version: Number(Item.version) } : undefined;
  }

  /** Rewrites the window if it is still at `version` (absent when undefined); false when another writer came first. */
  private async writeWindow(sender: string, slots: number[], version: number | undefined, lastUseful: number): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...rateKey(sender), slots, version: (version ?? 0) + 1, expiresAt: ttlAfter(lastUseful) },
          ...(version === undefined
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : { ConditionExpression: '#version = :v', ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':v': version } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
