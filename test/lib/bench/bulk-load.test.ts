import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkLoad } from '../../../lib/bench/bulk-load.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, startEngines, type Engines } from '../../../lib/local/engines.ts';
import { tables } from '../../../shared/topology.ts';
import { DynamoMessageRepository, messageItem } from '../../../shared/adapters/dynamo-message-repository-adapter.ts';
import { newId } from '../../../shared/domain/ids.ts';
import { messageStatuses, userOwner } from '../../../shared/domain/messages.ts';
import type { MessageRecord } from '../../../shared/ports.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'bulk-load-test-'));
const owner = userOwner('bulk');
const numbers = ['+16502010000', '+16502010001', '+16502010002'];
const start = Date.parse('2026-01-01T00:00:00.000Z');
const messages: MessageRecord[] = Array.from({ length: 30 }, (_, i) => ({
  owner,
  messageId: newId(start + i * 1_000),
  from: numbers[i % 3]!,
  to: numbers[(i + 1) % 3]!,
  message: `stored ${i}`,
  receivedAt: new Date(start + i * 1_000).toISOString(),
  status: messageStatuses[i % messageStatuses.length]!,
  source: 'api',
  media: [],
}));
let engines: Engines;
let repository: DynamoMessageRepository;

beforeAll(async () => {
  const first = await startEngines({ dataDir });
  await provision(first);
  await first.stop();
  await bulkLoad(join(dataDir, 'dynamodb'), tables.messages.name, [messages.slice(0, 20).map(messageItem), messages.slice(20).map(messageItem)], {
    indexes: true,
  });
  engines = await startEngines({ dataDir });
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines.dynamoEndpoint }));
  repository = new DynamoMessageRepository(tables.messages.name, client);
});

afterAll(async () => {
  await engines?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('bulkLoad with indexes', () => {
  it("writes each item with the index entries the engine's own PutItem would, so every filter finds it", async () => {
    const expected = (keep: (m: MessageRecord) => boolean) =>
      messages
        .filter(keep)
        .map((m) => m.messageId)
        .reverse();
    const ids = async (filter: Parameters<DynamoMessageRepository['list']>[1]) =>
      (await repository.list(owner, filter, { limit: 100, offset: 0 })).items.map((m) => m.messageId);

    expect(await ids({})).toEqual(expected(() => true));
    expect(await ids({ from: numbers[0] })).toEqual(expected((m) => m.from === numbers[0]));
    expect(await ids({ to: numbers[2] })).toEqual(expected((m) => m.to === numbers[2]));
    expect(await ids({ status: 'stored' })).toEqual(expected((m) => m.status === 'stored'));
    expect(await ids({ from: numbers[1], to: numbers[2], status: 'processed' })).toEqual(
      expected((m) => m.from === numbers[1] && m.to === numbers[2] && m.status === 'processed'),
    );
    expect(await repository.get(owner, messages[7]!.messageId)).toEqual(messages[7]);
    // The items are the engine's own: a conditional write sees them.
    expect(await repository.putIfAbsent(messages[7]!)).toBe(false);
  });

  it('refuses a table with indexes unless asked to write their entries', async () => {
    await engines.stop();
    try {
      await expect(bulkLoad(join(dataDir, 'dynamodb'), tables.messages.name, [[messageItem(messages[0]!)]])).rejects.toThrow(/secondary indexes/);
    } finally {
      engines = await startEngines({ dataDir });
    }
  });
});
