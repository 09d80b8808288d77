import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RetryLaterError } from '../errors.ts';
import type { RateLimiter } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const KEY = { pk: 'RATE', sk: 'twilio-messages' };
const MAX_ROUNDS = 5;

interface Waiter {
  resolve: (slot: number) => void;
  reject: (err: unknown) => void;
}

/**
 * The generic cell rate algorithm in one DynamoDB item shared by every sender: the item holds
 * the next free slot time, and a reservation moves it on by `1000 / ratePerSecond` ms a slot.
 * Reservations made in the same tick share one write.
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

  /**
   * Reserves `n` consecutive slots; returns the first one's time. While slots are booked ahead
   * (a backlog) one atomic ADD takes the next ones, so concurrent senders never conflict; when
   * the next slot has passed (idle), a conditional SET restarts the schedule at now.
   */
  private async reserveSlots(n: number): Promise<number> {
    const span = n * this.interval;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const now = Date.now();
      try {
        const { Attributes } = await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: KEY,
            UpdateExpression: 'ADD nextSlot :span',
            ConditionExpression: 'nextSlot >= :now',
            ExpressionAttributeValues: { ':span': span, ':now': now },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return Number(Attributes!.nextSlot);
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: KEY,
            UpdateExpression: 'SET nextSlot = :next',
            ConditionExpression: 'attribute_not_exists(nextSlot) OR nextSlot < :now',
            ExpressionAttributeValues: { ':next': now + span, ':now': now },
          }),
        );
        return now;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    throw new RetryLaterError('Could not reserve a send slot: the schedule kept moving; the record will come back.');
  }
}
