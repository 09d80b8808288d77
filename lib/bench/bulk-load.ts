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
  /** The index entries a PutItem of `item` writes, as the engine computes them. */
  getIndexActions(
    indexes: unknown[],
    existingItem: undefined,
    item: Record<string, unknown>,
    table: DynaliteTable,
  ): { puts: Array<{ index: string; key: string; item: unknown }> };
}

const dynaliteDb = createRequire(import.meta.url)('dynalite/db') as DynaliteDb;

/**
 * Writes items straight into the embedded DynamoDB's store on disk, each under the key the
 * engine itself gives a PutItem of it, so that seeding millions of items takes seconds instead of
 * the many minutes its HTTP API would. The engine must be stopped (it holds the store's lock).
 * Each item's secondary-index entries are written with it, as the engine's own index code
 * computes them for a PutItem of a new item (`indexes: true`); without that flag a table with
 * indexes is refused.
 */
export async function bulkLoad(
  dataDir: string,
  tableName: string,
  chunks: Iterable<Array<Record<string, unknown>>>,
  opts: { indexes?: boolean } = {},
): Promise<number> {
  const store = dynaliteDb.create({ path: dataDir });
  try {
    const table = await new Promise<DynaliteTable>((resolve, reject) => store.getTable(tableName, false, (err, t) => (err ? reject(err) : resolve(t))));
    if (!opts.indexes && (table.GlobalSecondaryIndexes?.length || table.LocalSecondaryIndexes?.length)) {
      throw new Error(`${tableName} has secondary indexes, which a bulk load would leave without entries; seed it through the API.`);
    }
    const indexes = [
      ...(table.LocalSecondaryIndexes ?? []).map((index) => ({ index, prefix: `index-local~${tableName}~` })),
      ...(table.GlobalSecondaryIndexes ?? []).map((index) => ({ index, prefix: `index-global~${tableName}~` })),
    ];
    const prefix = `item-${tableName}~`;
    let count = 0;
    for (const items of chunks) {
      const ops = items.flatMap((item) => {
        const value = marshall(item, { removeUndefinedValues: true });
        const entries = indexes.flatMap(({ index, prefix: indexPrefix }) =>
          dynaliteDb
            .getIndexActions([index], undefined, value, table)
            .puts.map((put) => ({ type: 'put' as const, key: `${indexPrefix}${put.index}~${put.key}`, value: put.item })),
        );
        return [{ type: 'put' as const, key: prefix + dynaliteDb.createKey(value, table), value }, ...entries];
      });
      await store.db.batch(ops);
      count += items.length;
    }
    return count;
  } finally {
    await store.db.close();
  }
}
