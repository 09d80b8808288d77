import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import { advanceRequirement, statusRank, type NotificationStatus } from '../domain/notification-status.ts';
import type {
  NotificationFilter,
  NotificationMaintenance,
  NotificationRecord,
  NotificationRepository,
  Page,
  PageRequest,
  ScheduledSends,
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

/** Partitions of the sparse byDue index; the schedule sweep reads each in turn. */
const DUE_SHARDS = 4;
function dueShardOf(notificationId: string): string {
  let hash = 7;
  for (const char of notificationId) hash = (hash * 33 + char.charCodeAt(0)) >>> 0;
  return `due#${hash % DUE_SHARDS}`;
}

/** Statuses an opt-out still stops: nothing has gone to Twilio yet. */
const waitingStatuses: ReadonlySet<NotificationStatus> = new Set(['scheduled', 'pending']);

/**
 * Index keys that exist only in some states: `pendingTarget` while scheduled or pending,
 * `openShard` while open, `dueShard` while an API send's timer is not yet on the queue. `targetKey` and
 * `sourceKey` serve the `to` and `source` filters.
 */
function sparseKeys(n: Pick<NotificationRecord, 'userId' | 'notificationId' | 'status' | 'target' | 'source' | 'dueAt'>) {
  return {
    targetKey: `${n.userId}#${n.target}`,
    sourceKey: `${n.userId}#${n.source ?? 'rule'}`,
    ...(waitingStatuses.has(n.status) ? { pendingTarget: n.target } : {}),
    ...(openStatuses.has(n.status) ? { openShard: openShardOf(n.notificationId) } : {}),
    ...(n.dueAt !== undefined && waitingStatuses.has(n.status) ? { dueShard: dueShardOf(n.notificationId) } : {}),
  };
}

/** A stored item as a NotificationRecord, without its key, index and bookkeeping attributes. */
export function toRecord(item: Record<string, unknown>): NotificationRecord {
  const {
    statusRank: _rank,
    pendingTarget: _target,
    openShard: _shard,
    dueShard: _due,
    targetKey: _targetKey,
    sourceKey: _sourceKey,
    ...rest
  } = stripKeys<
    NotificationRecord & { statusRank?: number; pendingTarget?: string; openShard?: string; dueShard?: string; targetKey?: string; sourceKey?: string }
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
export class DynamoNotificationRepository implements NotificationRepository, NotificationMaintenance, ScheduledSends {
  readonly openShards = OPEN_SHARDS;
  readonly dueShards = DUE_SHARDS;

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
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key(userId, notificationId), ConsistentRead: true }));
    return Item ? toRecord(Item) : undefined;
  }

  async claim(userId: string, notificationId: string, now: number, leaseUntil: number): Promise<NotificationRecord | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: 'SET claimExpiresAt = :lease, attempts = attempts + :one',
          ConditionExpression: '#status = :pending AND (attribute_not_exists(claimExpiresAt) OR claimExpiresAt < :now)',
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
    const requirement = advanceRequirement(update.status);
    return requirement.kind === 'from'
      ? this.changeStatus(userId, notificationId, update, '#status = :from', { ':from': requirement.status })
      : this.changeStatus(userId, notificationId, update, 'statusRank < :below', { ':below': requirement.rank });
  }

  async suppressPending(userId: string, notificationId: string, update: StatusUpdate, now: number): Promise<boolean> {
    return this.changeStatus(
      userId,
      notificationId,
      update,
      '#status IN (:scheduled, :pending) AND (attribute_not_exists(claimExpiresAt) OR claimExpiresAt < :now)',
      {
        ':scheduled': 'scheduled',
        ':pending': 'pending',
        ':now': now,
      },
    );
  }

  async cancel(userId: string, notificationId: string, at: string, now: number): Promise<boolean> {
    return this.changeStatus(
      userId,
      notificationId,
      { status: 'canceled', at },
      '#status IN (:scheduled, :pending) AND (attribute_not_exists(claimExpiresAt) OR claimExpiresAt < :now)',
      { ':scheduled': 'scheduled', ':pending': 'pending', ':now': now },
    );
  }

  async promote(userId: string, notificationId: string, dueAt: string, at: string): Promise<boolean> {
    return this.changeStatus(userId, notificationId, { status: 'pending', at }, '#status = :scheduled AND dueAt = :dueAt', {
      ':scheduled': 'scheduled',
      ':dueAt': dueAt,
    });
  }

  async promoteAndClaim(userId: string, notificationId: string, dueAt: string, at: string, leaseUntil: number): Promise<NotificationRecord | undefined> {
    const out = await this.changeStatus(
      userId,
      notificationId,
      { status: 'pending', at },
      '#status = :scheduled AND dueAt = :dueAt',
      { ':scheduled': 'scheduled', ':dueAt': dueAt },
      leaseUntil,
    );
    return out ? out : undefined;
  }

  async reschedule(userId: string, notificationId: string, sendAt: string, at: string, dueAt?: string): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: 'SET sendAt = :sendAt, dueAt = :sendAt, dueShard = :shard, updatedAt = :at',
          ConditionExpression: `attribute_exists(pk) AND #status = :scheduled${dueAt === undefined ? '' : ' AND dueAt = :dueAt'}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':sendAt': sendAt,
            ':shard': dueShardOf(notificationId),
            ':at': at,
            ':scheduled': 'scheduled',
            ...(dueAt === undefined ? {} : { ':dueAt': dueAt }),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async listDue(shard: number, until: string, page: PageRequest): Promise<Page<NotificationRecord>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byDue',
        KeyConditionExpression: 'dueShard = :shard AND dueAt <= :until',
        ExpressionAttributeValues: { ':shard': `due#${shard}`, ':until': until },
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map(toRecord), lastKey: out.LastEvaluatedKey };
  }

  async timerSet(userId: string, notificationId: string, dueAt: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: 'REMOVE dueShard',
          ConditionExpression: 'attribute_exists(pk) AND dueAt = :dueAt',
          ExpressionAttributeValues: { ':dueAt': dueAt },
        }),
      );
    } catch (err) {
      // Rescheduled meanwhile: the new time keeps its place among the due items.
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** One conditional write of a status change, its history entry and its index keys; false when `condition` fails. */
  private async changeStatus(
    userId: string,
    notificationId: string,
    update: StatusUpdate,
    condition: string,
    conditionValues?: Record<string, unknown>,
  ): Promise<boolean>;
  private async changeStatus(
    userId: string,
    notificationId: string,
    update: StatusUpdate,
    condition: string,
    conditionValues: Record<string, unknown>,
    claimUntil: number,
  ): Promise<NotificationRecord | false>;
  /**
   * With `claimUntil`, the same write also claims the notification for one sender until then and
   * answers it as written (a scheduled send's promotion and claim in one round trip).
   */
  private async changeStatus(
    userId: string,
    notificationId: string,
    update: StatusUpdate,
    condition: string,
    conditionValues: Record<string, unknown> = {},
    claimUntil?: number,
  ): Promise<boolean | NotificationRecord> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = {
      ...conditionValues,
      ':status': update.status,
      ':rank': statusRank[update.status],
      ':gsi': statusKey(userId, update.status),
      ':at': update.at,
      ':entry': [{ status: update.status, at: update.at, ...(update.errorCode ? { errorCode: update.errorCode } : {}) }],
    };
    const sets = ['#status = :status', 'statusRank = :rank', 'gsi1pk = :gsi', 'updatedAt = :at', 'history = list_append(history, :entry)'];
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
    // Leaving the waiting states drops the notification from byPendingTarget (and byDue); leaving
    // the open states, from byOpenStatus.
    const removes = claimUntil === undefined ? ['claimExpiresAt', 'dueShard'] : ['dueShard'];
    if (claimUntil !== undefined) {
      sets.push('claimExpiresAt = :lease', 'attempts = attempts + :one');
      values[':lease'] = claimUntil;
      values[':one'] = 1;
    }
    if (waitingStatuses.has(update.status)) {
      sets.push('pendingTarget = target');
    } else {
      removes.push('pendingTarget');
    }
    if (openStatuses.has(update.status)) {
      sets.push('openShard = :shard');
      values[':shard'] = openShardOf(notificationId);
    } else {
      removes.push('openShard');
    }
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(userId, notificationId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
          ConditionExpression: `attribute_exists(pk) AND ${condition}`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(claimUntil === undefined ? {} : { ReturnValues: 'ALL_NEW' as const }),
        }),
      );
      return claimUntil === undefined || !Attributes ? true : toRecord(Attributes);
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

  /**
   * One key condition picks the index — the recipient's, the source's, the status's or the user's
   * own partition — and the other filters narrow the items read from that user's partition only,
   * so a page may hold fewer than `limit` items.
   */
  async list(userId: string, filter: NotificationFilter, page: PageRequest): Promise<Page<NotificationRecord>> {
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    const narrow: string[] = [];
    let index: string | undefined;
    let condition: string;
    let sortKey = 'sk';
    if (filter.to !== undefined) {
      index = 'byTarget';
      condition = 'targetKey = :pk';
      values[':pk'] = `${userId}#${filter.to}`;
    } else if (filter.source !== undefined) {
      index = 'bySource';
      condition = 'sourceKey = :pk';
      values[':pk'] = `${userId}#${filter.source}`;
    } else if (filter.status !== undefined) {
      index = 'byStatus';
      condition = 'gsi1pk = :pk';
      sortKey = 'gsi1sk';
      values[':pk'] = statusKey(userId, filter.status);
    } else {
      condition = 'pk = :pk';
      values[':pk'] = userId;
    }
    if (filter.fileId) {
      condition += ` AND begins_with(${sortKey}, :file)`;
      values[':file'] = `${filter.fileId}-`;
    }
    if (filter.status !== undefined && index !== 'byStatus') {
      narrow.push('#status = :status');
      names['#status'] = 'status';
      values[':status'] = filter.status;
    }
    if (filter.source !== undefined && index !== 'bySource') {
      // Notifications stored before sources existed came from rules.
      narrow.push(filter.source === 'rule' ? '(#source = :source OR attribute_not_exists(#source))' : '#source = :source');
      names['#source'] = 'source';
      values[':source'] = filter.source;
    }
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: condition,
        ...(narrow.length > 0 ? { FilterExpression: narrow.join(' AND '), ExpressionAttributeNames: names } : {}),
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
