import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import { InvalidCursorError } from '../errors.ts';
import type { FileFilter, FileRecord, FileRepository, FileSearch, Page, PageRequest, PendingUpload } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const fileKey = (userId: string, fileId: string) => ({ pk: userId, sk: `FILE#${fileId}` });
const uploadKey = (userId: string, fileId: string) => ({ pk: userId, sk: `UPLOAD#${fileId}` });

/**
 * The name-prefix lengths with index items of their own. A search for a prefix of another length
 * reads the family of the longest indexed length below it and narrows it to the whole prefix:
 * short prefixes, which match the most files, are all indexed; longer ones match few files each.
 */
export const NAME_PREFIX_LENGTHS = [1, 2, 3, 4, 6, 8, 12, 16] as const;
/** Longer file types are not indexed (no rule can name one either: rule types are ≤ 20 characters). */
const MAX_INDEXED_TYPE = 64;
/** Query calls one page may spend narrowing a filter before it answers with what it found. */
const MAX_QUERIES_PER_PAGE = 8;
const NARROWING_BATCH = 250;
const BATCH_WRITE_MAX = 25;

/** Keeps a user-supplied value from spanning a `#` separator, so every family prefix is unambiguous. */
const escapeKeyPart = (value: string) => value.replaceAll('%', '%25').replaceAll('#', '%23');

/** The lower-cased name's prefixes of the indexed lengths (code points, so no pair is split). */
function namePrefixes(fileName: string): string[] {
  const chars = Array.from(fileName.toLowerCase());
  return NAME_PREFIX_LENGTHS.filter((length) => length <= chars.length).map((length) => chars.slice(0, length).join(''));
}

/** The indexed prefix a search for `chars` reads: the longest indexed length not beyond it. */
function indexedPrefix(chars: string[]): string {
  const length = NAME_PREFIX_LENGTHS.filter((l) => l <= chars.length).pop() ?? 1;
  return chars.slice(0, length).join('');
}

/**
 * The index families a file is listed in. Each family is a run of sort keys
 * `<family>#<uploadedAt>#<fileId>` in the owner's partition, so one family read backwards is
 * that family newest first, and a date range is a key range within it.
 */
const families = {
  all: () => 'ALL',
  tag: (tag: string) => `TAG#${escapeKeyPart(tag)}`,
  type: (type: string) => `TYPE#${escapeKeyPart(type)}`,
  name: (prefix: string) => `NAME#${escapeKeyPart(prefix)}`,
};

function familiesOf(file: FileRecord): string[] {
  const of = [families.all(), ...file.tags.map(families.tag), ...namePrefixes(file.fileName).map(families.name)];
  if (file.fileType !== '' && file.fileType.length <= MAX_INDEXED_TYPE) of.push(families.type(file.fileType));
  return [...new Set(of)];
}

/** The FILE item itself: what GET /files/{fileId} reads. */
function fileItem(file: FileRecord): Record<string, unknown> {
  return { ...fileKey(file.userId, file.fileId), ...file };
}

/**
 * The index items of a file: one per family it is listed in, each holding the whole record so a
 * list page needs no second read. Their keys follow from the record alone, so writing them again
 * is harmless.
 */
function indexItems(file: FileRecord): Record<string, unknown>[] {
  const nameLower = file.fileName.toLowerCase();
  return familiesOf(file).map((family) => ({ pk: file.userId, sk: `${family}#${file.uploadedAt}#${file.fileId}`, ...file, nameLower }));
}

/**
 * Every item a recorded file occupies in FileMetadata: the FILE item first, then its index
 * items. `recordFile` writes exactly these; the search benchmark seeds with them.
 */
export function fileItems(file: FileRecord): Record<string, unknown>[] {
  return [fileItem(file), ...indexItems(file)];
}

/** How one search reads: a key range in one family, and what is left to narrow on the items read. */
export interface SearchPlan {
  family: string;
  /** Inclusive sort-key bounds. */
  range: [string, string];
  /** Filters the key range cannot express, applied to the items it holds. */
  narrow: { namePrefix?: string; tag?: string; type?: string };
}

/**
 * Picks the family most likely to hold the fewest items: a name prefix of 4+ characters, then a
 * tag, then a shorter name prefix, then the type, then all files; the date range is a key range
 * in whichever is chosen. The rest narrows the items of the user's own key range, never more.
 */
export function searchPlan(filter: FileFilter): SearchPlan {
  const name = filter.name?.toLowerCase();
  const nameChars = name === undefined ? [] : Array.from(name);
  const nameLength = nameChars.length;
  const byName = () => families.name(indexedPrefix(nameChars));
  let family: string;
  const narrow: SearchPlan['narrow'] = {};
  if (name !== undefined && nameLength >= 4) {
    family = byName();
    if (filter.tag !== undefined) narrow.tag = filter.tag;
    if (filter.type !== undefined) narrow.type = filter.type;
  } else if (filter.tag !== undefined) {
    family = families.tag(filter.tag);
    if (name !== undefined) narrow.namePrefix = name;
    if (filter.type !== undefined) narrow.type = filter.type;
  } else if (name !== undefined) {
    family = byName();
    if (filter.type !== undefined) narrow.type = filter.type;
  } else if (filter.type !== undefined) {
    family = families.type(filter.type);
  } else {
    family = families.all();
  }
  if (name !== undefined && family.startsWith('NAME#') && indexedPrefix(nameChars).length < name.length) narrow.namePrefix = name;
  // Upload times are `toISOString` strings; `~` sorts after every character of a time and an id.
  const range: [string, string] = [filter.from ? `${family}#${filter.from}` : `${family}#`, filter.to ? `${family}#${filter.to}#~` : `${family}#~`];
  return { family, range, narrow };
}

function narrowingExpression(narrow: SearchPlan['narrow']) {
  const terms: string[] = [];
  const values: Record<string, unknown> = {};
  if (narrow.namePrefix !== undefined) {
    terms.push('begins_with(nameLower, :name)');
    values[':name'] = narrow.namePrefix;
  }
  if (narrow.tag !== undefined) {
    terms.push('contains(tags, :tag)');
    values[':tag'] = narrow.tag;
  }
  if (narrow.type !== undefined) {
    terms.push('fileType = :type');
    values[':type'] = narrow.type;
  }
  return terms.length ? { FilterExpression: terms.join(' AND '), values } : undefined;
}

const fileFields = ['userId', 'fileId', 'fileName', 'fileType', 'contentType', 'sizeBytes', 'tags', 'uploadedAt', 'objectKey'] as const;

/** Present only on some records. */
const optionalFileFields = ['eTag', 'replacedAt'] as const;

function toFileRecord(item: Record<string, unknown>): FileRecord {
  const record = Object.fromEntries(fileFields.map((field) => [field, item[field]]));
  for (const field of optionalFileFields) if (item[field] !== undefined) record[field] = item[field];
  return record as unknown as FileRecord;
}

/**
 * FileMetadata in DynamoDB. A user's items share the partition `userId`: files under
 * `FILE#<fileId>`, upload intents under `UPLOAD#<fileId>` (with a TTL), and the search index
 * items of `indexItems` (`ALL#…`, `TAG#…`, `TYPE#…`, `NAME#…`), which every GET /files reads
 * through a key condition.
 */
export class DynamoFileRepository implements FileRepository, FileSearch {
  constructor(
    private readonly tableName: string = readConfig(configParts.filesTable).FILES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async putPendingUpload(upload: PendingUpload): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...uploadKey(upload.userId, upload.fileId), ...upload } }));
  }

  async getPendingUpload(userId: string, fileId: string): Promise<PendingUpload | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: uploadKey(userId, fileId), ConsistentRead: true }));
    return Item ? stripKeys<PendingUpload>(Item) : undefined;
  }

  /**
   * Writes the FILE item once (conditional put), then the index items of whichever record is
   * stored. Calling it again for a recorded file rewrites the same index items, which is how a
   * redelivery repairs an attempt that stopped between the two writes.
   */
  async recordFile(file: FileRecord, opts: { index?: boolean } = {}): Promise<FileRecord> {
    let stored = file;
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: fileItem(file), ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.getFile(file.userId, file.fileId);
      if (!existing) throw err;
      stored = existing;
    }
    if (opts.index !== false) await this.indexFile(stored);
    return stored;
  }

  async markReplaced(file: FileRecord, replacedAt: string): Promise<FileRecord> {
    let stored: FileRecord;
    try {
      const out = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: fileKey(file.userId, file.fileId),
          UpdateExpression: 'SET replacedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(replacedAt)',
          ExpressionAttributeValues: { ':at': replacedAt },
          ReturnValues: 'ALL_NEW',
        }),
      );
      stored = stripKeys<FileRecord>(out.Attributes ?? {});
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.getFile(file.userId, file.fileId);
      if (!existing) throw err;
      stored = existing;
    }
    // The index items hold whole records; list pages pin the link from them.
    await this.indexFile(stored);
    return stored;
  }

  async indexFile(file: FileRecord): Promise<void> {
    await this.putItems(indexItems(file));
  }

  async getFile(userId: string, fileId: string): Promise<FileRecord | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.tableName, Key: fileKey(userId, fileId), ConsistentRead: true }));
    return Item ? stripKeys<FileRecord>(Item) : undefined;
  }

  async search(userId: string, filter: FileFilter, page: PageRequest): Promise<Page<FileRecord>> {
    const plan = searchPlan(filter);
    const narrowing = narrowingExpression(plan.narrow);
    let startKey = page.startKey ? checkedStartKey(page.startKey, userId, plan) : undefined;
    const found: Record<string, unknown>[] = [];
    for (let queries = 1; ; queries++) {
      const input: QueryCommandInput = {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lo AND :hi',
        ExpressionAttributeValues: { ':pk': userId, ':lo': plan.range[0], ':hi': plan.range[1], ...narrowing?.values },
        ...(narrowing ? { FilterExpression: narrowing.FilterExpression } : {}),
        ScanIndexForward: false,
        // One more than the page, so a full last page is known to be the last.
        Limit: narrowing ? NARROWING_BATCH : page.limit + 1 - found.length,
        ExclusiveStartKey: startKey,
      };
      const out = await this.client.send(new QueryCommand(input));
      found.push(...(out.Items ?? []));
      startKey = out.LastEvaluatedKey;
      if (found.length > page.limit) {
        const items = found.slice(0, page.limit);
        const last = items[items.length - 1]!;
        return { items: items.map(toFileRecord), lastKey: { pk: last.pk, sk: last.sk } };
      }
      if (!startKey || queries >= MAX_QUERIES_PER_PAGE) return { items: found.map(toFileRecord), lastKey: startKey };
    }
  }

  /** Writes items 25 at a time, resending what DynamoDB leaves unprocessed, with a short backoff. */
  async putItems(items: Record<string, unknown>[]): Promise<void> {
    const batches: Record<string, unknown>[][] = [];
    for (let i = 0; i < items.length; i += BATCH_WRITE_MAX) batches.push(items.slice(i, i + BATCH_WRITE_MAX));
    await Promise.all(
      batches.map(async (batch) => {
        let requests = batch.map((Item) => ({ PutRequest: { Item } }));
        for (let attempt = 0; requests.length > 0; attempt++) {
          if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
          const out = await this.client.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: requests } }));
          requests = (out.UnprocessedItems?.[this.tableName] ?? []) as typeof requests;
          if (attempt >= 10 && requests.length > 0) throw new Error(`DynamoDB left ${requests.length} index items unprocessed after ${attempt + 1} attempts.`);
        }
      }),
    );
  }
}

/** A start key from a cursor must lie in this user's key range for this plan; the cursor's seal already says so. */
function checkedStartKey(startKey: Record<string, unknown>, userId: string, plan: SearchPlan): Record<string, unknown> {
  const { pk, sk, ...rest } = startKey;
  const inRange = typeof sk === 'string' && sk >= plan.range[0] && sk <= plan.range[1];
  if (pk !== userId || !inRange || Object.keys(rest).length > 0) throw new InvalidCursorError();
  return { pk, sk };
}

/** Drops the table's key and index attributes from an item. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1p, gsi1sk: _g1s, ...rest } = item;
  return rest as T;
}

/** One page of a partition's items, newest first (the sort keys are ULIDs), keys dropped. */
export async function pagePartition<T>(
  client: DynamoDBDocumentClient,
  tableName: string,
  pk: string,
  page: PageRequest,
  /** Only sort keys from this one on; a partition keeps its bookkeeping items below it. */
  skFrom?: string,
): Promise<Page<T>> {
  const out = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: skFrom === undefined ? 'pk = :u' : 'pk = :u AND sk >= :from',
      ExpressionAttributeValues: skFrom === undefined ? { ':u': pk } : { ':u': pk, ':from': skFrom },
      ScanIndexForward: false,
      Limit: page.limit,
      ExclusiveStartKey: page.startKey,
    }),
  );
  return { items: (out.Items ?? []).map((i) => stripKeys<T>(i)), lastKey: out.LastEvaluatedKey };
}
