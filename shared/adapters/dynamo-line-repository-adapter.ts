import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { LineRecord, LineRepository, NumberClaim, Page, PageRequest } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { stripKeys } from './dynamo-file-repository-adapter.ts';
import { tables } from '../topology.ts';

export const voiceTableConfig = z.object({ [tables.voice.envVar]: z.string().check(z.minLength(1)) });
/** The sort key of items that are alone in their partition. */
export const ONLY = '#';

const lineKey = (userId: string, lineId: string) => ({ pk: `user#${userId}`, sk: `line#${lineId}` });
const numberKey = (number: string) => ({ pk: `number#${number}`, sk: ONLY });

/** True when a conditional write found its condition false. */
export async function conditional(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}

/**
 * Lines in the voice table: each at `user#<sub>` / `line#<lineId>` (a user's lines are one
 * partition), and each number's claim at `number#<E164>`, which the webhooks read to find the line.
 */
export class DynamoLineRepository implements LineRepository {
  constructor(
    private readonly tableName: string = readConfig(voiceTableConfig).VOICE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  claimNumber(claim: NumberClaim, at: string): Promise<boolean> {
    return conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...numberKey(claim.number), ...claim, claimedAt: at },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async releaseNumber(claim: NumberClaim): Promise<void> {
    await conditional(
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: numberKey(claim.number),
          ConditionExpression: 'lineId = :l',
          ExpressionAttributeValues: { ':l': claim.lineId },
        }),
      ),
    );
  }

  async claimOf(number: string): Promise<NumberClaim | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: numberKey(number) }));
    return Item ? { number: Item.number as string, userId: Item.userId as string, lineId: Item.lineId as string } : undefined;
  }

  async create(line: LineRecord): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...lineKey(line.userId, line.lineId), ...line }, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async get(userId: string, lineId: string): Promise<LineRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: lineKey(userId, lineId), ConsistentRead: true }));
    return Item ? stripKeys<LineRecord>(Item) : undefined;
  }

  async list(userId: string, page: PageRequest): Promise<Page<LineRecord>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :u AND begins_with(sk, :line)',
        ExpressionAttributeValues: { ':u': `user#${userId}`, ':line': 'line#' },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map((i) => stripKeys<LineRecord>(i)), lastKey: out.LastEvaluatedKey };
  }

  replace(line: LineRecord, expectedUpdatedAt: string): Promise<boolean> {
    return conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...lineKey(line.userId, line.lineId), ...line },
          ConditionExpression: 'updatedAt = :expected',
          ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
        }),
      ),
    );
  }

  delete(userId: string, lineId: string): Promise<boolean> {
    return conditional(
      this.client.send(new DeleteCommand({ TableName: this.tableName, Key: lineKey(userId, lineId), ConditionExpression: 'attribute_exists(pk)' })),
    );
  }
}
