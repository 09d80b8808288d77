import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CreateQueueCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { logger } from '../../shared/logger.ts';
import { busEvents, type BusEventKey } from '../../shared/topology.ts';
import { onEndpoint } from './engines.ts';
import { sendJson } from './http-front.ts';

const LOCAL_EVENTS_PATH = '/local/events';
/** The log keeps the latest events only. */
const MAX_EVENTS = 1_000;

/** An event as EventBridge delivers it to a rule's target. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export interface LocalEventBusOptions {
  sqsEndpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/**
 * What the deployed EventBridge Pipes do, on the embedded queues: each publisher's queue (see
 * `busEvents` in the topology) is drained, and each message becomes an event with its kind's
 * source and detail-type and the message as its detail, kept in a log that
 * `GET /local/events[?source=&detailType=]` shows, oldest first. A message that is not JSON is
 * dropped with a warning (the Pipe would pass it as a string).
 */
export class LocalEventBus {
  private readonly events: BusEvent[] = [];
  private readonly abort = new AbortController();
  private running = false;
  private pollers: Array<Promise<void>> = [];

  private constructor(
    private readonly sqs: SQSClient,
    private readonly region: string,
    /** Each kind's queue URL. */
    readonly queueUrls: Record<BusEventKey, string>,
  ) {}

  /** Creates each kind's queue; its URL goes in the kind's variable for the publishers. */
  static async create(opts: LocalEventBusOptions): Promise<LocalEventBus> {
    const sqs = new SQSClient({ region: opts.region, credentials: opts.credentials, endpoint: opts.sqsEndpoint });
    const urls = {} as Record<BusEventKey, string>;
    for (const [key, spec] of Object.entries(busEvents) as Array<[BusEventKey, (typeof busEvents)[BusEventKey]]>) {
      const created = await sqs.send(
        new CreateQueueCommand({ QueueName: spec.queueName, Attributes: { VisibilityTimeout: String(spec.visibilityTimeoutSeconds) } }),
      );
      urls[key] = onEndpoint(created.QueueUrl!, opts.sqsEndpoint);
    }
    return new LocalEventBus(sqs, opts.region, urls);
  }

  /** The variables that tell the publishers where each kind goes. */
  environment(): Record<string, string> {
    return Object.fromEntries((Object.keys(busEvents) as BusEventKey[]).map((key) => [busEvents[key].envVar, this.queueUrls[key]]));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pollers = (Object.keys(busEvents) as BusEventKey[]).map((key) => this.drain(key));
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.allSettled(this.pollers);
    this.sqs.destroy();
  }

  /** The events so far, oldest first, narrowed by source and detail-type when given. */
  list(filter: { source?: string; detailType?: string } = {}): BusEvent[] {
    return this.events.filter((e) => (!filter.source || e.source === filter.source) && (!filter.detailType || e['detail-type'] === filter.detailType));
  }

  /** Handles `GET /local/events`; false for any other request. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://local.invalid');
    if (req.method !== 'GET' || url.pathname !== LOCAL_EVENTS_PATH) return false;
    const items = this.list({ source: url.searchParams.get('source') ?? undefined, detailType: url.searchParams.get('detailType') ?? undefined });
    sendJson(res, 200, { items });
    return true;
  }

  private async drain(key: BusEventKey): Promise<void> {
    const spec = busEvents[key];
    while (this.running) {
      try {
        const out = await this.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.queueUrls[key], MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }), {
          abortSignal: this.abort.signal,
        });
        const messages = out.Messages ?? [];
        if (messages.length === 0) continue;
        for (const message of messages) {
          const detail = parseDetail(message.Body);
          if (!detail) {
            logger.warn('Dropped an event that is not a JSON object', { queue: spec.queueName, messageId: message.MessageId });
            continue;
          }
          this.events.push({
            version: '0',
            id: randomUUID(),
            'detail-type': spec.detailType,
            source: spec.source,
            account: '000000000000',
            time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
            region: this.region,
            resources: [],
            detail,
          });
          if (this.events.length > MAX_EVENTS) this.events.shift();
        }
        await this.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.queueUrls[key],
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      } catch (err) {
        if (!this.running) return;
        logger.warn('Event bus receive failed; polling again', { queue: spec.queueName, error: err as Error });
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
}

function parseDetail(body: string | undefined): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body ?? '');
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
