import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, startEngines } from '../../../lib/local/engines.ts';
import { startLocalRuntime } from '../../../lib/local/runtime.ts';
import { tables } from '../../../shared/topology.ts';
import { DynamoNotificationRepository } from '../../../shared/adapters/dynamo-notification-repository-adapter.ts';
import type { NotificationRecord } from '../../../shared/ports.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'index-repair-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const repository = (endpoint: string) => {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint }));
  return { notifications: new DynamoNotificationRepository(tables.notifications.name, client), client };
};

const sentAt = '2026-11-30T10:00:00.000Z';
const notification: NotificationRecord = {
  userId: 'user-crash',
  notificationId: 'file-1-rule-1',
  fileId: 'file-1',
  ruleId: 'rule-1',
  source: 'rule',
  channel: 'sms',
  target: '+14155550100',
  status: 'pending',
  attempts: 1,
  createdAt: sentAt,
  updatedAt: sentAt,
  history: [{ status: 'pending', at: sentAt }],
};
const wholeWindow = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };

/** Every open notification the reconciler's index holds, across its shards. */
async function openOnes(notifications: DynamoNotificationRepository) {
  const found: NotificationRecord[] = [];
  for (let shard = 0; shard < notifications.openShards; shard++) found.push(...(await notifications.listOpen(shard, wholeWindow, { limit: 100 })).items);
  return found;
}

/**
 * What a kill -9 in the middle of the embedded DynamoDB's update of `status: delivered` leaves
 * on disk: dynalite deletes and puts the item's index entries first and writes the item last,
 * so the index writes are done and the item write is not.
 */
async function tearDeliveredWrite(dynamoPath: string, key: { pk: string; sk: string }) {
  type Callback<T> = (err: Error | null, value: T) => void;
  type SubDb = { get(k: string, cb: Callback<any>): void; put(k: string, v: unknown, cb: Callback<void>): void; del(k: string, cb: Callback<void>): void };
  const engine = createRequire(import.meta.url)('dynalite/db/index.js');
  const store = engine.create({ path: dynamoPath });
  const table = await promisify<string, any>(store.getTable)(tables.notifications.name);
  const items: SubDb = store.getItemDb(table.TableName);
  const sent = await promisify<string, any>(items.get.bind(items))(engine.createKey({ pk: { S: key.pk }, sk: { S: key.sk } }, table));
  const { openShard: _open, ...rest } = sent;
  const delivered = {
    ...rest,
    status: { S: 'delivered' },
    statusRank: { N: '6' },
    gsi1pk: { S: `${key.pk}#delivered` },
    updatedAt: { S: '2026-11-30T10:00:05.000Z' },
  };
  const actions = engine.getIndexActions(table.GlobalSecondaryIndexes, sent, delivered, table);
  for (const action of actions.deletes) {
    const index: SubDb = store.getIndexDb('global', table.TableName, action.index);
    await promisify(index.del.bind(index))(action.key);
  }
  for (const action of actions.puts) {
    const index: SubDb = store.getIndexDb('global', table.TableName, action.index);
    await promisify(index.put.bind(index))(action.key, action.item);
  }
  await store.db.close();
}

describe('npm start on state saved by a crashed run', () => {
  it('finds again the open notification whose index entry the crash tore out, and drops the entry of a write that never landed', async () => {
    const engines = await startEngines({ dataDir });
    await provision(engines);
    const before = repository(engines.dynamoEndpoint);
    await before.notifications.createIfAbsent(notification);
    await before.notifications.advance(notification.userId, notification.notificationId, {
      status: 'sent',
      at: sentAt,
      messageSid: 'SM00000000000000000000000000000001',
    });
    expect((await openOnes(before.notifications)).map((n) => n.notificationId)).toEqual([notification.notificationId]);
    before.client.destroy();
    await engines.stop();

    await tearDeliveredWrite(join(dataDir, 'dynamodb'), { pk: notification.userId, sk: notification.notificationId });

    const runtime = await startLocalRuntime({ port: 0, dataDir, logLevel: 'SILENT' });
    const after = repository(runtime.engines.dynamoEndpoint);
    try {
      // The item is still `sent`: reconciliation must see it to ask Twilio how it ended.
      expect((await after.notifications.get(notification.userId, notification.notificationId))?.status).toBe('sent');
      expect((await openOnes(after.notifications)).map((n) => [n.notificationId, n.status])).toEqual([[notification.notificationId, 'sent']]);
      const byStatus = async (status: 'sent' | 'delivered') =>
        (await after.notifications.list(notification.userId, { status }, { limit: 10 })).items.map((n) => n.notificationId);
      expect(await byStatus('sent')).toEqual([notification.notificationId]);
      expect(await byStatus('delivered')).toEqual([]);
    } finally {
      after.client.destroy();
      await runtime.stop();
    }
  }, 60_000);
});
