import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { Server as NetServer, type AddressInfo, type ListenOptions } from 'node:net';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException, UpdateTimeToLiveCommand, type GlobalSecondaryIndex } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { ChangeMessageVisibilityCommand, CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { interceptLocalhostDns, startFauxqs, type FauxqsServer } from 'fauxqs';
import { logger } from '../../shared/logger.ts';
import { queues, tables, type QueueKey, type TableKey } from '../../shared/topology.ts';
import { visibilityTimeoutSeconds } from '../../shared/function-specs.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_BUCKET = 'uploads-local';

/** The embedded engines: DynamoDB (dynalite) and SQS + S3 (fauxqs), on loopback ports. */
export interface Engines {
  dynamoEndpoint: string;
  awsEndpoint: string;
  /** The host the engine's queue URLs name; the SQS client warns when its endpoint differs. */
  sqsEndpoint: string;
  fauxqs: FauxqsServer;
  /** The DynamoDB engine's process id when it runs in a child process (`dynamoProcess`). */
  dynamoProcessId?: number;
  stop(): Promise<void>;
}

/** What provisioning made, by topology key. */
export interface Provisioned {
  tableNames: Record<TableKey, string>;
  queueUrls: Record<QueueKey, string>;
  queueArns: Record<QueueKey, string>;
  dlqUrls: Record<QueueKey, string>;
  bucket: string;
}

const dynaliteOptions = (path: string | undefined) => ({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });

/** The embedded DynamoDB, listening on a loopback port. */
interface DynamoEngine {
  port: number;
  processId?: number;
  stop(): Promise<void>;
}

async function dynamoInProcess(path: string | undefined, port: number): Promise<DynamoEngine> {
  const server: Server = dynalite(dynaliteOptions(path));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The embedded DynamoDB in a child process: its CPU then neither delays the runtime's event loop
 * nor counts as the runtime's. It ends with the runtime however the runtime ends: stopped, or
 * killed (its end closes the child's stdin), so a restart on the same state finds the store free.
 */
async function dynamoInChild(path: string | undefined, port: number): Promise<DynamoEngine> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const server = require(process.argv[1])(JSON.parse(process.argv[2]));
       server.listen(Number(process.argv[3]), '127.0.0.1', () => console.log(server.address().port));
       // Requests in flight get two seconds to finish; idle keep-alive connections close at once.
       process.on('SIGTERM', () => {
         server.close(() => process.exit(0));
         server.closeIdleConnections();
         setTimeout(() => server.closeAllConnections(), 2000).unref();
       });
       // Ctrl+C reaches the whole process group: the runtime stops this engine itself, after its consumers.
       process.on('SIGINT', () => {});
       process.stdin.on('end', () => process.exit(0)).resume();`,
      createRequire(import.meta.url).resolve('dynalite'),
      JSON.stringify(dynaliteOptions(path)),
      String(port),
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const listening = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`The DynamoDB engine's process exited (${code}) before listening.`)));
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping) logger.error(`The DynamoDB engine's process ended (${signal ?? code}); every DynamoDB request now fails: restart.`);
  });
  return {
    port: listening,
    processId: child.pid,
    async stop() {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Runs `start` with every server it opens on all interfaces bound to loopback instead. The
 * embedded SQS/S3 engine takes no listen address and opens 0.0.0.0, which would offer its
 * unauthenticated queues and bucket to the whole network.
 */
async function onLoopback<T>(start: () => Promise<T>): Promise<T> {
  const listen = NetServer.prototype.listen;
  NetServer.prototype.listen = function (this: NetServer, ...args: unknown[]) {
    const [options] = args;
    if (typeof options === 'object' && options !== null && (options as ListenOptions).host === '0.0.0.0') {
      args[0] = { ...(options as ListenOptions), host: '127.0.0.1' };
    }
    return (listen as (...a: unknown[]) => NetServer).apply(this, args);
  } as typeof listen;
  try {
    return await start();
  } finally {
    NetServer.prototype.listen = listen;
  }
}

/**
 * Starts the engines; with a data directory their state outlives the process. `dynamoPort`
 * asks for that port (a restarted engine keeps its clients' endpoint); any free one otherwise.
 * `dynamoProcess` runs the DynamoDB engine in a child process (npm start, and benchmarks measuring CPU).
 */
export async function startEngines(opts: { dataDir?: string; dynamoPort?: number; dynamoProcess?: boolean } = {}): Promise<Engines> {
  const dynamoPath = opts.dataDir ? join(opts.dataDir, 'dynamodb') : undefined;
  const fauxqsPath = opts.dataDir ? join(opts.dataDir, 'fauxqs') : undefined;
  for (const dir of [dynamoPath, fauxqsPath]) if (dir) mkdirSync(dir, { recursive: true });

  const dynamo = await (opts.dynamoProcess ? dynamoInChild : dynamoInProcess)(dynamoPath, opts.dynamoPort ?? 0);
  const dynamoPort = dynamo.port;

  // Queue URLs name `sqs.<region>.localhost`, and the SQS client sends to the queue URL's host;
  // glibc does not resolve subdomains of localhost, so the process resolves them itself.
  const restoreDns = interceptLocalhostDns();
  // A one-message spy buffer: the S3 event bridge observes uploads as they happen and keeps none.
  const fauxqs = await onLoopback(() =>
    startFauxqs({
      port: 0,
      logger: false,
      dataDir: fauxqsPath,
      messageSpies: { bufferSize: 1 },
      defaultRegion: LOCAL_REGION,
    }),
  );

  return {
    dynamoEndpoint: `http://127.0.0.1:${dynamoPort}`,
    dynamoProcessId: dynamo.processId,
    awsEndpoint: `http://127.0.0.1:${fauxqs.port}`,
    sqsEndpoint: `http://sqs.${LOCAL_REGION}.localhost:${fauxqs.port}`,
    fauxqs,
    async stop() {
      await fauxqs.stop();
      await dynamo.stop();
      restoreDns();
    },
  };
}

/**
 * A saved queue keeps the URL it was created with, naming the port of an earlier run; the SQS
 * client sends to the URL's host, so the URL is moved to where the engine listens now (the
 * engine finds a queue by its region and name, whatever the host).
 */
export function onEndpoint(queueUrl: string, endpoint: string): string {
  const url = new URL(queueUrl);
  const current = new URL(endpoint);
  url.protocol = current.protocol;
  url.host = current.host;
  return url.toString();
}

/**
 * Creates the topology's tables, queues (each with its DLQ and redrive policy) and the
 * bucket through the real AWS SDK, exactly as declared; existing ones are left as they are.
 */
export async function provision(engines: Engines, overrides: { visibilityTimeoutSeconds?: number } = {}): Promise<Provisioned> {
  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamo = new DynamoDBClient({ ...clientConfig, endpoint: engines.dynamoEndpoint });
  const sqs = new SQSClient({ ...clientConfig, endpoint: engines.sqsEndpoint });
  const s3 = new S3Client({ ...clientConfig, endpoint: engines.awsEndpoint, forcePathStyle: true });

  const tableNames = {} as Record<TableKey, string>;
  for (const [key, spec] of Object.entries(tables) as Array<[TableKey, (typeof tables)[TableKey]]>) {
    const attributes = new Set<string>([spec.partitionKey, spec.sortKey]);
    for (const index of spec.indexes) attributes.add(index.partitionKey).add(index.sortKey);
    const indexes: GlobalSecondaryIndex[] = spec.indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    }));
    try {
      await dynamo.send(
        new CreateTableCommand({
          TableName: spec.name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          KeySchema: [
            { AttributeName: spec.partitionKey, KeyType: 'HASH' },
            { AttributeName: spec.sortKey, KeyType: 'RANGE' },
          ],
          ...(indexes.length > 0 ? { GlobalSecondaryIndexes: indexes } : {}),
        }),
      );
      if ('ttlAttribute' in spec) {
        await dynamo
          .send(new UpdateTimeToLiveCommand({ TableName: spec.name, TimeToLiveSpecification: { Enabled: true, AttributeName: spec.ttlAttribute } }))
          // dynalite records no TTL (ENVIRONMENT.md); expired upload intents simply stay locally.
          .catch(() => undefined);
      }
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    tableNames[key] = spec.name;
  }

  const queueUrls = {} as Record<QueueKey, string>;
  const queueArns = {} as Record<QueueKey, string>;
  const dlqUrls = {} as Record<QueueKey, string>;
  for (const [key, spec] of Object.entries(queues) as Array<[QueueKey, (typeof queues)[QueueKey]]>) {
    const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${spec.name}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }));
    const dlqAttributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }));
    const queue = await sqs.send(
      new CreateQueueCommand({
        QueueName: spec.name,
        Attributes: {
          VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? visibilityTimeoutSeconds(spec)),
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: dlqAttributes.Attributes?.QueueArn,
            maxReceiveCount: spec.maxReceiveCount,
          }),
        },
      }),
    );
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }));
    queueUrls[key] = onEndpoint(queue.QueueUrl!, engines.sqsEndpoint);
    queueArns[key] = attributes.Attributes!.QueueArn!;
    dlqUrls[key] = onEndpoint(dlq.QueueUrl!, engines.sqsEndpoint);
  }

  await s3.send(new CreateBucketCommand({ Bucket: LOCAL_BUCKET })).catch((err: { name?: string }) => {
    if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
  });

  dynamo.destroy();
  sqs.destroy();
  s3.destroy();
  return { tableNames, queueUrls, queueArns, dlqUrls, bucket: LOCAL_BUCKET };
}

/**
 * Messages a previous run had received and not finished are held by consumers that died with
 * it; on AWS their visibility timeout (minutes) would bring them back, here they come back in a
 * second. (A visibility of 1 s rather than 0: the engine's saved state loses a message set to 0.)
 * Returns how many were released.
 */
export async function releaseOrphanedMessages(engines: Engines, resources: Provisioned): Promise<number> {
  const sqs = new SQSClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines.sqsEndpoint });
  let released = 0;
  try {
    for (const url of Object.values(resources.queueUrls)) {
      const name = new URL(url).pathname.split('/').pop()!;
      for (const { receiptHandle } of engines.fauxqs.inspectQueue(name)?.messages.inflight ?? []) {
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: receiptHandle, VisibilityTimeout: 1 }));
        released++;
      }
    }
  } finally {
    sqs.destroy();
  }
  return released;
}
