import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import { SQSClient } from '@aws-sdk/client-sqs';
import { interceptLocalhostDns } from 'fauxqs';
import { reportActivity, setActivitySink, type ActivitySink } from '../../shared/activity.ts';
import { logger } from '../../shared/logger.ts';
import { setMetricSink, type MetricSink } from '../../shared/metrics.ts';
import { queues, type FunctionName, type QueueKey } from '../../shared/topology.ts';
import { functions } from '../../shared/function-specs.ts';
import { SqsEventSource, type SqsHandler } from './event-source.ts';

/** The consumer threads `npm start` runs unless --consumer-threads says otherwise. */
export const START_CONSUMER_THREADS = 1;

/** What a consumer thread needs to poll the queues: the rest it reads from the environment, as a Lambda does. */
export interface ConsumerThreadConfig {
  projectRoot: string;
  sqsEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  queueUrls: Record<QueueKey, string>;
  queueArns: Record<QueueKey, string>;
  /** Of `threads` threads, which this is: each polls its share of a queue's concurrency. */
  index: number;
  threads: number;
  duplicateDeliveries?: boolean;
  killOnceMidBatch?: FunctionName;
}

type FromThread = { ready: true } | { metric: Parameters<MetricSink> } | { activity: Parameters<ActivitySink> };

/**
 * An event source for every queue this thread has a share of, polling with thread `index`'s share
 * of the queue's maximum concurrency (all of it when there is one thread).
 */
export function queueConsumers(
  opts: Pick<ConsumerThreadConfig, 'queueUrls' | 'queueArns' | 'region' | 'index' | 'threads' | 'duplicateDeliveries' | 'killOnceMidBatch'> & {
    sqs: SQSClient;
    handlerOf: (name: FunctionName) => SqsHandler;
  },
): SqsEventSource[] {
  return (Object.entries(queues) as Array<[QueueKey, (typeof queues)[QueueKey]]>)
    .filter(([, spec]) => shareOf(spec.maxConcurrency, opts.index, opts.threads) > 0)
    .map(
      ([key, spec]) =>
        new SqsEventSource({
          sqs: opts.sqs,
          queueUrl: opts.queueUrls[key],
          queueArn: opts.queueArns[key],
          functionName: spec.consumer,
          handler: opts.handlerOf(spec.consumer),
          batchSize: spec.batchSize,
          concurrency: shareOf(spec.maxConcurrency, opts.index, opts.threads),
          timeoutSeconds: functions[spec.consumer].timeoutSeconds,
          region: opts.region,
          duplicateDeliveries: opts.duplicateDeliveries,
          // One fault for the whole runtime: the first thread's.
          killOnceMidBatch: opts.killOnceMidBatch === spec.consumer && opts.index === 0,
        }),
    );
}

/** Thread `index`'s part of a queue's maximum concurrency: the parts add up to it, so some may be 0. */
export const shareOf = (concurrency: number, index: number, threads: number): number =>
  Math.floor(concurrency / threads) + (index < concurrency % threads ? 1 : 0);

/** How long a thread that died waits before it starts again: 0.5 s, doubling to 30 s while it keeps dying. */
export const restartDelayMs = (failures: number): number => Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));

/** A thread that stayed up this long has its restart delay start again from the shortest. */
const STEADY_MS = 60_000;

/**
 * The queue consumers in threads of their own, as Lambda runs each function apart from the API's:
 * a backlog on a queue then takes CPU from the consumers, not from the webhooks Twilio waits on.
 * The handlers are the same modules, imported afresh in each thread with the environment the
 * runtime set; their metrics and activity lines come back to the runtime's thread, which counts
 * and prints them as its own.
 */
export class ConsumerThreads {
  private readonly workers: Worker[] = [];
  private readonly restarts = new Set<NodeJS.Timeout>();
  /** The threads that came up once: one of them that dies is started again. */
  private readonly started = new Set<number>();
  private stopping = false;

  private constructor(
    private readonly config: Omit<ConsumerThreadConfig, 'index'>,
    private readonly record: MetricSink,
  ) {}

  /** Starts every thread; if one cannot start, ends those that did and rejects. */
  static async start(config: Omit<ConsumerThreadConfig, 'index'>, record: MetricSink): Promise<ConsumerThreads> {
    const threads = new ConsumerThreads(config, record);
    try {
      await Promise.all(Array.from({ length: config.threads }, (_, index) => threads.spawn(index, 0)));
    } catch (err) {
      await threads.stop();
      throw err;
    }
    return threads;
  }

  /**
   * Starts thread `index`; resolves once it polls. A thread that dies afterwards (a handler's
   * unhandled rejection ends it, as it would end the process) is started again, as Lambda
   * starts a new instance, after a delay that grows while it keeps dying; its batches come back
   * to the queue after their visibility timeout. `failures` counts the deaths in a row before this start.
   */
  private spawn(index: number, failures: number): Promise<void> {
    // The TypeScript loader: on the command line under tsx, which a worker inherits; imported otherwise (vitest).
    const execArgv = process.execArgv.some((arg) => arg.includes('tsx')) ? process.execArgv : [...process.execArgv, '--import', import.meta.resolve('tsx')];
    const workerData: ConsumerThreadConfig = {
      ...this.config,
      index,
      // A fault run's one fault happens once, not again in a thread started after a death.
      killOnceMidBatch: this.workers[index] ? undefined : this.config.killOnceMidBatch,
    };
    const worker = new Worker(new URL(import.meta.url), { workerData, execArgv });
    this.workers[index] = worker;
    return new Promise<void>((resolve, reject) => {
      let readyAt: number | undefined;
      worker.on('message', (message: FromThread) => {
        if ('metric' in message) this.record(...message.metric);
        else if ('activity' in message) reportActivity(...message.activity);
        else if ('ready' in message) {
          readyAt = Date.now();
          this.started.add(index);
          resolve();
        }
      });
      worker.on('error', (err) => (readyAt === undefined ? reject(err) : logger.error('A consumer thread failed', err)));
      worker.on('exit', (code) => {
        if (readyAt === undefined) reject(new Error(`A consumer thread exited (${code}) before it was ready.`));
        // A thread that never came up at the start is the start's failure to report, not to retry.
        if (this.stopping || !this.started.has(index)) return;
        const deaths = readyAt !== undefined && Date.now() - readyAt > STEADY_MS ? 1 : failures + 1;
        const delay = restartDelayMs(deaths);
        logger.error(`Consumer thread ${index} stopped (${code}); starting it again in ${delay} ms`);
        const timer = setTimeout(() => {
          this.restarts.delete(timer);
          this.spawn(index, deaths).catch(() => undefined);
        }, delay);
        this.restarts.add(timer);
      });
    });
  }

  /** Stops polling, lets the invocations in flight finish, and ends the threads. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    await Promise.all(
      // A thread that has ended already has no id left.
      this.workers
        .filter((worker) => worker.threadId >= 0)
        .map((worker) => {
          const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
          worker.postMessage('stop');
          return exited;
        }),
    );
  }
}

/** An activity sink that sends each line to the runtime's thread, with its fields where they can cross. */
export function activityOver(port: Pick<MessagePort, 'postMessage'>): ActivitySink {
  return (line, fields) => {
    try {
      port.postMessage({ activity: [line, fields] } satisfies FromThread);
    } catch {
      // A field that cannot cross to another thread (a function, say): the line goes without its fields.
      port.postMessage({ activity: [line, {}] } satisfies FromThread);
    }
  };
}

/** The thread's own side: import the consumers, poll until told to stop. */
async function runConsumers(config: ConsumerThreadConfig): Promise<void> {
  const port = parentPort!;
  // Queue URLs name `sqs.<region>.localhost`, which each thread resolves itself, as the runtime does (engines.ts).
  interceptLocalhostDns();
  setMetricSink((...metric) => port.postMessage({ metric } satisfies FromThread));
  setActivitySink(activityOver(port));
  const sqs = new SQSClient({ region: config.region, credentials: config.credentials, endpoint: config.sqsEndpoint });
  const handlers: Partial<Record<FunctionName, SqsHandler>> = {};
  for (const spec of Object.values(queues)) {
    const entry = functions[spec.consumer].entry;
    handlers[spec.consumer] = ((await import(pathToFileURL(join(config.projectRoot, entry)).href)) as { handler: SqsHandler }).handler;
  }
  const sources = queueConsumers({ ...config, sqs, handlerOf: (name) => handlers[name]! });
  for (const source of sources) source.start();
  port.on('message', async (message) => {
    if (message !== 'stop') return;
    await Promise.all(sources.map((source) => source.stop()));
    sqs.destroy();
    // Ends this thread only, with whatever timers the handlers left.
    process.exit(0);
  });
  port.postMessage({ ready: true } satisfies FromThread);
}

if (parentPort && workerData && (workerData as ConsumerThreadConfig).queueUrls) await runConsumers(workerData as ConsumerThreadConfig);
