import { DeleteItemCommand, DynamoDBClient, PutItemCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { tables, type IndexSpec, type TableSpec } from '../../shared/topology.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type Engines } from './engines.ts';

type Item = Record<string, AttributeValue>;

async function scanAll(dynamo: DynamoDBClient, tableName: string, indexName?: string): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const page = await dynamo.send(
      new ScanCommand({ TableName: tableName, ...(indexName ? { IndexName: indexName } : { ConsistentRead: true }), ExclusiveStartKey: startKey }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return items;
}

const indexed = (item: Item, index: IndexSpec) => item[index.partitionKey] !== undefined && item[index.sortKey] !== undefined;
const sameIndexKey = (a: Item, b: Item, index: IndexSpec) =>
  isDeepStrictEqual(a[index.partitionKey], b[index.partitionKey]) && isDeepStrictEqual(a[index.sortKey], b[index.sortKey]);

export interface IndexRepairReport {
  /** Items written again because an index lacked their entry or held one of an older version. */
  repaired: number;
}

/**
 * Makes each secondary index agree with its table again after a crash. The embedded DynamoDB
 * (dynalite) writes an item's index entries and then the item, as separate writes: a process
 * killed between them leaves an index without the item's entry (an open notification that
 * reconciliation can no longer find), or with the entry of a version the item never reached.
 * DynamoDB itself never loses an index entry, so this runs only on saved local state, at start,
 * before anything else writes. Writing an item again makes the engine put all of its entries;
 * a stray entry is removed by writing its version over the item and then the item back (or
 * deleting it, when the item is gone), which deletes the entries the stray version had.
 */
export async function repairIndexes(engines: Engines): Promise<IndexRepairReport> {
  const dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines.dynamoEndpoint });
  let repaired = 0;
  try {
    for (const spec of Object.values(tables) as TableSpec[]) {
      if (spec.indexes.length === 0) continue;
      const keyOf = (item: Item) => JSON.stringify([item[spec.partitionKey], item[spec.sortKey]]);
      const items = new Map((await scanAll(dynamo, spec.name)).map((item) => [keyOf(item), item]));
      // Per item key: the versions its stray entries hold, and whether an entry is missing.
      const stray = new Map<string, Item[]>();
      const missing = new Set<string>();
      for (const index of spec.indexes) {
        const entries = await scanAll(dynamo, spec.name, index.name);
        const matched = new Set<string>();
        for (const entry of entries) {
          const key = keyOf(entry);
          const item = items.get(key);
          if (item && indexed(item, index) && sameIndexKey(item, entry, index)) matched.add(key);
          else stray.set(key, [...(stray.get(key) ?? []), entry]);
        }
        for (const [key, item] of items) if (indexed(item, index) && !matched.has(key)) missing.add(key);
      }
      for (const key of new Set([...stray.keys(), ...missing])) {
        for (const version of stray.get(key) ?? []) await dynamo.send(new PutItemCommand({ TableName: spec.name, Item: version }));
        const item = items.get(key);
        if (item) await dynamo.send(new PutItemCommand({ TableName: spec.name, Item: item }));
        else {
          const version = stray.get(key)![0]!;
          await dynamo.send(
            new DeleteItemCommand({ TableName: spec.name, Key: { [spec.partitionKey]: version[spec.partitionKey]!, [spec.sortKey]: version[spec.sortKey]! } }),
          );
        }
        repaired++;
      }
    }
  } finally {
    dynamo.destroy();
  }
  return { repaired };
}
