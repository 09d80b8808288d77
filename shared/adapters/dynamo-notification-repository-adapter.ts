import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import { statusRank, type NotificationStatus } from '../domain/notification-status.ts';
import type {
  NotificationMaintenance,
  NotificationRecord,
  NotificationRepository,
  Page,
  PageRequest,
  StatusUpdate,
} from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { stripKeys } from './dynamo-file-repository-adapter.ts';

const key = (userId: string, notificationId: string) => ({ pk: userId, sk: notificationId });
const statusKey = (userId: string, status: NotificationStatus) => `${userId}#${status}`;

/** Partitions of the sparse byOpenStatus index; reconciliation reads each in turn. */
const OPEN_SHARDS = 8;
const openStatuses: ReadonlySet<NotificationStatus> = new Set(['queued', 'sending', 'sent']);
/** A stable shard per notification, so its open entry stays in one partition while its status moves. */
function openShardOf(notificationId: string): string {
  let hash = 0;
  for (const char of notificationId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return `open#${hash % OPEN_SHARDS}`;
}

/** Index keys that exist only in some states: `pendingTarget` while pending, `openShard` while open. */
function sparseKeys(n: Pick<NotificationRecord, 'notificationId' | 'status' | 'target'>) {
  return {
    ...(n.status === 'pending' ? { pendingTarget: n.target } : {}),
    ...(openStatuses.has(n.status) ? { openShard: openShardOf(n.notificationId) } : {}),
  };
}

/** A stored item as a NotificationRecord, without its key, index and bookkeeping attributes. */
export function toRecord(item: Record<string, unknown>): NotificationRecord {
  const { statusRank: _rank, pendingTarget: _target, openShard: _shard, ...rest } = stripKeys<
    NotificationRecord & { statusRank?: number; pendingTarget?: string; openShard?: string }
  >(item);
  return rest;
}

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/**
 * NotificationLog in DynamoDB. Partition `userId`, sort `notificationId` (file id first, so a
 * descending query is newest first and a file's notifications share a key prefix). `byStatus`
 * (`userId#status`) serves the status filter; the sparse `byMessageSid` finds a callback's
 * notification, `byPendingTarget` an opted-out recipient's pending ones, and `byOpenStatus`
 * (sharded, by `updatedAt`) those whose callbacks are overdue. Every write is a single-item
 * conditional write: status changes compare a stored rank so they can only move forward,
 * whatever order Twilio's callbacks arrive in.
 */
export class DynamoNotificationRepository implements NotificationRepository, NotificationMaintenance {
  readonly openShards = OPEN_SHARDS;

  constructor(
    private readonly tableName: string = readConfig(configParts.notificationsTable).NOTIFICATIONS_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async createIfAbsent(n: NotificationRecord): Promise<NotificationRecord> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...key(n.userId, n.notificationId),
            gsi1pk: statusKey(n.userId, n.status),
            gsi1sk: n.notificationId,
            statusRank: statusRank[n.status],
            ...sparseKeys(n),
            ...n,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return n;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const existing = await this.get(n.userId, n.notificationId);
      if (!existing) throw err;
      return existing;
    }
  }

  async get(userId: string, notificationId: string): Promise<NotificationRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: key(userId, notificationId), ConsistentRead: true }),
    );
    return Item ? toRecord(Item) : undefined;
  }

  async claim(userId: string, notificationId: string, now: number, leaseUntil: number): Promise<NotificationRecord | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: 'SET claimExpiresAt = :lease, attempts = attempts + :one',
          ConditionExpression:
            '#status = :pending AND (attribute_not_exists(claimExpiresAt) OR claimExpiresAt < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':lease': leaseUntil, ':one': 1, ':pending': 'pending', ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return Attributes ? toRecord(Attributes) : undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  async unclaim(userId: string, notificationId: string, leaseUntil: number): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: 'SET attempts = attempts - :one REMOVE claimExpiresAt',
          ConditionExpression: 'claimExpiresAt = :lease',
          ExpressionAttributeValues: { ':one': 1, ':lease': leaseUntil },
        }),
      );
    } catch (err) {
      // The claim had expired and another sender took it: it is theirs now.
      if (!isConditionFailure(err)) throw err;
    }
  }

  async release(userId: string, notificationId: string, lastError: { errorCode?: string; errorMessage?: string }): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: 'SET errorCode = :code, errorMessage = :message REMOVE claimExpiresAt',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':code': lastError.errorCode ?? null, ':message': lastError.errorMessage ?? null },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async advance(userId: string, notificationId: string, update: StatusUpdate): Promise<boolean> {
    return update.status === 'read'
      ? this.changeStatus(userId, notificationId, update, '#status = :delivered', { ':delivered': 'delivered' })
      : this.changeStatus(userId, notificationId, update, 'statusRank < :rank');
  }

  async suppressPending(userId: string, notificationId: string, update: StatusUpdate, now: number): Promise<boolean> {
    return this.changeStatus(userId, notificationId, update, '#status = :pending AND (attribute_not_exists(claimExpiresAt) OR claimExpiresAt < :now)', {
      ':pending': 'pending',
      ':now': now,
    });
  }

  /** One conditional write of a status change, its history entry and its index keys; false when `condition` fails. */
  private async changeStatus(
    userId: string,
    notificationId: string,
    update: StatusUpdate,
    condition: string,
    conditionValues: Record<string, unknown> = {},
  ): Promise<boolean> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ...conditionValues,
      ':status': update.status,
      ':rank': statusRank[update.status],
      ':gsi': statusKey(userId, update.status),
      ':at': update.at,
      ':entry': [{ status: update.status, at: update.at, ...(update.errorCode ? { errorCode: update.errorCode } : {}) }],
    };
    const sets = [
      '#status = :status',
      'statusRank = :rank',
      'gsi1pk = :gsi',
      'updatedAt = :at',
      'history = list_append(history, :entry)',
    ];
    if (update.messageSid) {
      sets.push('messageSid = :sid');
      values[':sid'] = update.messageSid;
    }
    if (update.size) {
      // SEGMENTS is a DynamoDB reserved word.
      sets.push('encoding = :encoding', '#segments = :segments');
      names['#segments'] = 'segments';
      values[':encoding'] = update.size.encoding;
      values[':segments'] = update.size.segments;
    }
    if (update.errorCode !== undefined) {
      sets.push('errorCode = :code', 'errorMessage = :message');
      values[':code'] = update.errorCode;
      values[':message'] = update.errorMessage ?? null;
    }
    // Leaving pending drops the notification from byPendingTarget; leaving the open states, from byOpenStatus.
    const removes = ['claimExpiresAt', 'pendingTarget'];
    if (openStatuses.has(update.status)) {
      sets.push('openShard = :shard');
      values[':shard'] = openShardOf(notificationId);
    } else {
      removes.push('openShard');
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND ${condition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async recordMessageSid(userId: string, notificationId: string, messageSid: string, size?: StatusUpdate['size']): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key(userId, notificationId),
        UpdateExpression: `SET messageSid = :sid${size ? ', encoding = :encoding, #segments = :segments' : ''} REMOVE claimExpiresAt`,
        ConditionExpression: 'attribute_exists(pk)',
        ...(size ? { ExpressionAttributeNames: { '#segments': 'segments' } } : {}),
        ExpressionAttributeValues: { ':sid': messageSid, ...(size ? { ':encoding': size.encoding, ':segments': size.segments } : {}) },
      }),
    );
  }

  async findByMessageSid(messageSid: string): Promise<{ userId: string; notificationId: string } | undefined> {
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byMessageSid',
        KeyConditionExpression: 'messageSid = :sid',
        ExpressionAttributeValues: { ':sid': messageSid },
        Limit: 1,
      }),
    );
    const item = Items?.[0];
    return item ? { userId: String(item.pk), notificationId: String(item.sk) } : undefined;
  }

  async list(
    userId: string,
    filter: { fileId?: string; status?: NotificationStatus },
    page: PageRequest,
  ): Promise<Page<NotificationRecord>> {
    const byStatus = filter.status !== undefined;
    const values: Record<string, unknown> = { ':pk': byStatus ? statusKey(userId, filter.status!) : userId };
    let condition = byStatus ? 'gsi1pk = :pk' : 'pk = :pk';
    if (filter.fileId) {
      condition += byStatus ? ' AND begins_with(gsi1sk, :file)' : ' AND begins_with(sk, :file)';
      values[':file'] = `${filter.fileId}-`;
    }
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byStatus ? 'byStatus' : undefined,
        KeyConditionExpression: condition,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map(toRecord), lastKey: out.LastEvaluatedKey };
  }

  async listForFile(userId: string, fileId: string): Promise<NotificationRecord[]> {
    const items: NotificationRecord[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.list(userId, { fileId }, { limit: 100, startKey });
      items.push(...page.items);
      startKey = page.lastKey;
    } while (startKey);
    return items;
  }

  async listPendingTo(target: string, page: PageRequest): Promise<Page<NotificationRecord>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byPendingTarget',
        KeyConditionExpression: 'pendingTarget = :target',
        ExpressionAttributeValues: { ':target': target },
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map(toRecord), lastKey: out.LastEvaluatedKey };
  }

  async listOpen(shard: number, changed: { from: string; to: string }, page: PageRequest): Promise<Page<NotificationRecord>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byOpenStatus',
        KeyConditionExpression: 'openShard = :shard AND updatedAt BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':shard': `open#${shard}`, ':from': changed.from, ':to': changed.to },
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map(toRecord), lastKey: out.LastEvaluatedKey };
  }
}
