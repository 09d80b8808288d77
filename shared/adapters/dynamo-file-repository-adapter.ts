import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { configParts, readConfig } from '../config.ts';
import type { FileRecord, FileRepository, PendingUpload } from '../ports.ts';
import { documentClient } from './dynamo-client.ts';

const fileKey = (userId: string, fileId: string) => ({ pk: userId, sk: `FILE#${fileId}` });
const uploadKey = (userId: string, fileId: string) => ({ pk: userId, sk: `UPLOAD#${fileId}` });

/**
 * FileMetadata in DynamoDB. A user's items share the partition `userId`: files under
 * `FILE#<fileId>` (ULIDs, so a descending query is newest first) and upload intents under
 * `UPLOAD#<fileId>` with a TTL. The `byName` index holds the lower-cased name for prefix search.
 */
export class DynamoFileRepository implements FileRepository {
  constructor(
    private readonly tableName: string = readConfig(configParts.filesTable).FILES_TABLE,
    private readonly client: DynamoDBDocumentClient = documentClient,
  ) {}

  async putPendingUpload(upload: PendingUpload): Promise<void> {
    await this.client.send(
      new PutCommand({ TableName: this.tableName, Item: { ...uploadKey(upload.userId, upload.fileId), ...upload } }),
    );
  }

  async getPendingUpload(userId: string, fileId: string): Promise<PendingUpload | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: uploadKey(userId, fileId), ConsistentRead: true }),
    );
    return Item ? stripKeys<PendingUpload>(Item) : undefined;
  }

  async recordFile(file: FileRecord): Promise<FileRecord> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...fileKey(file.userId, file.fileId),
            gsi1pk: file.userId,
            gsi1sk: `${file.fileName.toLowerCase()}#${file.fileId}`,
            ...file,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return file;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.getFile(file.userId, file.fileId);
      if (!existing) throw err;
      return existing;
    }
  }

  async getFile(userId: string, fileId: string): Promise<FileRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: fileKey(userId, fileId), ConsistentRead: true }),
    );
    return Item ? stripKeys<FileRecord>(Item) : undefined;
  }
}

/** Drops the table's key and index attributes from an item. */
export function stripKeys<T>(item: Record<string, unknown>): T {
  const { pk: _pk, sk: _sk, gsi1pk: _g1p, gsi1sk: _g1s, ...rest } = item;
  return rest as T;
}
