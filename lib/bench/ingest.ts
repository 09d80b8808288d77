import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { messageItem } from '../../shared/adapters/dynamo-message-repository-adapter.ts';
import { documentClient } from '../../shared/adapters/dynamo-client.ts';
import { mapLimit } from '../../shared/domain/map-limit.ts';
import { newId } from '../../shared/domain/ids.ts';
import { messageStatuses, userOwner } from '../../shared/domain/messages.ts';
import { ApiClient, eventually } from '../local/api-client.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, startEngines } from '../local/engines.ts';
import { projectRoot, startLocalRuntime } from '../local/runtime.ts';
import { tables } from '../../shared/topology.ts';
import { bulkLoad } from './bulk-load.ts';
import type { BenchResult, Figure } from './report.ts';
import { round, seededRandom, summarize } from './stats.ts';

export interface IngestOptions {
  /** Messages posted through the HTTP API. */
  messages: number;
  /** Distinct senders; each sends messages / senders (5 at the default size: exactly the limit). */
  senders: number;
  /** Requests in flight. */
  concurrency: number;
  /** Messages stored for the query figures (seeded straight into the engine's store, see below). */
  stored: number;
  /** Timed queries per filter. */
  queryRuns: number;
  /** PutItems timed for the engine's raw write rate. */
  rawWrites: number;
}

const USERS = 10;
const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand']);

/** A valid, distinct US number for each index. */
const numberOf = (i: number) => `+1650${String(2_000_000 + i).padStart(7, '0')}`;

/**
 * `npm run bench -- ingest`: posts `messages` from `senders` senders at `concurrency` in flight
 * through the local runtime's HTTP API, against the embedded DynamoDB's raw write rate measured in
 * the same run; then checks that every accepted message was stored once and processed, and times
 * GET /messages for each filter combination over `stored` messages of one user.
 *
 * The stored messages are not posted: 100,000 through the API (or even PutItem, about 90 a second
 * here with the table's seven indexes) would take the better part of an hour. They are written
 * into the engine's store on disk before it starts, each as the repository's item with the index
 * entries the engine itself computes for it (bulk-load.ts), and the runtime then starts on that store.
 */
export async function ingestBenchmark(opts: IngestOptions): Promise<BenchResult> {
  const started = performance.now();
  const figures = [...(await ingestPart(opts)), ...(await queriesInOwnProcess(opts))];
  return {
    benchmark: 'ingest',
    description: `${opts.messages} messages from ${opts.senders} senders (${USERS} users) at ${opts.concurrency} in flight through npm start's HTTP API, the DynamoDB engine in its own process; its raw PutItem rate measured in the same run. Query figures: GET /messages over ${opts.stored} messages of one user, ${opts.queryRuns} runs per filter, limit 10, in a second runtime (its own process) whose store was written before it started, the repository's items with the engine's own index entries, not posted through the API.`,
    figures,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The ingest figures: posts through the API, against the engine's raw write rate. */
async function ingestPart(opts: IngestOptions): Promise<Figure[]> {
  const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', dynamoProcess: true });
  try {
    const api = new ApiClient(runtime.url);
    const raw = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: runtime.engines.dynamoEndpoint }),
    );

    // The engine's raw write rate: small items, no indexes, the same concurrency.
    const rawStart = performance.now();
    await mapLimit(
      Array.from({ length: opts.rawWrites }, (_, i) => i),
      opts.concurrency,
      (i) => raw.send(new PutCommand({ TableName: tables.state.name, Item: { pk: `BENCH#${i}`, sk: 'raw', n: i } })),
    );
    const rawRate = opts.rawWrites / ((performance.now() - rawStart) / 1000);

    let writes = 0;
    documentClient.middlewareStack.add(
      (next, context) => async (args) => {
        if (WRITES.has(String(context.commandName))) writes += 1;
        return next(args);
      },
      { step: 'initialize', name: 'ingestWriteCounter' },
    );

    const users = await Promise.all(Array.from({ length: USERS }, async (_, u) => ({ id: `ingest-${u}`, client: api.as(await runtime.token(`ingest-${u}`)) })));
    const perSender = Math.ceil(opts.messages / opts.senders);
    const posts = Array.from({ length: opts.messages }, (_, i) => {
      const sender = i % opts.senders;
      return {
        user: users[sender % USERS]!,
        body: { from: numberOf(sender), to: numberOf(opts.senders + (i % 7)), message: `ingest ${i} (${Math.floor(i / opts.senders) + 1}/${perSender})` },
      };
    });
    const latencies: number[] = [];
    const statuses: Record<number, number> = {};
    const ingestStart = performance.now();
    await mapLimit(posts, opts.concurrency, async ({ user, body }) => {
      const t = performance.now();
      const response = await user.client.request('POST', '/messages', body);
      latencies.push(performance.now() - t);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    });
    const ingestSeconds = (performance.now() - ingestStart) / 1000;
    const accepted = statuses[202] ?? 0;
    const writesPerMessage = accepted > 0 ? writes / accepted : Number.NaN;

    // Every accepted message processed, each once.
    const read = async (user: (typeof users)[number]) => {
      const items: Array<{ messageId: string; message: string; status: string; processingMs?: number }> = [];
      let cursor: string | null = null;
      do {
        const page: { body: { items: typeof items; nextCursor: string | null } } = await user.client.request(
          'GET',
          `/messages?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        items.push(...page.body.items);
        cursor = page.body.nextCursor;
      } while (cursor);
      return items;
    };
    let all: Awaited<ReturnType<typeof read>> = [];
    await eventually(
      async () => {
        all = (await Promise.all(users.map(read))).flat();
        return all.length >= accepted && all.every((m) => m.status === 'processed') ? true : undefined;
      },
      Math.max(60_000, opts.messages * 20),
      'every accepted message to be processed',
    ).catch(() => undefined);
    const texts = new Set(all.map((m) => m.message));
    const processed = all.filter((m) => m.status === 'processed');
    const lost = Math.max(0, accepted - texts.size);
    const storedTwice = all.length - texts.size;
    const processing = summarize(processed.map((m) => m.processingMs ?? 0));
    const post = summarize(latencies);

    const floor = rawRate / writesPerMessage;
    const rate = accepted / ingestSeconds;
    const figures: Figure[] = [
      {
        name: 'accepted per second',
        value: round(rate, 1),
        unit: 'messages/s',
        spread: `${accepted} accepted in ${round(ingestSeconds, 1)} s; answers ${JSON.stringify(statuses)}`,
      },
      {
        name: 'raw DynamoDB write rate (same run)',
        value: round(rawRate, 1),
        unit: 'PutItem/s',
        spread: `${opts.rawWrites} small items, ${opts.concurrency} in flight`,
      },
      {
        name: 'DynamoDB writes per accepted message',
        value: round(writesPerMessage, 2),
        unit: 'write requests',
        spread: 'admission state, message, stored, processed, totals, uncounted mark',
      },
      { name: 'accepted rate ÷ (raw rate ÷ writes per message)', value: round(rate / floor, 2), unit: 'ratio', goal: '≥ 0.5', met: rate / floor >= 0.5 },
      { name: 'POST /messages', value: round(post.median, 1), unit: 'ms p50', spread: `p95 ${round(post.p95, 1)}, p99 ${round(post.p99, 1)}, n ${post.n}` },
      {
        name: 'received → processed',
        value: round(processing.p95, 1),
        unit: 'ms p95',
        spread: `p50 ${round(processing.median, 1)}, p99 ${round(processing.p99, 1)}, n ${processing.n}`,
      },
      { name: 'lost messages', value: lost, unit: 'messages', goal: '0', met: lost === 0 },
      { name: 'messages stored twice', value: storedTwice, unit: 'messages', goal: '0', met: storedTwice === 0 },
      { name: 'messages not processed', value: all.length - processed.length, unit: 'messages', goal: '0', met: all.length === processed.length },
    ];
    raw.destroy();
    return figures;
  } finally {
    await runtime.stop();
  }
}

const run = promisify(execFile);

/**
 * The query figures in a process of their own (handlers read their configuration once, so one
 * process holds one runtime), on a store of their own: the ingest figures are not measured on a
 * store busy settling a hundred thousand fresh items, nor the queries on one taking posts.
 */
async function queriesInOwnProcess(opts: IngestOptions): Promise<Figure[]> {
  try {
    const { stdout } = await run(
      join(projectRoot, 'node_modules/.bin/tsx'),
      [join(projectRoot, 'lib/bench/ingest-queries.ts'), String(opts.stored), String(opts.queryRuns)],
      { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'ERROR' } },
    );
    return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as Figure[];
  } catch (err) {
    const message =
      String((err as { stderr?: string }).stderr ?? err)
        .split('\n')
        .find((l) => l.startsWith('Error')) ?? String(err);
    return [{ name: 'GET /messages queries', value: 'failed', unit: '', spread: message.slice(0, 300), met: false }];
  }
}

/**
 * GET /messages for each filter combination over `stored` messages of one user, written into the
 * engine's store before the runtime starts on it (see ingestBenchmark).
 */
export async function queryBenchmarkPart(opts: Pick<IngestOptions, 'stored' | 'queryRuns'>): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ingest-bench-'));
  try {
    const seedStart = performance.now();
    const engines = await startEngines({ dataDir });
    await provision(engines);
    await engines.stop();
    const seeded = await bulkLoad(join(dataDir, 'dynamodb'), tables.messages.name, storedChunks(opts.stored), { indexes: true });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    const runtime = await startLocalRuntime({ port: 0, logLevel: 'ERROR', dynamoProcess: true, dataDir, skipIndexRepair: true });
    try {
      return await queryFigures(runtime, new ApiClient(runtime.url), opts, `${seeded} seeded into the store in ${round(seedSeconds, 1)} s`);
    } finally {
      await runtime.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const QUERY_USER = 'ingest-query';
const querySenders = Array.from({ length: 50 }, (_, i) => numberOf(10_000 + i));
const queryRecipients = Array.from({ length: 20 }, (_, i) => numberOf(20_000 + i));

/** The query user's `count` stored messages, one a second from the start of 2026, as items in chunks. */
function* storedChunks(count: number, size = 1_000): Generator<Array<Record<string, unknown>>> {
  const owner = userOwner(QUERY_USER);
  const next = seededRandom(4);
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  for (let from = 0; from < count; from += size) {
    yield Array.from({ length: Math.min(size, count - from) }, (_, k) => {
      const i = from + k;
      const at = start + i * 1_000;
      return messageItem({
        owner,
        messageId: newId(at),
        from: querySenders[Math.floor(next() * querySenders.length)]!,
        to: queryRecipients[Math.floor(next() * queryRecipients.length)]!,
        message: `stored ${i}`,
        receivedAt: new Date(at).toISOString(),
        status: messageStatuses[Math.floor(next() * 3)]!,
        source: 'api',
        media: [],
      });
    });
  }
}

async function queryFigures(
  runtime: Awaited<ReturnType<typeof startLocalRuntime>>,
  api: ApiClient,
  opts: Pick<IngestOptions, 'stored' | 'queryRuns'>,
  seeding: string,
): Promise<Figure[]> {
  const userId = QUERY_USER;
  const senders = querySenders;
  const recipients = queryRecipients;
  const client = api.as(await runtime.token(userId));
  const filters: Record<string, string> = {
    'no filter': '',
    from: `from=${encodeURIComponent(senders[0]!)}`,
    to: `to=${encodeURIComponent(recipients[0]!)}`,
    status: 'status=processed',
    'from+to': `from=${encodeURIComponent(senders[0]!)}&to=${encodeURIComponent(recipients[0]!)}`,
    'from+status': `from=${encodeURIComponent(senders[0]!)}&status=stored`,
    'to+status': `to=${encodeURIComponent(recipients[0]!)}&status=received`,
    'from+to+status': `from=${encodeURIComponent(senders[0]!)}&to=${encodeURIComponent(recipients[0]!)}&status=processed`,
    'no filter, offset 1000': 'offset=1000',
  };
  const figures: Figure[] = [];
  for (const [name, query] of Object.entries(filters)) {
    const times: number[] = [];
    for (let run = 0; run < opts.queryRuns; run++) {
      const t = performance.now();
      const response = await client.request('GET', `/messages?${query}`);
      times.push(performance.now() - t);
      if (response.status !== 200) throw new Error(`GET /messages?${query} answered ${response.status}: ${response.text}`);
      // The seeded store is read as the API's own writes are: the list and each single filter find messages.
      if (['no filter', 'from', 'to', 'status'].includes(name) && (response.body.items as unknown[]).length === 0)
        throw new Error(`GET /messages?${query} found none of the ${opts.stored} stored messages.`);
    }
    const s = summarize(times);
    figures.push({
      name: `GET /messages, ${name}`,
      value: round(s.p95, 1),
      unit: 'ms p95',
      spread: `p50 ${round(s.median, 1)}, n ${s.n}, over ${opts.stored} stored (${seeding})`,
    });
  }
  return figures;
}
