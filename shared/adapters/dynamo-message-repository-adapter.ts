import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { messageConfigParts, readConfig } from '../config.ts';
import { messageStatusRank } from '../domain/messages.ts';
import type {
  MediaRecord,
  MediaRepository,
  MessageFilter,
  MessageMedia,
  MessageRecord,
  MessageRepository,
  MessageStats,
  MessageStatus,
  Page,
  PageRequest,
} from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const messageKey = (owner: string, messageId: string) => ({ pk: owner, sk: `msg#${messageId}` });
const mediaKey = (owner: string, mediaId: string) => ({ pk: owner, sk: `media#${mediaId}` });
const statsKey = (owner: string) => ({ pk: owner, sk: 'stats' });

type Filterable = Required<Pick<MessageFilter, 'from' | 'to' | 'status'>>;

/**
 * One index per filter combination: the attribute holding its partition key and the filter
 * fields it is made of, in order. Its value is `<owner>#<field values>`: phone numbers and
 * statuses hold no `#`, so the fields are read unambiguously from the right.
 */
const filterIndexes = [
  { name: 'byFrom', attribute: 'fromKey', fields: ['from'] },
  { name: 'byTo', attribute: 'toKey', fields: ['to'] },
  { name: 'byStatus', attribute: 'statusKey', fields: ['status'] },
  { name: 'byFromTo', attribute: 'fromToKey', fields: ['from', 'to'] },
  { name: 'byFromStatus', attribute: 'fromStatusKey', fields: ['from', 'status'] },
  { name: 'byToStatus', attribute: 'toStatusKey', fields: ['to', 'status'] },
  { name: 'byFromToStatus', attribute: 'fromToStatusKey', fields: ['from', 'to', 'status'] },
] as const satisfies ReadonlyArray<{ name: string; attribute: string; fields: ReadonlyArray<keyof Filterable> }>;

const indexValue = (owner: string, fields: ReadonlyArray<keyof Filterable>, values: Partial<Filterable>) => [owner, ...fields.map((f) => values[f])].join('#');

/** Every index key of a message, as written on its item. */
export function indexKeysOf(m: Pick<MessageRecord, 'owner' | 'from' | 'to' | 'status'>): Record<string, string> {
  return Object.fromEntries(filterIndexes.map((index) => [index.attribute, indexValue(m.owner, index.fields, m)]));
}

/** The index keys that name the status, which a status change rewrites with it. */
function statusKeysOf(m: Pick<MessageRecord, 'owner' | 'from' | 'to' | 'status'>): Record<string, string> {
  return Object.fromEntries(
    filterIndexes
      .filter((index) => (index.fields as readonly string[]).includes('status'))
      .map((index) => [index.attribute, indexValue(m.owner, index.fields, m)]),
  );
}

const bookkeeping = new Set(['pk', 'sk', 'statusRank', 'uncounted', ...filterIndexes.map((index) => index.attribute)]);

function toMessage(item: Record<string, unknown>): MessageRecord {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !bookkeeping.has(name))) as unknown as MessageRecord;
}

const isConditionFailure = (err: unknown) => err instanceof ConditionalCheckFailedException;

/** A new message's item: its keys, its fields, its status rank and every index key. */
export function messageItem(message: MessageRecord): Record<string, unknown> {
  return { ...messageKey(message.owner, message.messageId), ...message, statusRank: messageStatusRank[message.status], ...indexKeysOf(message) };
}

/** Skipping reads only keys, a thousand at a time. */
const SKIP_BATCH = 1_000;

/**
 * The message store in DynamoDB (table `Messages`, see shared/topology.ts): messages, their owners'
 * media records and running totals. Every write is a single-item conditional write.
 */
export class DynamoMessageRepository implements MessageRepository, MediaRepository, MessageStats {
  constructor(
    private readonly tableName: string = readConfig(messageConfigParts.messagesTable).MESSAGES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async putIfAbsent(message: MessageRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: messageItem(message),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async get(owner: string, messageId: string): Promise<MessageRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: messageKey(owner, messageId), ConsistentRead: true }));
    return Item ? toMessage(Item) : undefined;
  }

  async markStored(message: MessageRecord): Promise<boolean> {
    // Every attribute is set, so the update creates the message when the API's own write never landed;
    // media attached meanwhile are kept.
    const { media, ...rest } = { ...message, status: 'stored' as const };
    const fields: Record<string, unknown> = { ...rest, statusRank: messageStatusRank.stored, ...indexKeysOf(rest) };
    return this.advance(message.owner, message.messageId, 'stored', fields, media);
  }

  async markProcessed(message: MessageRecord, processedAt: string, processingMs: number): Promise<boolean> {
    const fields = {
      status: 'processed',
      statusRank: messageStatusRank.processed,
      processedAt,
      processingMs,
      uncounted: true,
      ...statusKeysOf({ ...message, status: 'processed' }),
    };
    return this.advance(message.owner, message.messageId, 'processed', fields);
  }

  /** Sets `fields` only if the stored status ranks below `to` (or the message is absent and `media` given). */
  private async advance(owner: string, messageId: string, to: MessageStatus, fields: Record<string, unknown>, media?: MessageMedia[]): Promise<boolean> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':rank': messageStatusRank[to] };
    const sets = Object.entries(fields).map(([name, value], i) => {
      names[`#f${i}`] = name;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
    if (media) {
      names['#media'] = 'media';
      values[':media'] = media;
      sets.push('#media = if_not_exists(#media, :media)');
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(owner, messageId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: media ? 'attribute_not_exists(pk) OR statusRank < :rank' : 'attribute_exists(pk) AND statusRank < :rank',
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

  async list(owner: string, filter: MessageFilter, page: PageRequest & { offset: number }): Promise<Page<MessageRecord>> {
    const wanted = (['from', 'to', 'status'] as const).filter((f) => filter[f] !== undefined);
    const index = filterIndexes.find((i) => i.fields.length === wanted.length && wanted.every((f) => (i.fields as readonly string[]).includes(f)));
    const keyAttribute = index ? index.attribute : 'pk';
    const query = {
      TableName: this.tableName,
      ...(index ? { IndexName: index.name } : {}),
      KeyConditionExpression: '#k = :k AND begins_with(sk, :msg)',
      ExpressionAttributeNames: { '#k': keyAttribute },
      ExpressionAttributeValues: { ':k': index ? indexValue(owner, index.fields, filter) : owner, ':msg': 'msg#' },
      ScanIndexForward: false,
    };
    const keyOf = (item: Record<string, unknown>) => ({ pk: item.pk, sk: item.sk, ...(index ? { [keyAttribute]: item[keyAttribute] } : {}) });

    let startKey = page.startKey;
    for (let toSkip = page.offset; toSkip > 0; ) {
      const out = await this.client.send(
        new QueryCommand({
          ...query,
          ExpressionAttributeNames: { ...query.ExpressionAttributeNames, '#pk': 'pk', '#sk': 'sk' },
          ProjectionExpression: index ? '#pk, #sk, #k' : '#pk, #sk',
          Limit: Math.min(SKIP_BATCH, toSkip),
          ExclusiveStartKey: startKey,
        }),
      );
      const items = out.Items ?? [];
      toSkip -= items.length;
      if (!out.LastEvaluatedKey) return { items: [] };
      startKey = items.length > 0 ? keyOf(items.at(-1)!) : out.LastEvaluatedKey;
    }

    // One more than asked, so the cursor is given only when another page really follows.
    const items: Record<string, unknown>[] = [];
    let more = false;
    do {
      const out = await this.client.send(new QueryCommand({ ...query, Limit: page.limit + 1 - items.length, ExclusiveStartKey: startKey }));
      items.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
      more = startKey !== undefined;
    } while (more && items.length <= page.limit);
    const hasNext = items.length > page.limit;
    const pageItems = items.slice(0, page.limit);
    return { items: pageItems.map(toMessage), ...(hasNext ? { lastKey: keyOf(pageItems.at(-1)!) } : {}) };
  }

  async uncountedProcessingMs(owner: string, messageId: string): Promise<number | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: messageKey(owner, messageId), ConsistentRead: true, ProjectionExpression: 'uncounted, processingMs' }),
    );
    return Item?.uncounted ? Number(Item.processingMs ?? 0) : undefined;
  }

  async markCounted(owner: string, messageId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: messageKey(owner, messageId),
        UpdateExpression: 'REMOVE uncounted',
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  async attachMedia(owner: string, messageId: string, media: MessageMedia): Promise<boolean> {
    // Appends only to the list as read (its length unchanged), so the same image is never listed twice.
    const current = await this.get(owner, messageId);
    if (!current || current.media.some((m) => m.mediaId === media.mediaId)) return false;
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: messageKey(owner, messageId),
          UpdateExpression: 'SET #media = list_append(#media, :one)',
          ConditionExpression: 'attribute_exists(pk) AND size(#media) = :count',
          ExpressionAttributeNames: { '#media': 'media' },
          ExpressionAttributeValues: { ':one': [media], ':count': current.media.length },
        }),
      );
      return true;
    } catch (err) {
      // Someone attached meanwhile: look again.
      if (isConditionFailure(err)) return this.attachMedia(owner, messageId, media);
      throw err;
    }
  }

  async getMedia(owner: string, mediaId: string): Promise<MediaRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: mediaKey(owner, mediaId), ConsistentRead: true }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...media } = Item;
    return media as MediaRecord;
  }

  async putMediaIfAbsent(media: MediaRecord): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...mediaKey(media.owner, media.mediaId), ...media },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async addProcessed(owner: string, processingMs: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: statsKey(owner),
        UpdateExpression: 'ADD #processed :one, #total :ms',
        ExpressionAttributeNames: { '#processed': 'processed', '#total': 'processingMsTotal' },
        ExpressionAttributeValues: { ':one': 1, ':ms': processingMs },
      }),
    );
  }

  async totals(owner: string): Promise<{ processed: number; processingMsTotal: number }> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: statsKey(owner) }));
    return { processed: Number(Item?.processed ?? 0), processingMsTotal: Number(Item?.processingMsTotal ?? 0) };
  }
}
