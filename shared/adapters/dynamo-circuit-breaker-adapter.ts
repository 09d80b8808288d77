import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CircuitBreaker } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { metricNames } from '../metric-names.ts';
import { countMetric } from '../metrics.ts';

const KEY = { pk: 'CIRCUIT', sk: 'twilio' };
/** How long a sender trusts the state it read; a second of staleness costs a few calls at most. */
const CACHE_MS = 1000;

/**
 * A circuit breaker shared by every sender, in one DynamoDB item: `threshold` retryable
 * failures in a row open it for `cooldownMs`; after that one send is let through, and a
 * failure re-opens it at once while a success closes it. Reads are cached for a second, so a
 * healthy send path costs no extra request.
 */
export class DynamoCircuitBreaker implements CircuitBreaker {
  private cached?: { failures: number; openUntil: number; readAt: number };

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly tableName: string,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async openFor(now: number): Promise<number> {
    if (!this.cached || now - this.cached.readAt > CACHE_MS) {
      const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: KEY }));
      this.cached = { failures: Number(Item?.failures ?? 0), openUntil: Number(Item?.openUntil ?? 0), readAt: now };
    }
    return Math.max(0, this.cached.openUntil - now);
  }

  async recordFailure(now: number): Promise<void> {
    const { Attributes } = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: KEY,
        UpdateExpression: 'ADD failures :one SET lastFailureAt = :now',
        ExpressionAttributeValues: { ':one': 1, ':now': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const failures = Number(Attributes?.failures ?? 0);
    let openUntil = Number(Attributes?.openUntil ?? 0);
    if (failures >= this.threshold && openUntil <= now) {
      openUntil = now + this.cooldownMs;
      countMetric(metricNames.breakerOpens);
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: KEY,
          UpdateExpression: 'SET openUntil = :until',
          ExpressionAttributeValues: { ':until': openUntil },
        }),
      );
    }
    this.cached = { failures, openUntil, readAt: now };
  }

  async recordSuccess(): Promise<void> {
    // Only a breaker known to hold failures is written to; the common healthy path writes nothing.
    if (this.cached && this.cached.failures === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: KEY,
        UpdateExpression: 'SET failures = :zero, openUntil = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
    if (this.cached) this.cached = { ...this.cached, failures: 0, openUntil: 0 };
  }
}
