import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fileItems, searchPlan, type DynamoFileRepository } from '../../../shared/adapters/dynamo-file-repository-adapter.ts';
import { recordUploadAndFanOut } from '../../../shared/domain/fan-out.ts';
import { objectKeyFor } from '../../../shared/domain/files.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { InvalidCursorError } from '../../../shared/errors.ts';
import type { FileFilter, FileRecord } from '../../../shared/ports.ts';
import { startTestEngines, type TestEngines } from '../../support/engines.ts';

let env: TestEngines;
let repo: DynamoFileRepository;

const alice = `alice-${randomUUID()}`;
const bob = `bob-${randomUUID()}`;
const aliceFiles: FileRecord[] = [];

function fileRecord(userId: string, fileName: string, uploadedAt: string, tags: string[] = []): FileRecord {
  const fileId = newId();
  const dot = fileName.lastIndexOf('.');
  return {
    userId,
    fileId,
    fileName,
    fileType: dot > 0 ? fileName.slice(dot + 1).toLowerCase() : '',
    contentType: 'application/octet-stream',
    sizeBytes: 100,
    tags,
    uploadedAt,
    objectKey: objectKeyFor(userId, fileId),
  };
}

const names = [
  'Invoice-2026-01.pdf',
  'invoice-2025-12.PDF',
  'INVENTORY.csv',
  'report.pdf',
  'Ünïcode 文件.txt',
  'notes',
  'a#b%c.txt',
  'invoice-2026-01-extra-long-name.pdf',
];
const tagSets = [['finance'], ['finance', 'q1'], [], ['legal'], ['a#b'], ['a'], ['50%'], ['finance', 'a']];

/** What the search must answer, worked out the plain way. */
function expected(files: FileRecord[], filter: FileFilter): string[] {
  return files
    .filter((f) => filter.name === undefined || f.fileName.toLowerCase().startsWith(filter.name.toLowerCase()))
    .filter((f) => filter.tag === undefined || f.tags.includes(filter.tag))
    .filter((f) => filter.type === undefined || f.fileType === filter.type)
    .filter((f) => filter.from === undefined || f.uploadedAt >= filter.from)
    .filter((f) => filter.to === undefined || f.uploadedAt <= filter.to)
    .sort((a, b) => (a.uploadedAt === b.uploadedAt ? b.fileId.localeCompare(a.fileId) : b.uploadedAt.localeCompare(a.uploadedAt)))
    .map((f) => f.fileId);
}

/** Every page of a search, followed to the end. */
async function searchAll(userId: string, filter: FileFilter, limit: number) {
  const ids: string[] = [];
  const pages: number[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await repo.search(userId, filter, { limit, startKey });
    expect(page.items.length).toBeLessThanOrEqual(limit);
    for (const f of page.items) expect(f.userId).toBe(userId);
    ids.push(...page.items.map((f) => f.fileId));
    pages.push(page.items.length);
    startKey = page.lastKey;
  } while (startKey);
  return { ids, pages };
}

beforeAll(async () => {
  env = await startTestEngines();
  repo = env.adapters.files;
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  for (let i = 0; i < 48; i++) {
    // Some uploads share a millisecond, so ties between upload times are covered too.
    const uploadedAt = new Date(start + Math.floor(i / 3) * 3_600_000).toISOString();
    aliceFiles.push(fileRecord(alice, names[i % names.length]!, uploadedAt, tagSets[i % tagSets.length]));
  }
  for (const f of aliceFiles) await repo.recordFile(f);
  // Bob's files match every filter Alice uses; none of them may ever show up in her results.
  for (const f of aliceFiles.slice(0, 16)) await repo.recordFile({ ...fileRecord(bob, f.fileName, f.uploadedAt, f.tags) });
});

afterAll(async () => {
  await env?.stop();
});

describe('DynamoFileRepository.search', () => {
  const filters: Array<[string, FileFilter]> = [
    ['no filter', {}],
    ['a one-letter name prefix', { name: 'i' }],
    ['a name prefix in another case', { name: 'INVOICE-2026' }],
    ['a name prefix longer than the indexed 16 characters', { name: 'invoice-2026-01-extra' }],
    ['a name prefix of 5 characters, between the indexed lengths', { name: 'invoi' }],
    ['a name prefix of 10 characters, between the indexed lengths', { name: 'Invoice-20' }],
    ['a name prefix of exactly 16 characters', { name: 'invoice-2026-01-' }],
    ['a name prefix with non-ASCII letters', { name: 'üNÏ' }],
    ['a name prefix holding the separator character', { name: 'a#b' }],
    ['a tag', { tag: 'finance' }],
    ['a tag holding the separator character', { tag: 'a#b' }],
    ['a tag that prefixes another', { tag: 'a' }],
    ['a tag with a percent sign', { tag: '50%' }],
    ['a type', { type: 'pdf' }],
    ['an inclusive upload-time range', { from: '2026-01-01T03:00:00.000Z', to: '2026-01-01T09:00:00.000Z' }],
    ['only a lower bound', { from: '2026-01-01T12:00:00.000Z' }],
    ['only an upper bound', { to: '2026-01-01T02:00:00.000Z' }],
    ['name, tag, type and time together', { name: 'inv', tag: 'finance', type: 'pdf', from: '2026-01-01T01:00:00.000Z', to: '2026-01-01T14:00:00.000Z' }],
    ['a long name prefix and a tag', { name: 'invoice', tag: 'finance' }],
    ['a short name prefix and a type', { name: 'r', type: 'pdf' }],
    ['a tag and a type', { tag: 'finance', type: 'csv' }],
    ['filters nothing matches', { name: 'zzz', tag: 'finance' }],
  ];

  it.each(filters)('answers %s with exactly the matching files, newest first, across pages', async (_what, filter) => {
    const want = expected(aliceFiles, filter);
    const { ids } = await searchAll(alice, filter, 5);
    expect(ids).toEqual(want);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('fills pages to the limit and ends on the last one without an empty page', async () => {
    const { pages } = await searchAll(alice, {}, 10);
    expect(pages).toEqual([10, 10, 10, 10, 8]);
    const exact = await searchAll(alice, {}, 48);
    expect(exact.pages).toEqual([48]);
  });

  it('returns whole records without key or index attributes', async () => {
    const [newest] = (await repo.search(alice, { tag: 'legal' }, { limit: 1 })).items;
    const want = aliceFiles.find((f) => f.fileId === expected(aliceFiles, { tag: 'legal' })[0]);
    expect(newest).toEqual(want);
  });

  it('reads only through key conditions on the user’s own partition, never a scan', async () => {
    const send = vi.spyOn(env.documentClient, 'send');
    try {
      for (const [, filter] of filters) await repo.search(alice, filter, { limit: 5 });
      const commands = send.mock.calls.map(([command]) => command);
      expect(commands.some((c) => c instanceof ScanCommand)).toBe(false);
      for (const command of commands) {
        expect(command).toBeInstanceOf(QueryCommand);
        const input = (command as QueryCommand).input;
        expect(input.IndexName).toBeUndefined();
        expect(input.KeyConditionExpression).toBe('pk = :pk AND sk BETWEEN :lo AND :hi');
        expect(input.ExpressionAttributeValues![':pk']).toBe(alice);
      }
    } finally {
      send.mockRestore();
    }
  });

  it('narrows with a filter expression only where the key range cannot express a filter', () => {
    expect(searchPlan({ tag: 't', from: '2026-01-01T00:00:00.000Z' }).narrow).toEqual({});
    expect(searchPlan({ name: 'ab' }).narrow).toEqual({});
    expect(searchPlan({ name: 'x'.repeat(16) }).narrow).toEqual({});
    expect(searchPlan({ name: 'x'.repeat(17) })).toMatchObject({ family: `NAME#${'x'.repeat(16)}`, narrow: { namePrefix: 'x'.repeat(17) } });
    // Lengths between the indexed ones read the shorter family and narrow it to the whole prefix.
    expect(searchPlan({ name: 'notes' })).toMatchObject({ family: 'NAME#note', narrow: { namePrefix: 'notes' } });
    expect(searchPlan({ name: 'invoice-20' })).toMatchObject({ family: 'NAME#invoice-', narrow: { namePrefix: 'invoice-20' } });
    expect(searchPlan({ name: 'invoice-' })).toMatchObject({ family: 'NAME#invoice-', narrow: {} });
    expect(searchPlan({ name: 'invo', tag: 't', type: 'pdf' })).toMatchObject({ family: 'NAME#invo', narrow: { tag: 't', type: 'pdf' } });
    expect(searchPlan({ name: 'in', tag: 't' })).toMatchObject({ family: 'TAG#t', narrow: { namePrefix: 'in' } });
    expect(searchPlan({ name: 'in', type: 'pdf' })).toMatchObject({ family: 'NAME#in', narrow: { type: 'pdf' } });
    expect(searchPlan({ type: 'pdf', from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' })).toEqual({
      family: 'TYPE#pdf',
      range: ['TYPE#pdf#2026-01-01T00:00:00.000Z', 'TYPE#pdf#2026-01-02T00:00:00.000Z#~'],
      narrow: {},
    });
  });

  it('answers a page short of the limit, with a cursor, when narrowing finds few files, and still finds them all', async () => {
    const userId = `sparse-${randomUUID()}`;
    const start = Date.parse('2026-03-01T00:00:00.000Z');
    const files = Array.from({ length: 2_100 }, (_, i) =>
      fileRecord(userId, i % 700 === 0 ? 'r.pdf' : 'o.txt', new Date(start + i * 1000).toISOString(), ['x']),
    );
    // Only the tag's items: this search reads no other family, and seeding stays quick.
    await repo.putItems(files.flatMap(fileItems).filter((item) => String(item.sk).startsWith('TAG#x#')));
    const filter = { tag: 'x', type: 'pdf' };
    const first = await repo.search(userId, filter, { limit: 20 });
    expect(first.items.length).toBeLessThan(3);
    expect(first.lastKey).toBeDefined();
    expect((await searchAll(userId, filter, 20)).ids).toEqual(expected(files, filter));
  });

  it('refuses a start key outside the user’s key range for the query', async () => {
    await expect(repo.search(alice, {}, { limit: 5, startKey: { pk: bob, sk: 'ALL#~' } })).rejects.toThrow(InvalidCursorError);
    await expect(repo.search(alice, { tag: 'legal' }, { limit: 5, startKey: { pk: alice, sk: 'ALL#~' } })).rejects.toThrow(InvalidCursorError);
    await expect(repo.search(alice, {}, { limit: 5, startKey: { pk: alice, sk: 'ALL#~', extra: 1 } })).rejects.toThrow(InvalidCursorError);
  });
});

describe('DynamoFileRepository.recordFile and the search index', () => {
  async function partition(userId: string) {
    const out = await env.documentClient.send(
      new QueryCommand({ TableName: env.resources.tableNames.files, KeyConditionExpression: 'pk = :u', ExpressionAttributeValues: { ':u': userId } }),
    );
    return (out.Items ?? []).map((item) => String(item.sk)).sort();
  }

  it('writes the FILE item and one index item per family: all, each tag, the type, the name prefixes of 1, 2, 3, 4, 6, 8, 12 and 16 characters', async () => {
    const userId = `index-${randomUUID()}`;
    const file = fileRecord(userId, 'Quarterly Report 2026.pdf', '2026-04-01T10:00:00.000Z', ['finance', 'q1']);
    await repo.recordFile(file);
    const suffix = `#${file.uploadedAt}#${file.fileId}`;
    const prefixes = [1, 2, 3, 4, 6, 8, 12, 16].map((length) => `NAME#${'quarterly report 2026.pdf'.slice(0, length)}${suffix}`);
    expect(await partition(userId)).toEqual(
      [`FILE#${file.fileId}`, `ALL${suffix}`, `TAG#finance${suffix}`, `TAG#q1${suffix}`, `TYPE#pdf${suffix}`, ...prefixes].sort(),
    );
    expect(fileItems(file)).toHaveLength(1 + 1 + 2 + 1 + 8);
    // A name shorter than an indexed length has the prefixes it can.
    expect(fileItems({ ...file, fileName: 'notes.txt', fileType: 'txt', tags: [] }).filter((item) => String(item.sk).startsWith('NAME#'))).toHaveLength(6);
  });

  it('changes nothing when the same file is recorded again, even with other facts', async () => {
    const userId = `again-${randomUUID()}`;
    const file = fileRecord(userId, 'a.txt', '2026-04-01T10:00:00.000Z', ['t']);
    await repo.recordFile(file);
    const before = await partition(userId);
    expect(await repo.recordFile({ ...file, uploadedAt: '2026-05-05T00:00:00.000Z', tags: ['other'] })).toEqual(file);
    expect(await partition(userId)).toEqual(before);
    expect((await repo.search(userId, { tag: 'other' }, { limit: 5 })).items).toEqual([]);
  });

  it('restores index items lost between the two writes when the file is recorded again', async () => {
    const userId = `repair-${randomUUID()}`;
    const file = fileRecord(userId, 'lost.pdf', '2026-04-01T10:00:00.000Z', ['t']);
    await repo.recordFile(file);
    const before = await partition(userId);
    for (const sk of before.filter((sk) => !sk.startsWith('FILE#'))) {
      await env.documentClient.send(new DeleteCommand({ TableName: env.resources.tableNames.files, Key: { pk: userId, sk } }));
    }
    expect((await repo.search(userId, {}, { limit: 5 })).items).toEqual([]);
    await repo.recordFile((await repo.getFile(userId, file.fileId))!);
    expect(await partition(userId)).toEqual(before);
  });

  it('indexes no type for a file without an extension', async () => {
    const file = fileRecord(`plain-${randomUUID()}`, 'README', '2026-04-01T10:00:00.000Z');
    expect(fileItems(file).some((item) => String(item.sk).startsWith('TYPE#'))).toBe(false);
  });
});

describe('recordUploadAndFanOut on a redelivered upload', () => {
  it('finishes the search index of a file recorded by an attempt that stopped halfway', async () => {
    const userId = `redelivered-${randomUUID()}`;
    const file = fileRecord(userId, 'halfway.pdf', '2026-04-01T10:00:00.000Z', ['t']);
    // What an attempt that stopped after the FILE item leaves behind.
    await env.documentClient.send(new PutCommand({ TableName: env.resources.tableNames.files, Item: fileItems(file)[0] }));
    expect((await repo.search(userId, { tag: 't' }, { limit: 5 })).items).toEqual([]);

    await recordUploadAndFanOut(
      {
        files: repo,
        rules: env.adapters.rules,
        notifications: env.adapters.notifications,
        queue: env.adapters.notificationQueue,
        store: env.adapters.fileStore,
      },
      { key: file.objectKey, eventTime: file.uploadedAt },
    );
    expect((await repo.search(userId, { tag: 't' }, { limit: 5 })).items).toEqual([file]);
  });
});
