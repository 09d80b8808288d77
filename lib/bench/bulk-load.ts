import { createRequire } from 'node:module';
import { marshall } from '@aws-sdk/util-dynamodb';

interface DynaliteTable {
  TableName: string;
  GlobalSecondaryIndexes?: unknown[];
  LocalSecondaryIndexes?: unknown[];
}

interface DynaliteStore {
  db: { batch(ops: Array<{ type: 'put'; key: string; value: unknown }>): Promise<void>; close(): Promise<void> };
  getTable(name: string, checkStatus: boolean, cb: (err: Error | null, table: DynaliteTable) => void): void;
}

interface DynaliteDb {
  create(options: { path: string }): DynaliteStore;
  createKey(item: Record<string, unknown>, table: DynaliteTable): string;
}

const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDb;

/**
 * Writes items straight into the embedded DynamoDB's store on disk, each under the key the
 * engine itself gives a PutItem of it, so that seeding millions of items takes seconds instead of
 * the many minutes its HTTP API would. The engine must be stopped (it holds the store's lock),
 * and the table must have no secondary index (this writes no index entries).
 */
export async function bulkLoad(dataDir: string, tableName: string, chunks: Iterable<Array<Record<string, unknown>>>): Promise<number> {
  const store = dynaliteDb.create({ path: dataDir });
  try {
    const table = await new Promise<DynaliteTable>((resolve, reject) => store.getTable(tableName, false, (err, t) => (err ? reject(err) : resolve(t))));
    if (table.GlobalSecondaryIndexes?.length || table.LocalSecondaryIndexes?.length) {
      throw new Error(`${tableName} has secondary indexes, which a bulk load would leave without entries; seed it through the API.`);
    }
    const prefix = `item-${tableName}~`;
    let count = 0;
    for (const items of chunks) {
      const ops = items.map((item) => {
        const value = marshall(item, { removeUndefinedValues: true });
        return { type: 'put' as const, key: prefix + dynaliteDb.createKey(value, table), value };
      });
      await store.db.batch(ops);
      count += ops.length;
    }
    return count;
  } finally {
    await store.db.close();
  }
}
