import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { readConfig } from '../config.ts';
import type { AutoReplyGuard, CallFilter, CallRecord, CallRepository, CallStatus, Page, PageRequest } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';
import { conditional, ONLY, voiceTableConfig } from './dynamo-line-repository-adapter.ts';

const callKey = (callId: string) => ({ pk: `call#${callId}`, sk: ONLY });
const KEY_ATTRIBUTES = ['pk', 'sk', 'ownerKey', 'lineKey', 'statusKey', 'fromKey', 'listSort'];

/** The list keys a call carries, one per GET /calls filter: each filter is one key condition. */
const listKeys = (call: Pick<CallRecord, 'userId' | 'lineId' | 'from' | 'startedAt' | 'callId'>) => ({
  ownerKey: `calls#${call.userId}`,
  lineKey: `calls#${call.userId}#${call.lineId}`,
  fromKey: `calls#${call.userId}#${call.from}`,
  listSort: `${call.startedAt}#${call.callId}`,
});
const statusKeyOf = (userId: string, status: CallStatus) => `calls#${userId}#${status}`;

function toCall(item: Record<string, unknown>): CallRecord {
  const call = { ...item };
  for (const key of KEY_ATTRIBUTES) delete call[key];
  return call as unknown as CallRecord;
}

/**
 * Calls in the voice table, one item per CallSid (`call#<CallSid>`), so every webhook finds its
 * call with one read and settles it with one conditional update. The status and the status
 * index key change in the same update, so the index never disagrees with the call.
 */
export class DynamoCallRepository implements CallRepository, AutoReplyGuard {
  constructor(
    private readonly tableName: string = readConfig(voiceTableConfig).VOICE_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async startIfAbsent(call: CallRecord): Promise<CallRecord> {
    const item = { ...callKey(call.callId), ...listKeys(call), statusKey: statusKeyOf(call.userId, call.status), ...call };
    const written = await conditional(
      this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })),
    );
    return written ? call : ((await this.get(call.callId)) ?? call);
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: callKey(callId), ConsistentRead: true }));
    return Item ? toCall(Item) : undefined;
  }

  settle(call: CallRecord, update: { status: CallStatus; dialStatus?: string }): Promise<boolean> {
    const callId = call.callId;
    return conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: callKey(callId),
          UpdateExpression: `SET #status = :status, statusKey = :statusKey${update.dialStatus ? ', dialStatus = :dial' : ''}`,
          ConditionExpression: '#status = :ringing',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': update.status,
            ':statusKey': statusKeyOf(call.userId, update.status),
            ':ringing': 'ringing',
            ...(update.dialStatus ? { ':dial': update.dialStatus } : {}),
          },
        }),
      ),
    );
  }

  async recordVoicemail(call: CallRecord, recording: { url: string; seconds: number }): Promise<void> {
    const callId = call.callId;
    const status = call.status === 'missed' ? 'voicemail' : call.status;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: callKey(callId),
        UpdateExpression: 'SET recordingUrl = :url, recordingSeconds = :seconds, #status = :status, statusKey = :statusKey',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':url': recording.url, ':seconds': recording.seconds, ':status': status, ':statusKey': statusKeyOf(call.userId, status) },
      }),
    );
  }

  async finish(call: CallRecord, end: { endedAt: string; durationSeconds?: number; failed: boolean }): Promise<void> {
    const callId = call.callId;
    if (call.endedAt) return;
    const status: CallStatus = call.status === 'ringing' && end.failed ? 'failed' : call.status;
    await conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: callKey(callId),
          UpdateExpression: `SET endedAt = :end, #status = :status, statusKey = :statusKey${end.durationSeconds !== undefined ? ', durationSeconds = :d' : ''}`,
          ConditionExpression: 'attribute_not_exists(endedAt)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':end': end.endedAt,
            ':status': status,
            ':statusKey': statusKeyOf(call.userId, status),
            ...(end.durationSeconds !== undefined ? { ':d': end.durationSeconds } : {}),
          },
        }),
      ),
    );
  }

  async recordAutoReply(callId: string, outcome: Pick<CallRecord, 'autoReply' | 'autoReplySkipped' | 'conversationId'>): Promise<void> {
    const entries = Object.entries(outcome).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: callKey(callId),
        UpdateExpression: `SET ${entries.map(([k]) => `#${k} = :${k}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k]) => [`#${k}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([k, v]) => [`:${k}`, v])),
      }),
    );
  }

  /** The most selective filter picks the index (line, then caller, then status); the others narrow what it reads. */
  async list(userId: string, filter: CallFilter, page: PageRequest): Promise<Page<CallRecord>> {
    const [index, keyName, keyValue] = filter.lineId
      ? ['byLine', 'lineKey', `calls#${userId}#${filter.lineId}`]
      : filter.from
        ? ['byFrom', 'fromKey', `calls#${userId}#${filter.from}`]
        : filter.status
          ? ['byStatus', 'statusKey', statusKeyOf(userId, filter.status)]
          : ['byOwner', 'ownerKey', `calls#${userId}`];
    const narrow: string[] = [];
    const values: Record<string, unknown> = { ':k': keyValue };
    if (filter.from && index !== 'byFrom') {
      narrow.push('#from = :from');
      values[':from'] = filter.from;
    }
    if (filter.status && index !== 'byStatus') {
      narrow.push('#status = :status');
      values[':status'] = filter.status;
    }
    const names = {
      ...(narrow.some((n) => n.includes('#from')) ? { '#from': 'from' } : {}),
      ...(narrow.some((n) => n.includes('#status')) ? { '#status': 'status' } : {}),
    };
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: index,
        KeyConditionExpression: `${keyName} = :k`,
        ExpressionAttributeValues: values,
        ...(narrow.length > 0 ? { FilterExpression: narrow.join(' AND '), ExpressionAttributeNames: names } : {}),
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: page.startKey,
      }),
    );
    return { items: (out.Items ?? []).map(toCall), lastKey: out.LastEvaluatedKey };
  }

  take(lineId: string, caller: string, callId: string, now: number, expiresAt: number): Promise<boolean> {
    return conditional(
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: `autoreply#${lineId}#${caller}`, sk: ONLY, callId, until: expiresAt, expiresAt: Math.ceil(expiresAt / 1000) },
          ConditionExpression: 'attribute_not_exists(pk) OR #until <= :now OR callId = :call',
          ExpressionAttributeNames: { '#until': 'until' },
          ExpressionAttributeValues: { ':now': now, ':call': callId },
        }),
      ),
    );
  }
}
