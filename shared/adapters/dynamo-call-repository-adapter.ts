import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { readConfig } from '../config.ts';
import type { AutoReplyGuard, CallChange, CallFilter, CallRecord, CallRepository, CallStatus, Page, PageRequest } from '../ports.ts';
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

/**
 * The owner of each call this function instance has read or recorded. A call never changes
 * owner, so the webhooks after the first settle a call with one conditional update instead of a
 * read and then an update; a call not in here is read first.
 */
const owners = new Map<string, string>();
const MAX_OWNERS = 10_000;
function remember(call: Pick<CallRecord, 'callId' | 'userId'>): void {
  if (owners.has(call.callId)) return;
  if (owners.size >= MAX_OWNERS) owners.delete(owners.keys().next().value!);
  owners.set(call.callId, call.userId);
}

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
    if (written) remember(call);
    return written ? call : ((await this.get(call.callId)) ?? call);
  }

  async get(callId: string): Promise<CallRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: callKey(callId), ConsistentRead: true }));
    const call = Item ? toCall(Item) : undefined;
    if (call) remember(call);
    return call;
  }

  async settle(callId: string, update: { status: CallStatus; dialStatus?: string }): Promise<CallChange | undefined> {
    const owner = await this.ownerOf(callId);
    if (!owner) return undefined;
    if (owner.call && owner.call.status !== 'ringing') return { call: owner.call, changed: false };
    return this.changeOrRead(callId, {
      UpdateExpression: `SET #status = :status, statusKey = :statusKey${update.dialStatus ? ', dialStatus = :dial' : ''}`,
      ConditionExpression: '#status = :ringing',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': update.status,
        ':statusKey': statusKeyOf(owner.userId, update.status),
        ':ringing': 'ringing',
        ...(update.dialStatus ? { ':dial': update.dialStatus } : {}),
      },
    });
  }

  async recordVoicemail(callId: string, recording: { url: string; seconds: number }): Promise<void> {
    const owner = await this.ownerOf(callId);
    if (!owner) return;
    const values = { ':url': recording.url, ':seconds': recording.seconds };
    // A missed call becomes `voicemail`; any other keeps its status and gets the recording.
    const becameVoicemail = await conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: callKey(callId),
          UpdateExpression: 'SET recordingUrl = :url, recordingSeconds = :seconds, #status = :voicemail, statusKey = :statusKey',
          ConditionExpression: '#status = :missed',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...values, ':voicemail': 'voicemail', ':missed': 'missed', ':statusKey': statusKeyOf(owner.userId, 'voicemail') },
        }),
      ),
    );
    if (becameVoicemail) return;
    await conditional(
      this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: callKey(callId),
          UpdateExpression: 'SET recordingUrl = :url, recordingSeconds = :seconds',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: values,
        }),
      ),
    );
  }

  async finish(callId: string, end: { endedAt: string; durationSeconds?: number; ringingBecomes: CallStatus }): Promise<CallChange | undefined> {
    const owner = await this.ownerOf(callId);
    if (!owner) return undefined;
    if (owner.call?.endedAt) return { call: owner.call, changed: false };
    const duration = end.durationSeconds !== undefined ? ', durationSeconds = :d' : '';
    const values = { ':end': end.endedAt, ':ringing': 'ringing', ...(end.durationSeconds !== undefined ? { ':d': end.durationSeconds } : {}) };
    // The usual end: the call was settled by its dial-status (or went to voicemail) and keeps its status.
    const ended = await this.change(callId, {
      UpdateExpression: `SET endedAt = :end${duration}`,
      ConditionExpression: 'attribute_not_exists(endedAt) AND #status <> :ringing',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    });
    if (ended) return { call: ended, changed: true };
    // Still ringing at its end: nobody answered (or the call failed), settled here.
    return this.changeOrRead(callId, {
      UpdateExpression: `SET endedAt = :end${duration}, #status = :status, statusKey = :statusKey`,
      ConditionExpression: 'attribute_not_exists(endedAt) AND #status = :ringing',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ...values, ':status': end.ringingBecomes, ':statusKey': statusKeyOf(owner.userId, end.ringingBecomes) },
    });
  }

  /**
   * Whose call it is (the status index key names the owner): from the calls this instance has
   * seen, which never change owner, or else read, in which case the whole call comes along.
   */
  private async ownerOf(callId: string): Promise<{ userId: string; call?: CallRecord } | undefined> {
    const userId = owners.get(callId);
    if (userId) return { userId };
    const call = await this.get(callId);
    return call ? { userId: call.userId, call } : undefined;
  }

  /** One conditional update; the call as it is afterwards, or undefined when the condition was false. */
  private async change(callId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<CallRecord | undefined> {
    try {
      const out = await this.client.send(new UpdateCommand({ TableName: this.tableName, Key: callKey(callId), ReturnValues: 'ALL_NEW', ...update }));
      return out.Attributes ? toCall(out.Attributes) : undefined;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return undefined;
      throw err;
    }
  }

  /** The update when its condition holds; else the call as it stands, unchanged. */
  private async changeOrRead(callId: string, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>): Promise<CallChange | undefined> {
    const changed = await this.change(callId, update);
    if (changed) return { call: changed, changed: true };
    const call = await this.get(callId);
    return call ? { call, changed: false } : undefined;
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
