import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DynamoFileRepository, fileItems } from '../../shared/adapters/dynamo-file-repository-adapter.ts';
import { objectKeyFor } from '../../shared/domain/files.ts';
import { newId } from '../../shared/domain/ids.ts';
import type { FileRecord } from '../../shared/ports.ts';
import { lambdaContext } from '../local/lambda-context.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, startEngines } from '../local/engines.ts';
import { bulkLoad } from './bulk-load.ts';
import { tables } from '../../shared/topology.ts';
import { functions } from '../../shared/function-specs.ts';
import type { BenchResult, Figure } from './report.ts';
import { round, seededRandom, summarize } from './stats.ts';

const clients = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne'];
const names: Array<(i: number) => string> = [
  (i) => `invoice-${2024 + (i % 2)}-${String(i).padStart(6, '0')}.pdf`,
  (i) => `IMG_${String(i % 100_000).padStart(5, '0')}.jpg`,
  (i) => `report-q${1 + (i % 4)}-${2024 + (i % 2)}.docx`,
  (i) => `notes ${i}.txt`,
  (i) => `contract-${clients[i % clients.length]}-${i}.pdf`,
  (i) => `scan${i}.png`,
  (i) => `data-export-${i}.csv`,
];
const tagPool = ['finance', 'legal', 'personal', 'archive', 'clients', 'hr', 'tax', 'urgent', 'q1', 'q2', 'q3', 'q4'];
const SPAN_MS = 2 * 365 * 86_400_000;
const START = Date.parse('2024-01-01T00:00:00.000Z');

/** `count` files of one user, uploaded evenly over 2024–2025, with realistic names, types and 0–3 tags. */
export function syntheticFiles(userId: string, count: number, seed: number): FileRecord[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => {
    const at = START + Math.floor(((i + next()) / count) * SPAN_MS);
    const fileId = newId(at);
    const fileName = names[Math.floor(next() * names.length)]!(i);
    const tags = [...new Set(Array.from({ length: Math.floor(next() * 4) }, () => tagPool[Math.floor(next() * tagPool.length)]!))];
    return {
      userId,
      fileId,
      fileName,
      fileType: fileName.slice(fileName.lastIndexOf('.') + 1).toLowerCase(),
      contentType: 'application/octet-stream',
      sizeBytes: 1_000 + Math.floor(next() * 5_000_000),
      tags,
      uploadedAt: new Date(at).toISOString(),
      objectKey: objectKeyFor(userId, fileId),
    };
  });
}

/** The files' items exactly as recordFile lays them out, a chunk of files at a time. */
function* itemChunks(files: FileRecord[]): Generator<Array<Record<string, unknown>>> {
  for (let i = 0; i < files.length; i += 1_000) yield files.slice(i, i + 1_000).flatMap(fileItems);
}

type Handler = (event: APIGatewayProxyEventV2WithJWTAuthorizer, context: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

function listEvent(userId: string, query: Record<string, string>): APIGatewayProxyEventV2WithJWTAuthorizer {
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'GET /files',
    rawPath: '/files',
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {},
    queryStringParameters: query,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: { principalId: '', integrationLatency: 0, jwt: { claims: { sub: userId }, scopes: [] } },
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'GET', path: '/files', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: 'bench',
      routeKey: 'GET /files',
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
}

const queries: Array<[string, Record<string, string>]> = [
  ['no filter', {}],
  ['name prefix "invoice-2025"', { name: 'invoice-2025' }],
  ['name prefix "i"', { name: 'i' }],
  ['name prefix "contract-a" (no family of 10: the 8-character one, narrowed)', { name: 'contract-a' }],
  ['tag "finance"', { tag: 'finance' }],
  ['type "pdf"', { type: 'pdf' }],
  ['date range (March 2025)', { from: '2025-03-01', to: '2025-03-31' }],
  ['combined: name "contract" + tag "legal" + type "pdf" + 12 months', { name: 'contract', tag: 'legal', type: 'pdf', from: '2024-06-01', to: '2025-05-31' }],
  ['tag "finance" + type "csv" (type narrowed on the tag)', { tag: 'finance', type: 'csv' }],
];

/**
 * GET /files at scale: one user with `files` files and `otherUsers` users with `otherFiles` each,
 * seeded through the repository's own item layout into the embedded DynamoDB, then every filter
 * (and page 50 of the unfiltered list) timed through the real list-files handler, presigned links
 * and sealed cursors included. The same queries are timed before and after the other users are
 * seeded: their files share the table but not the partition, so the figures should not move.
 */
export async function fileSearchBenchmark(opts: { files: number; otherUsers: number; otherFiles: number; runs: number }): Promise<BenchResult> {
  const started = performance.now();
  // On disk (LevelDB), so that millions of items stay off the JS heap.
  const dataDir = mkdtempSync(join(tmpdir(), 'file-search-bench-'));
  const dynamoDir = join(dataDir, 'dynamodb');
  let engines = await startEngines({ dataDir });
  const resources = await provision(engines);
  const tableName = resources.tableNames.files;
  const dynamoPort = Number(new URL(engines.dynamoEndpoint).port);
  /** Seeds with the engine stopped, straight into its store, then starts it again on the same port. */
  const seedStopped = async (files: FileRecord[]) => {
    await engines.stop();
    const items = await bulkLoad(dynamoDir, tableName, itemChunks(files));
    engines = await startEngines({ dataDir, dynamoPort });
    return items;
  };

  let t = performance.now();
  const mainFiles = syntheticFiles('bench-user', opts.files, 1);
  const mainItems = await seedStopped(mainFiles);
  const mainSeconds = (performance.now() - t) / 1000;

  const dynamo = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines.dynamoEndpoint });
  const repository = new DynamoFileRepository(tableName, DynamoDBDocumentClient.from(dynamo));
  // The engine serves the loaded items as it would items it wrote: a sample reads back whole.
  for (const file of [mainFiles[0]!, mainFiles[mainFiles.length - 1]!]) {
    if (!isDeepStrictEqual(await repository.getFile(file.userId, file.fileId), file)) throw new Error(`Seeded file ${file.fileId} does not read back.`);
  }

  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: engines.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: engines.awsEndpoint,
    S3_FORCE_PATH_STYLE: 'true',
    [tables.files.envVar]: resources.tableNames.files,
    UPLOAD_BUCKET: resources.bucket,
    CURSOR_SECRET: 'bench-cursor-secret-0123456789abcdef',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const { handler } = (await import(`../../${functions['list-files'].entry}`)) as { handler: Handler };
  const userId = 'bench-user';
  const call = async (query: Record<string, string>, who = userId) => {
    const response = await handler(listEvent(who, query), lambdaContext('list-files', functions['list-files'].timeoutSeconds));
    if (response.statusCode !== 200) throw new Error(`GET /files?${new URLSearchParams(query)} answered ${response.statusCode}: ${response.body}`);
    return JSON.parse(response.body!) as { items: unknown[]; nextCursor: string | null };
  };
  const time = async (query: Record<string, string>) => {
    const samples: number[] = [];
    let items = 0;
    await call(query);
    for (let i = 0; i < opts.runs; i++) {
      const t = performance.now();
      items = (await call(query)).items.length;
      samples.push(performance.now() - t);
    }
    return { ...summarize(samples), items };
  };
  const figure = (name: string, s: Awaited<ReturnType<typeof time>>): Figure => ({
    name,
    value: round(s.median, 1),
    unit: 'ms p50',
    spread: `p95 ${round(s.p95, 1)}, n ${s.n}, ${s.items} on the page`,
  });

  const figures: Figure[] = [
    {
      name: 'seeded: files of the searching user',
      value: opts.files,
      unit: 'files',
      spread: `${mainItems} items, ${round(mainItems / opts.files, 1)} per file`,
    },
    { name: 'seed rate (straight into the engine’s store)', value: Math.round(mainItems / mainSeconds), unit: 'items/s', spread: `${round(mainSeconds, 1)} s` },
  ];
  const alone = new Map<string, Awaited<ReturnType<typeof time>>>();
  for (const [name, query] of queries) {
    const s = await time(query);
    alone.set(name, s);
    figures.push(figure(name, s));
  }

  // Page 50 (or the last, for a small seed): follow the cursors once, then time that page alone.
  let cursor: string | null = null;
  let page = 1;
  for (; page < 50; page++) {
    const next: string | null = (await call(cursor ? { cursor } : {})).nextCursor;
    if (!next) break;
    cursor = next;
  }
  figures.push(figure(`no filter, page ${page} (by cursor)`, await time(cursor ? { cursor } : {})));

  t = performance.now();
  let otherItems = 0;
  otherItems += await seedStopped(Array.from({ length: opts.otherUsers }, (_, u) => syntheticFiles(`other-${u}`, opts.otherFiles, 100 + u)).flat());
  const otherSeconds = (performance.now() - t) / 1000;
  figures.push({
    name: 'seeded: other users',
    value: opts.otherUsers,
    unit: 'users',
    spread: `${opts.otherFiles} files each, ${otherItems} items in ${round(otherSeconds, 1)} s`,
  });
  for (const name of ['no filter', 'tag "finance"', 'name prefix "invoice-2025"']) {
    const s = await time(queries.find(([n]) => n === name)![1]);
    figures.push({
      ...figure(`${name}, with ${opts.otherUsers} other users`, s),
      spread: `p95 ${round(s.p95, 1)}, n ${s.n}; alone: p50 ${round(alone.get(name)!.median, 1)}`,
    });
  }

  dynamo.destroy();
  await engines.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    benchmark: 'file-search',
    description:
      `GET /files through the list-files handler (query, presigned links, sealed cursor; limit 20) against the embedded DynamoDB, ` +
      `for one user with ${opts.files} files, then again once ${opts.otherUsers} other users with ${opts.otherFiles} files each share the table.`,
    figures,
    seconds: (performance.now() - started) / 1000,
  };
}
