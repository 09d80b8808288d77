import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { gcraLatestTat, gcraLimits, gcraStep, type GcraLimits } from '../domain/gcra.ts';
import type { LongPollSlots, UserRateLimiter } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

/** The partition of the per-user buckets in the state table; the deployed grant is limited to it. */
export const USER_RATE_PARTITION = 'RATE#USER';
const ROUNDS = 5;
/**
 * How far in the past the schedule may be and still be moved on by an ADD rather than restarted
 * at now: concurrent first requests then do not contend for the restart. It can let through at
 * most this long's worth of requests beyond the burst, once.
 */
const SLACK_MS = 1_000;

/**
 * A token bucket per user as the generic cell rate algorithm (shared/domain/gcra.ts), the
 * sender's pacing (see DynamoRateLimiter) applied to one item per user: `gate` is the theoretical
 * arrival time of the next request. Busy (or idle for under a second), one atomic ADD
 * conditioned on the window admits it (concurrent Lambdas never conflict); idle longer, a
 * conditional SET restarts the schedule at now.
 */
export class DynamoUserRateLimiter implements UserRateLimiter {
  private readonly limits: GcraLimits;

  constructor(
    ratePerSecond: number,
    burst: number,
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
    private readonly clock: () => number = Date.now,
  ) {
    this.limits = gcraLimits(ratePerSecond, burst);
  }

  async admit(userId: string): Promise<{ admitted: true } | { admitted: false; retryAfterSeconds: number }> {
    const key = { pk: USER_RATE_PARTITION, sk: userId };
    for (let round = 0; round < ROUNDS; round++) {
      const now = this.clock();
      if (
        await this.update(key, 'ADD gate :interval', 'gate BETWEEN :floor AND :limit', {
          ':interval': this.limits.intervalMs,
          ':floor': now - SLACK_MS,
          ':limit': gcraLatestTat(now, this.limits),
        })
      ) {
        return { admitted: true };
      }
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      const gate = Number(Item?.gate ?? 0);
      // The clock as of the read, not as of the round's start: under load a round trip can take
      // longer than the tolerance, and another request, admitted meanwhile by a later clock,
      // would make this one look early when it is not.
      const readAt = this.clock();
      const step = gcraStep(gate, readAt, this.limits);
      if (!step.allowed) return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil(step.retryAfterMs / 1000)) };
      if (
        gate < readAt - SLACK_MS &&
        (await this.update(key, 'SET gate = :next', 'attribute_not_exists(gate) OR gate < :floor', { ':next': step.tat, ':floor': readAt - SLACK_MS }))
      ) {
        return { admitted: true };
      }
    }
    // Contended each round: the bucket is busy enough to ask for a short wait.
    return { admitted: false, retryAfterSeconds: 1 };
  }

  private async update(key: Record<string, string>, expression: string, condition: string, values: Record<string, number>): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: expression,
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}

/**
 * Slots for a user's concurrent long polls, in the buckets' partition: one item per user with a
 * map from slot number to the time its lease ends. A poll takes a free or expired slot with one
 * conditional update and frees it when it answers; a poll whose Lambda died frees its slot when
 * the lease ends, so a crash never locks a user out for longer than one poll.
 */
export class DynamoLongPollSlots implements LongPollSlots {
  constructor(
    private readonly maxPerUser: number,
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
    private readonly clock: () => number = Date.now,
  ) {}

  async acquire(userId: string, leaseMs: number): Promise<number | undefined> {
    const key = { pk: USER_RATE_PARTITION, sk: `longpoll#${userId}` };
    // One update both makes the map on the first poll and reads the slots.
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET slots = if_not_exists(slots, :empty)',
        ExpressionAttributeValues: { ':empty': {} },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const slots = (Attributes?.slots ?? {}) as Record<string, number>;
    const now = this.clock();
    for (let slot = 0; slot < this.maxPerUser; slot++) {
      if ((slots[String(slot)] ?? 0) > now) continue;
      try {
        await this.client.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET slots.#slot = :until',
            ConditionExpression: 'attribute_not_exists(slots.#slot) OR slots.#slot <= :now',
            ExpressionAttributeNames: { '#slot': String(slot) },
            ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now },
          }),
        );
        return slot;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    return undefined;
  }

  async release(userId: string, slot: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: USER_RATE_PARTITION, sk: `longpoll#${userId}` },
        UpdateExpression: 'SET slots.#slot = :free',
        ExpressionAttributeNames: { '#slot': String(slot) },
        ExpressionAttributeValues: { ':free': 0 },
      }),
    );
  }
}
