import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DynamoFileRepository } from '../../../shared/adapters/dynamo-file-repository-adapter.ts';
import { objectKeyFor } from '../../../shared/domain/files.ts';
import { newId } from '../../../shared/domain/ids.ts';
import type { FileRecord, PendingUpload } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let repo: DynamoFileRepository;

beforeAll(async () => {
  env = await startTestEngines();
  repo = env.adapters.files;
});

afterAll(async () => {
  await env?.stop();
});

const newUser = () => `user-${randomUUID()}`;

function pendingUpload(userId: string, fileId = newId()): PendingUpload {
  return {
    userId,
    fileId,
    fileName: 'Invoice 2026.PDF',
    contentType: 'application/pdf',
    declaredSize: 4096,
    tags: ['finance', 'q1'],
    objectKey: objectKeyFor(userId, fileId),
    expiresAt: 1_900_000_000,
  };
}

function fileRecord(userId: string, fileId = newId(), overrides: Partial<FileRecord> = {}): FileRecord {
  return {
    userId,
    fileId,
    fileName: 'Invoice 2026.PDF',
    fileType: 'pdf',
    contentType: 'application/pdf',
    sizeBytes: 4000,
    tags: ['finance'],
    uploadedAt: '2026-01-01T00:00:00.000Z',
    objectKey: objectKeyFor(userId, fileId),
    ...overrides,
  };
}

describe('DynamoFileRepository', () => {
  it('keeps an upload intent and gives it back unchanged', async () => {
    const upload = pendingUpload(newUser());
    await repo.putPendingUpload(upload);
    expect(await repo.getPendingUpload(upload.userId, upload.fileId)).toEqual(upload);
  });

  it('stores the intent’s expiry in the table’s TTL attribute, in epoch seconds', async () => {
    const upload = pendingUpload(newUser());
    await repo.putPendingUpload(upload);
    const { Item } = await env.documentClient.send(
      new GetCommand({ TableName: env.resources.tableNames.files, Key: { pk: upload.userId, sk: `UPLOAD#${upload.fileId}` } }),
    );
    expect(Item?.expiresAt).toBe(upload.expiresAt);
  });

  it('keeps intents and files apart: an intent is no file, and a file is no intent', async () => {
    const userId = newUser();
    const upload = pendingUpload(userId);
    await repo.putPendingUpload(upload);
    expect(await repo.getFile(userId, upload.fileId)).toBeUndefined();

    const file = fileRecord(userId);
    await repo.recordFile(file);
    expect(await repo.getPendingUpload(userId, file.fileId)).toBeUndefined();
  });

  it('records a file once: a second call returns the first record unchanged', async () => {
    const userId = newUser();
    const first = fileRecord(userId);
    const second = { ...first, sizeBytes: 1, contentType: 'text/plain', uploadedAt: '2026-02-02T00:00:00.000Z' };

    expect(await repo.recordFile(first)).toEqual(first);
    expect(await repo.recordFile(second)).toEqual(first);
    expect(await repo.getFile(userId, first.fileId)).toEqual(first);
  });

  it('marks a recorded file replaced once, leaving the rest of the record as it was, and lists it with the mark', async () => {
    const userId = newUser();
    const file = await repo.recordFile(fileRecord(userId, newId(), { eTag: 'etag-first' }));

    const marked = await repo.markReplaced({ ...file, sizeBytes: 1 }, '2030-01-01T10:00:00.000Z');
    const again = await repo.markReplaced(file, '2030-01-01T11:00:00.000Z');

    expect(marked).toEqual({ ...file, replacedAt: '2030-01-01T10:00:00.000Z' });
    expect(again).toEqual({ ...file, replacedAt: '2030-01-01T10:00:00.000Z' });
    expect(await repo.getFile(userId, file.fileId)).toEqual({ ...file, replacedAt: '2030-01-01T10:00:00.000Z' });
    const listed = await repo.search(userId, {}, { limit: 10 });
    expect(listed.items).toEqual([{ ...file, replacedAt: '2030-01-01T10:00:00.000Z' }]);
  });

  it('returns a file without key or index attributes', async () => {
    const file = fileRecord(newUser());
    await repo.recordFile(file);
    const stored = await repo.getFile(file.userId, file.fileId);
    for (const internal of ['pk', 'sk', 'gsi1pk', 'gsi1sk']) expect(stored).not.toHaveProperty(internal);
  });

  it('finds nothing for another user’s file or upload intent', async () => {
    const owner = newUser();
    const file = fileRecord(owner);
    const upload = pendingUpload(owner);
    await repo.recordFile(file);
    await repo.putPendingUpload(upload);

    const stranger = newUser();
    expect(await repo.getFile(stranger, file.fileId)).toBeUndefined();
    expect(await repo.getPendingUpload(stranger, upload.fileId)).toBeUndefined();
  });

  it('does not let another user’s record of the same file id stand in for the owner’s', async () => {
    const fileId = newId();
    const owner = newUser();
    const other = newUser();
    const ownersFile = fileRecord(owner, fileId);
    const othersFile = fileRecord(other, fileId, { fileName: 'other.txt', fileType: 'txt' });
    expect(await repo.recordFile(ownersFile)).toEqual(ownersFile);
    expect(await repo.recordFile(othersFile)).toEqual(othersFile);
    expect(await repo.getFile(owner, fileId)).toEqual(ownersFile);
  });
});
