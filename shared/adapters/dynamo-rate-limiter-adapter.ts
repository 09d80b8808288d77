import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateLimiter } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const KEY = { pk: 'RATE', sk: 'twilio-messages' };
const MAX_CONFLICTS = 8;

interface Waiter {
  resolve: (waitMs: number) => void;
  reject: (err: unknown) => void;
}

/**
 * A token bucket in one DynamoDB item, shared by every sender: `ratePerSecond` tokens a second,
 * at most `capacity` saved up. Each change is a conditional put on a version number, so
 * concurrent senders never both spend the same token. Takes that arrive in the same tick are
 * served by one read and one write, which keeps a batch of ten to two requests.
 */
export class DynamoRateLimiter implements RateLimiter {
  private waiting: Waiter[] = [];

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  take(_now: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.waiting.length === 1) queueMicrotask(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const waiters = this.waiting;
    this.waiting = [];
    try {
      const waits = await this.acquire(waiters.length);
      waiters.forEach((w, i) => w.resolve(waits[i]!));
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  /** Grants as many of `n` as the bucket holds; the rest learn how long until their token. */
  private async acquire(n: number): Promise<number[]> {
    const msPerToken = 1000 / this.ratePerSecond;
    for (let conflict = 0; conflict < MAX_CONFLICTS; conflict++) {
      const now = Date.now();
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: KEY, ConsistentRead: true }));
      const version = typeof Item?.version === 'number' ? Item.version : 0;
      const saved = typeof Item?.tokens === 'number' ? Item.tokens : this.capacity;
      const since = typeof Item?.at === 'number' ? Math.max(0, now - Item.at) : 0;
      const tokens = Math.min(this.capacity, saved + since / msPerToken);
      const granted = Math.min(n, Math.floor(tokens));
      const left = tokens - granted;
      const waits = Array.from({ length: n }, (_, i) => (i < granted ? 0 : Math.ceil((i - granted + 1 - left) * msPerToken)));
      if (granted === 0) return waits;
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...KEY, tokens: left, at: now, version: version + 1 },
            ConditionExpression: 'attribute_not_exists(pk) OR version = :v',
            ExpressionAttributeValues: { ':v': version },
          }),
        );
        return waits;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    // Heavy contention: nobody gets a token this round; everyone comes back one token later.
    return Array.from({ length: n }, () => Math.ceil(msPerToken));
  }
}
