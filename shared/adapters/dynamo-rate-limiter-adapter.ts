import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateLimiter } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const KEY = { pk: 'RATE', sk: 'twilio-messages' };
const MAX_CONFLICTS = 10;

interface Waiter {
  resolve: (slot: number) => void;
  reject: (err: unknown) => void;
}

/**
 * The generic cell rate algorithm in one DynamoDB item shared by every sender: the item holds
 * the next free slot time, and a reservation moves it on by `1000 / ratePerSecond` ms. Each
 * change is a conditional put on a version number, so two senders never get the same slot;
 * reservations made in the same tick share one read and one write.
 */
export class DynamoRateLimiter implements RateLimiter {
  private waiting: Waiter[] = [];
  private readonly interval: number;

  constructor(
    ratePerSecond: number,
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {
    this.interval = 1000 / ratePerSecond;
  }

  reserve(_now: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length === 1) queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const waiters = this.waiting;
    this.waiting = [];
    try {
      const first = await this.reserveSlots(waiters.length);
      waiters.forEach((w, i) => w.resolve(Math.round(first + i * this.interval)));
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  /** Reserves `n` consecutive slots; returns the first one's time. */
  private async reserveSlots(n: number): Promise<number> {
    for (let conflict = 0; conflict < MAX_CONFLICTS; conflict++) {
      const now = Date.now();
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true }));
      const version = typeof Item?.version === 'number' ? Item.version : 0;
      const first = Math.max(now, typeof Item?.nextSlot === 'number' ? Item.nextSlot : 0);
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...KEY, nextSlot: first + n * this.interval, version: version + 1 },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        );
        return first;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    throw new Error('Could not reserve a send slot: too many senders at once; the records will come back.');
  }
}
