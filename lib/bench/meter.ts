type Next = (args: { input: unknown }) => Promise<{ output: unknown }>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;
/** The part of an AWS SDK v3 client the meter needs. */
interface MeteredClient {
  // The SDK's own middleware types differ per client; the meter needs only `add`.
  // biome-ignore lint/suspicious/noExplicitAny: each client's middleware type differs; the meter calls only `add`.
  middlewareStack: { add(middleware: any, options: { step: 'initialize'; name: string }): void };
}

/** Requests, capacity and invocations counted while a benchmark runs, for pricing. */
export interface Usage {
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
  sqsRequests: number;
  s3Reads: number;
  s3Writes: number;
  secretsRequests: number;
  /** DynamoDB units by table, and SQS requests by queue (the last part of its URL): where each went. */
  byTable: Record<string, { read: number; write: number }>;
  byQueue: Record<string, number>;
  /** Per function: invocations, and each one's wall time and this process's CPU time meanwhile. */
  invocations: Record<string, { count: number; durationsMs: number[]; cpuMs: number[] }>;
}

const DYNAMO_WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);
const DYNAMO_READS = new Set(['GetItemCommand', 'QueryCommand', 'ScanCommand', 'BatchGetItemCommand']);
const S3_READS = new Set(['GetObjectCommand', 'HeadObjectCommand']);

/**
 * Counts what the AWS SDK clients do: DynamoDB capacity from the engine's own
 * ConsumedCapacity (requested on every call), SQS, S3 and Secrets Manager requests, and each
 * function invocation with its duration. Empty long polls are left out: on AWS they are a fixed
 * cost of the event source mappings, not a cost of any notification.
 */
export class Meter {
  readonly usage: Usage = {
    dynamoReadUnits: 0,
    dynamoWriteUnits: 0,
    sqsRequests: 0,
    s3Reads: 0,
    s3Writes: 0,
    secretsRequests: 0,
    byTable: {},
    byQueue: {},
    invocations: {},
  };

  /** Forgets what was counted so far (after a benchmark's setup). */
  reset(): void {
    Object.assign(this.usage, {
      dynamoReadUnits: 0,
      dynamoWriteUnits: 0,
      sqsRequests: 0,
      s3Reads: 0,
      s3Writes: 0,
      secretsRequests: 0,
      byTable: {},
      byQueue: {},
      invocations: {},
    });
  }

  /** Adds the counting middleware to a client (any AWS SDK v3 client). */
  watch(client: MeteredClient, service: 'dynamodb' | 'sqs' | 's3' | 'secrets'): void {
    const middleware: Middleware = (next, context) => async (args) => {
      const command = String(context.commandName ?? '');
      const input = args.input as Record<string, unknown>;
      if (service === 'dynamodb' && (DYNAMO_READS.has(command) || DYNAMO_WRITES.has(command))) input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as Record<string, unknown>;
      if (service === 'dynamodb') {
        const consumed = ([] as Array<{ CapacityUnits?: number; TableName?: string }>).concat((output.ConsumedCapacity as never) ?? []);
        for (const c of consumed) {
          const units = c.CapacityUnits ?? 0;
          const tableName = c.TableName ?? '?';
          this.usage.byTable[tableName] ??= { read: 0, write: 0 };
          const table = this.usage.byTable[tableName]!;
          if (DYNAMO_WRITES.has(command)) {
            this.usage.dynamoWriteUnits += units;
            table.write += units;
          } else if (DYNAMO_READS.has(command)) {
            this.usage.dynamoReadUnits += units;
            table.read += units;
          }
        }
      } else if (service === 'sqs') {
        const emptyPoll = command === 'ReceiveMessageCommand' && !(output.Messages as unknown[] | undefined)?.length;
        if (!emptyPoll) {
          this.usage.sqsRequests += 1;
          const queue = String(input.QueueUrl ?? '?')
            .split('/')
            .pop()!;
          this.usage.byQueue[queue] = (this.usage.byQueue[queue] ?? 0) + 1;
        }
      } else if (service === 's3') {
        if (S3_READS.has(command)) this.usage.s3Reads += 1;
        else this.usage.s3Writes += 1;
      } else {
        this.usage.secretsRequests += 1;
      }
      return result;
    };
    client.middlewareStack.add(middleware, { step: 'initialize', name: 'usageMeter' });
  }

  /** Wraps a handler so each invocation is counted and timed. */
  time<A extends unknown[], R>(name: string, handler: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      try {
        return await handler(...args);
      } finally {
        const used = process.cpuUsage(cpu);
        this.usage.invocations[name] ??= { count: 0, durationsMs: [], cpuMs: [] };
        const entry = this.usage.invocations[name]!;
        entry.count += 1;
        entry.durationsMs.push(performance.now() - started);
        entry.cpuMs.push((used.user + used.system) / 1000);
      }
    };
  }
}
