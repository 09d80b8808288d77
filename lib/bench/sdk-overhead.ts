import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/engines.ts';
import type { BenchResult } from './report.ts';
import { round, summarize } from './stats.ts';

export interface SdkOverheadOptions {
  /** Requests per timed round, for each client. */
  requests: number;
  rounds: number;
}

/** A GetItem answer, as DynamoDB sends it. */
const ITEM = '{"Item":{"pk":{"S":"user#1"},"sk":{"S":"#"},"n":{"N":"1"},"body":{"S":"hello"}}}';
const BODY = '{"TableName":"Table","Key":{"pk":{"S":"user#1"},"sk":{"S":"#"}}}';

/**
 * A server that answers every request with one item, in a process of its own so that the CPU
 * this process counts is the client's alone.
 */
async function stubServer(): Promise<{ port: number; stop(): void }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const server = require('node:http').createServer((req, res) => {
         req.resume();
         req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end(process.argv[1]));
       });
       server.listen(0, '127.0.0.1', () => console.log(server.address().port));`,
      ITEM,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`The stub server exited (${code}) before listening.`)));
  });
  return { port, stop: () => child.kill() };
}

/** This process's CPU microseconds per call of `send`, over `n` calls one after another. */
async function cpuPerRequest(n: number, send: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await send();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / n;
}

/**
 * `npm run bench -- sdk-overhead`: the client-side CPU of one DynamoDB GetItem through the
 * DocumentClient every handler uses, against the same request and answer through Node's `http`
 * alone, both to a stub server on loopback. The difference is the SDK's own work (signing,
 * serialization, middleware, marshalling), which every AWS request of every handler pays.
 */
export async function sdkOverheadBenchmark(opts: SdkOverheadOptions): Promise<BenchResult> {
  const started = performance.now();
  const server = await stubServer();
  const agent = new Agent({ keepAlive: true });
  const client = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: `http://127.0.0.1:${server.port}` });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const plain = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          method: 'POST',
          path: '/',
          agent,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.GetItem' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            JSON.parse(Buffer.concat(chunks).toString('utf8'));
            resolve();
          });
        },
      );
      req.once('error', reject);
      req.end(BODY);
    });
  const sdk = () => documents.send(new GetCommand({ TableName: 'Table', Key: { pk: 'user#1', sk: '#' } }));
  try {
    // Warm both paths (JIT, sockets, the SDK's lazily built parts) before timing.
    await cpuPerRequest(Math.min(500, opts.requests), plain);
    await cpuPerRequest(Math.min(500, opts.requests), sdk);
    const plainRuns: number[] = [];
    const sdkRuns: number[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      plainRuns.push(await cpuPerRequest(opts.requests, plain));
      sdkRuns.push(await cpuPerRequest(opts.requests, sdk));
    }
    const p = summarize(plainRuns);
    const s = summarize(sdkRuns);
    return {
      benchmark: 'sdk-overhead',
      description: `${opts.requests} GetItem requests one after another, ${opts.rounds} rounds alternating, to a stub server in another process on loopback: through the DynamoDB DocumentClient, and through Node's http with a keep-alive agent; this process's CPU per request, median round.`,
      figures: [
        { name: 'GetItem through the DocumentClient', value: round(s.median, 0), unit: 'µs CPU', spread: `rounds ${round(s.min, 0)}–${round(s.max, 0)}` },
        { name: "the same through Node's http", value: round(p.median, 0), unit: 'µs CPU', spread: `rounds ${round(p.min, 0)}–${round(p.max, 0)}` },
        {
          name: "the SDK's own work per request",
          value: round(s.median - p.median, 0),
          unit: 'µs CPU',
          spread: `${round(s.median / p.median, 1)}× the plain request`,
        },
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    client.destroy();
    agent.destroy();
    server.stop();
  }
}
