import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../../shared/logger.ts';
import * as z from 'zod/mini';
import { bucket, commonEnv, queues, routes, schedules, tables, type FunctionName, type QueueKey } from '../../shared/topology.ts';
import { functions } from '../../shared/function-specs.ts';
import { preflightAnswer } from './cors.ts';
import { frontRefusal } from './front-guard.ts';
import { LOCAL_CREDENTIALS, LOCAL_REGION, provision, releaseOrphanedMessages, startEngines, type Engines, type Provisioned } from './engines.ts';
import type { SqsHandler } from './event-source.ts';
import { ConsumerThreads, queueConsumers } from './consumer-thread.ts';
import { errorBody, gatewayErrorBody, readBody, Router, sendJson, startingServer, toApiGatewayEvent, writeApiResult, type ApiHandler } from './http-front.ts';
import { lambdaContext } from './lambda-context.ts';
import { withTimeout } from './timeout.ts';
import { LocalAuth } from './local-auth.ts';
import { bridgeObjectCreatedEvents } from './s3-events.ts';
import type { Meter } from '../bench/meter.ts';
import { SendGridSimulator } from './sendgrid-simulator.ts';
import { TwilioSimulator } from './twilio-simulator.ts';
import { TwilioPhoneNumbers } from './twilio-phone-numbers.ts';
import { TwilioVoiceSimulator } from './twilio-voice-simulator.ts';
import { LocalEventBus } from './event-bus.ts';
import { consoleConfigScript, serveConsole } from './console-files.ts';
import { proxyToS3, S3_PROXY_PREFIX } from './s3-proxy.ts';
import { buildOpenApiDocument } from '../openapi/document.ts';
import { repairIndexes } from './index-repair.ts';
import { LocalMetrics } from './local-metrics.ts';
import { setMetricSink } from '../../shared/metrics.ts';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Twilio credentials the local runtime uses unless TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN say otherwise. */
export const DEFAULT_TWILIO_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const DEFAULT_TWILIO_AUTH_TOKEN = 'local0auth0token0000000000000000';
/** The key the SendGrid simulator accepts unless SENDGRID_API_KEY says otherwise. */
export const DEFAULT_SENDGRID_API_KEY = 'SG.local-sendgrid-key';
/** The key that signs hand-off events locally unless HANDOFF_SECRET says otherwise. */
export const DEFAULT_HANDOFF_SECRET = 'local0handoff0secret000000000000';
/** Twilio's magic "valid sender" test number. */
export const DEFAULT_FROM_NUMBER = '+15005550006';

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export interface LocalRuntimeOptions {
  port?: number;
  /** Where state persists between runs; undefined keeps everything in memory. */
  dataDir?: string;
  publicBaseUrl?: string;
  twilioAccountSid?: string;
  twilioAuthToken?: string;
  fromNumber?: string;
  /** Powertools log level for the handlers; WARN keeps a terminal readable. */
  logLevel?: string;
  /** Simulator callback delays (ms). */
  callbackDelaysMs?: { sent: number; delivered: number };
  /** Messages per second the senders pace themselves to (TWILIO_MPS); locally 50 unless set. */
  twilioMps?: number;
  /** Every queue batch is handed to two concurrent invocations (see SqsEventSource). */
  duplicateDeliveries?: boolean;
  /** Runs every schedule at this interval instead of its own (minutes apart), for tests and demos. */
  scheduleIntervalMs?: number;
  /** The consumer whose first sizeable batch dies halfway (see SqsEventSource); for fault runs. */
  killOnceMidBatch?: FunctionName;
  /** Overrides every queue's visibility timeout (seconds), so a fault run's redeliveries come sooner. */
  visibilityTimeoutSeconds?: number;
  /** Counts the SDK clients' requests and times every invocation (the cost benchmark). */
  meter?: Meter;
  /**
   * Runs the DynamoDB engine in a child process (npm start does): its work then takes no turn on
   * this process's event loop, and this process's CPU is the handlers' own (benchmarks).
   */
  dynamoProcess?: boolean;
  /**
   * Local time scales for watching each path in seconds: retries back off 1 s doubling to 4 s
   * (instead of 10 s to 15 minutes), and reconciliation runs every 10 s for messages quiet for
   * 30 s (instead of every 5 minutes for 15). Variables already set in the environment win.
   */
  fast?: boolean;
  /** The built web console it serves at / (default web/dist, which `npm start` builds first). */
  consoleDir?: string;
  /** Numbers the simulated Twilio account owns besides +15005550006 (a line can claim them); TWILIO_OWNED_NUMBERS (comma-separated) when unset. */
  ownedNumbers?: string[];
  /**
   * Skips the index repair at start on saved state (see index-repair.ts), which reads every table
   * and index: for a store a benchmark has just written whole and consistent, not for `npm start`.
   */
  skipIndexRepair?: boolean;
  /**
   * Runs the queue consumers in this many threads of their own (see consumer-thread.ts); 0, the
   * default, runs them in this thread beside the API, where a test can watch them.
   */
  consumerThreads?: number;
}

/** The environment `fast` sets, unless the variable is set already. */
export const FAST_ENV = { RETRY_BASE_SECONDS: '1', RETRY_MAX_SECONDS: '4', RECONCILE_AFTER_MINUTES: '0.5' } as const;
const FAST_SCHEDULE_INTERVAL_MS = 10_000;

export interface LocalRuntime {
  url: string;
  publicBaseUrl: string;
  twilio: { accountSid: string; authToken: string; fromNumber: string };
  engines: Engines;
  resources: Provisioned;
  simulator: TwilioSimulator;
  /** The simulated account's numbers (IncomingPhoneNumbers). */
  phoneNumbers: TwilioPhoneNumbers;
  /** Plays calls through the voice webhooks (POST /local/twilio/calls). */
  voiceCalls: TwilioVoiceSimulator;
  sendgrid: SendGridSimulator;
  /** Where the web console opens. */
  consoleUrl: string;
  /** Route key (`METHOD /path`) to the function serving it, as API Gateway would route. */
  routes: Record<string, FunctionName>;
  /** Queue name to the function consuming it. */
  consumers: Record<string, FunctionName>;
  /** Schedule name to the function it runs, as the deployed EventBridge rules would. */
  schedules: Record<string, FunctionName>;
  /** Runs a schedule's function now, with the event EventBridge would send; resolves with its result. */
  runSchedule(name: keyof typeof schedules): Promise<unknown>;
  token(userId: string): Promise<string>;
  stop(): Promise<void>;
  /** The handlers' metrics, counted here instead of written as EMF (GET /local/metrics). */
  metrics: LocalMetrics;
  /** The events published to the event bus, as the deployed Pipes would forward them (GET /local/events). */
  eventBus: LocalEventBus;
}

/** Secrets that only matter locally, kept with the data so tokens and cursors survive restarts. */
function localSecrets(dataDir: string | undefined): { jwtSecret: string; cursorSecret: string } {
  const fresh = () => ({ jwtSecret: randomBytes(32).toString('hex'), cursorSecret: randomBytes(32).toString('hex') });
  if (!dataDir) return fresh();
  const file = join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { jwtSecret: string; cursorSecret: string };
  const secrets = fresh();
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

const tokenRequest = z.strictObject({
  userId: z.string().check(z.trim(), z.minLength(1), z.maxLength(128), z.regex(/^[\w.@+-]+$/, 'userId may hold letters, digits and . _ @ + - only.')),
});
const inboundRequest = z.strictObject({
  from: z.string().check(z.minLength(1)),
  to: z.string().check(z.minLength(1)),
  body: z._default(z.string(), ''),
  mediaUrls: z.optional(z.array(z.url()).check(z.maxLength(10))),
  /** Media the simulator hosts as Twilio hosts an MMS's (its URL needs the account's credentials and redirects). */
  media: z.optional(z.array(z.strictObject({ contentType: z.string().check(z.minLength(1)), data: z.base64() })).check(z.maxLength(10))),
});

/**
 * The whole system in one process: embedded DynamoDB, SQS and S3, the Twilio simulator, an
 * HTTP front that turns requests into API Gateway events for the unmodified handlers, SQS
 * event sources for the consumers (in this thread, or in `consumerThreads` threads of their own),
 * and S3 object-created events for the announced prefixes. Everything is
 * built from shared/topology.ts. Handlers read their configuration from the environment at import,
 * as on Lambda, so one process holds one runtime.
 */
export async function startLocalRuntime(opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  if (opts.consumerThreads && opts.meter) throw new Error('The cost meter counts the consumers in this thread: start it without consumerThreads.');
  const engines = await startEngines({ dataDir: opts.dataDir, dynamoProcess: opts.dynamoProcess });
  const resources = await provision(engines, { visibilityTimeoutSeconds: opts.visibilityTimeoutSeconds });
  if (opts.dataDir) await releaseOrphanedMessages(engines, resources);
  // A crash can tear the embedded DynamoDB's item and index writes apart (see index-repair.ts).
  if (opts.dataDir && !opts.skipIndexRepair) await repairIndexes(engines);
  const secrets = localSecrets(opts.dataDir);
  const auth = new LocalAuth(secrets.jwtSecret);
  const twilio = {
    accountSid: opts.twilioAccountSid ?? DEFAULT_TWILIO_ACCOUNT_SID,
    authToken: opts.twilioAuthToken ?? DEFAULT_TWILIO_AUTH_TOKEN,
    fromNumber: opts.fromNumber ?? DEFAULT_FROM_NUMBER,
  };
  const sendgridApiKey = process.env.SENDGRID_API_KEY ?? DEFAULT_SENDGRID_API_KEY;

  // The front listens first: the public URL (and so the handlers' config) depends on its port.
  // Until the handlers are loaded, it answers 503 rather than leaving a request without an answer.
  const { server, serve } = startingServer();
  await new Promise<void>((res, rej) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      engines.stop().finally(() => rej(err.code === 'EADDRINUSE' ? new PortInUseError(opts.port ?? 3000, { cause: err }) : err));
    });
    server.listen(opts.port ?? 3000, '127.0.0.1', () => res());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  const publicBaseUrl = (opts.publicBaseUrl ?? url).replace(/\/+$/, '');

  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: engines.dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: engines.sqsEndpoint,
    // Through the front (see s3-proxy.ts): presigned URLs then share the console's origin.
    AWS_ENDPOINT_URL_S3: `${url}${S3_PROXY_PREFIX}`,
    S3_FORCE_PATH_STYLE: 'true',
    [commonEnv.bucket]: resources.bucket,
    [commonEnv.publicBaseUrl]: publicBaseUrl,
    TWILIO_API_BASE_URL: `http://127.0.0.1:${port}`,
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    [commonEnv.twilioFromNumber]: twilio.fromNumber,
    [commonEnv.twilioMps]: String(opts.twilioMps ?? 50),
    SENDGRID_API_BASE_URL: `http://127.0.0.1:${port}`,
    SENDGRID_API_KEY: sendgridApiKey,
    [commonEnv.emailFrom]: process.env[commonEnv.emailFrom] ?? 'notifications@localhost.localdomain',
    CURSOR_SECRET: secrets.cursorSecret,
    HANDOFF_SECRET: process.env.HANDOFF_SECRET ?? DEFAULT_HANDOFF_SECRET,
    [commonEnv.logLevel]: opts.logLevel ?? 'WARN',
    POWERTOOLS_DEV: 'true',
  });
  if (opts.fast) for (const [name, value] of Object.entries(FAST_ENV)) process.env[name] ??= value;
  for (const spec of Object.values(tables)) process.env[spec.envVar] = spec.name;
  for (const [key, spec] of Object.entries(queues) as Array<[QueueKey, (typeof queues)[QueueKey]]>) {
    process.env[spec.envVar] = resources.queueUrls[key];
    process.env[spec.dlqEnvVar] = resources.dlqUrls[key];
  }
  logger.setLogLevel((opts.logLevel ?? 'WARN') as 'WARN');
  // The event bus's queues, before the handlers read where to publish.
  const eventBus = await LocalEventBus.create({ sqsEndpoint: engines.sqsEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  Object.assign(process.env, eventBus.environment());

  const metrics = new LocalMetrics();
  setMetricSink(metrics.record);

  const handlers = {} as Record<FunctionName, ApiHandler & SqsHandler>;
  // With the consumers in threads of their own, which import them there, this thread imports what it serves.
  const servedHere = opts.consumerThreads
    ? new Set<FunctionName>([...routes.map((r) => r.function), ...Object.values(schedules).map((s) => s.function)])
    : undefined;
  for (const [name, spec] of Object.entries(functions) as Array<[FunctionName, (typeof functions)[FunctionName]]>) {
    if (servedHere && !servedHere.has(name)) continue;
    const mod = (await import(pathToFileURL(join(projectRoot, spec.entry)).href)) as { handler: ApiHandler & SqsHandler };
    handlers[name] = opts.meter ? (opts.meter.time(name, mod.handler) as ApiHandler & SqsHandler) : mod.handler;
  }
  if (opts.meter) {
    const [{ documentClient }, { s3Client }, { sqsClient }] = await Promise.all([
      import('../../shared/adapters/dynamo-client.ts'),
      import('../../shared/adapters/s3-client.ts'),
      import('../../shared/adapters/sqs-client.ts'),
    ]);
    opts.meter.watch(documentClient, 'dynamodb');
    opts.meter.watch(s3Client, 's3');
    opts.meter.watch(sqsClient, 'sqs');
  }

  const sendgrid = new SendGridSimulator(sendgridApiKey, opts.dataDir ? join(opts.dataDir, 'sendgrid-messages.jsonl') : undefined);
  // The numbers the account owns: the sender number, those listed in TWILIO_OWNED_NUMBERS
  // (comma-separated) and any added with POST /local/twilio/numbers. Lines claim them, and a
  // message from any other number is refused with 21606.
  const phoneNumbers = new TwilioPhoneNumbers(twilio, [twilio.fromNumber, ...(opts.ownedNumbers ?? ownedNumbersFromEnv())]);
  const simulator = new TwilioSimulator({
    accountSid: twilio.accountSid,
    authToken: twilio.authToken,
    storeFile: opts.dataDir ? join(opts.dataDir, 'twilio-messages.jsonl') : undefined,
    ...(opts.callbackDelaysMs ? { callbackDelaysMs: opts.callbackDelaysMs } : {}),
    ownedNumbers: phoneNumbers,
  });
  const voiceCalls = new TwilioVoiceSimulator({ ...twilio, publicBaseUrl, numbers: phoneNumbers });

  const router = new Router(routes.map((r) => ({ ...r, handler: handlers[r.function], timeoutSeconds: functions[r.function].timeoutSeconds })));

  const consoleDir = opts.consoleDir ?? join(projectRoot, 'web/dist');
  const consoleSettings = { apiBaseUrl: '', auth: 'local', phone: true, twilioNumber: twilio.fromNumber };
  const consoleConfig = consoleConfigScript(consoleSettings);

  const publicHosts = [new URL(publicBaseUrl).hostname.toLowerCase()];
  // The console is served by the front itself, under either local name.
  const consoleOrigins = [url, `http://127.0.0.1:${port}`];
  const apiMethods = routes.map((route) => route.method);
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const refusal = frontRefusal(req, publicHosts);
    if (refusal) return sendJson(res, refusal.status, errorBody(refusal.code, refusal.message));
    const preflight = preflightAnswer(req, consoleOrigins, apiMethods);
    if (preflight) return void res.writeHead(preflight.status, preflight.headers).end(preflight.body);
    if (req.url?.startsWith(`${S3_PROXY_PREFIX}/`)) return proxyToS3(engines.awsEndpoint, req, res, { secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey });
    const body = await readBody(req, MAX_BODY_BYTES);
    if (!body) return sendJson(res, 413, errorBody('PAYLOAD_TOO_LARGE', 'The request body is larger than 10 MB.'));
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const method = req.method ?? 'GET';

    if (method === 'GET' && path === '/health') return sendJson(res, 200, { status: 'ok' });
    // The API reference (docs/openapi.json), naming this server.
    if (method === 'GET' && path === '/openapi.json') return sendJson(res, 200, buildOpenApiDocument({ serverUrl: url }));
    // The counters the deployed functions write to CloudWatch, as this process has counted them.
    if (method === 'GET' && path === '/local/metrics') return sendJson(res, 200, metrics.snapshot());
    if (method === 'GET' && path === '/local/queues') {
      // For operator commands (npm run dlq): where the embedded SQS listens and each queue's URLs.
      const pairs = Object.fromEntries(
        (Object.keys(queues) as QueueKey[]).map((key) => [key, { queueUrl: resources.queueUrls[key], dlqUrl: resources.dlqUrls[key] }]),
      );
      return sendJson(res, 200, { endpoint: engines.awsEndpoint, region: LOCAL_REGION, queues: pairs });
    }
    const schedule = /^\/local\/schedules\/([\w-]+)$/.exec(path)?.[1];
    if (method === 'POST' && schedule !== undefined) {
      // Runs a schedule now (npm run reconcile), with the event EventBridge would send; answers what it returned.
      if (!(schedule in schedules))
        return sendJson(res, 404, errorBody('NOT_FOUND', `No schedule ${schedule}; there are: ${Object.keys(schedules).join(', ')}.`));
      return sendJson(res, 200, { schedule, result: await runSchedule(schedule as keyof typeof schedules) });
    }
    if (method === 'POST' && path === '/local/token') {
      const parsed = tokenRequest.safeParse(parseJson(body));
      if (!parsed.success)
        return sendJson(res, 400, errorBody('VALIDATION_ERROR', `Send {"userId":"alice"}: ${parsed.error.issues.map((i) => i.message).join(' ')}`));
      return sendJson(res, 200, { token: await auth.issue(parsed.data.userId) });
    }
    if (method === 'POST' && path === '/local/twilio/inbound') {
      const parsed = inboundRequest.safeParse(parseJson(body));
      if (!parsed.success)
        return sendJson(
          res,
          400,
          errorBody(
            'VALIDATION_ERROR',
            `Send {"from","to","body","mediaUrls"?,"media"?:[{"contentType","data"}]}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join(' ')}`,
          ),
        );
      // The webhook's status and the TwiML it answered with: what Twilio would do next (a reply, or nothing).
      return sendJson(res, 200, await simulator.sendInbound(`${publicBaseUrl}/twilio/incoming`, parsed.data, `http://127.0.0.1:${port}`));
    }
    if (await phoneNumbers.handle(req, res, body)) return;
    if (eventBus.handle(req, res)) return;
    if (await voiceCalls.handle(req, res, body)) return;
    if (await simulator.handle(req, res, body)) return;
    if (await sendgrid.handle(req, res, body)) return;

    const match = router.match(method, path);
    if (!match && method === 'GET' && path === '/config.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }).end(consoleConfig);
      return;
    }
    if (!match && serveConsole(consoleDir, req, res, path, consoleSettings)) return;
    if (!match) return sendJson(res, 404, gatewayErrorBody(404, 'NOT_FOUND', `No route for ${method} ${path}.`));
    let claims: Record<string, string | number> | undefined;
    if (match.route.auth === 'user') {
      claims = await auth.verify(req.headers.authorization);
      if (!claims) return sendJson(res, 401, gatewayErrorBody(401, 'UNAUTHORIZED', 'A valid bearer token is required (POST /local/token issues one).'));
    }
    const event = toApiGatewayEvent(req, body, match, claims);
    const result = await withTimeout(
      match.route.handler(event, lambdaContext(match.route.function, match.route.timeoutSeconds)),
      match.route.timeoutSeconds * 1000,
    );
    writeApiResult(res, result);
  };

  serve((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error('Local front failed', err as Error);
      if (!res.headersSent) sendJson(res, 502, errorBody('INTERNAL_ERROR', 'The function failed; see the runtime log.'));
      else res.end();
    });
  });

  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: engines.awsEndpoint };
  const sqs = new SQSClient({ ...clientConfig, endpoint: engines.sqsEndpoint });
  // The event sources' receives and deletes and the S3 events' sends are billed requests on AWS too.
  opts.meter?.watch(sqs, 'sqs');
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  const bridge = bridgeObjectCreatedEvents({
    fauxqs: engines.fauxqs,
    s3,
    sqs,
    bucket: resources.bucket,
    targets: bucket.events.map((event) => ({ prefix: event.prefix, queueUrl: resources.queueUrls[event.queue] })),
    region: LOCAL_REGION,
    journalFile: opts.dataDir ? join(opts.dataDir, 's3-events.jsonl') : undefined,
  });
  const threads = opts.consumerThreads
    ? await ConsumerThreads.start(
        {
          projectRoot,
          sqsEndpoint: engines.sqsEndpoint,
          region: LOCAL_REGION,
          credentials: LOCAL_CREDENTIALS,
          queueUrls: resources.queueUrls,
          queueArns: resources.queueArns,
          threads: opts.consumerThreads,
          duplicateDeliveries: opts.duplicateDeliveries,
          killOnceMidBatch: opts.killOnceMidBatch,
        },
        metrics.record,
      )
    : undefined;
  const sources = threads
    ? []
    : queueConsumers({
        sqs,
        queueUrls: resources.queueUrls,
        queueArns: resources.queueArns,
        region: LOCAL_REGION,
        index: 0,
        threads: 1,
        handlerOf: (name) => handlers[name],
        duplicateDeliveries: opts.duplicateDeliveries,
        killOnceMidBatch: opts.killOnceMidBatch,
      });
  for (const source of sources) source.start();
  eventBus.start();

  // EventBridge's rate rules, as timers; a run still going when the next is due is not doubled.
  const scheduleRuns = new Map<string, Promise<unknown>>();
  const runSchedule = (name: keyof typeof schedules): Promise<unknown> => {
    const running = scheduleRuns.get(name);
    if (running) return running;
    const spec = schedules[name];
    const handler = handlers[spec.function] as unknown as ScheduledHandler;
    const timeoutSeconds = functions[spec.function].timeoutSeconds;
    const run = withTimeout(handler(scheduledEvent(name), lambdaContext(spec.function, timeoutSeconds)), timeoutSeconds * 1000).finally(() =>
      scheduleRuns.delete(name),
    );
    scheduleRuns.set(name, run);
    return run;
  };
  const timers = (Object.entries(schedules) as Array<[keyof typeof schedules, (typeof schedules)[keyof typeof schedules]]>).map(([name, spec]) =>
    setInterval(
      () => {
        runSchedule(name).catch((err: unknown) => logger.error('Scheduled run failed', { schedule: name, error: err as Error }));
      },
      opts.scheduleIntervalMs ?? (opts.fast ? FAST_SCHEDULE_INTERVAL_MS : spec.everyMinutes * 60_000),
    ),
  );
  // Sends that came due while the runtime was stopped go at start, not a minute later.
  runSchedule('sweepScheduled').catch((err: unknown) => logger.error('Scheduled run failed', { schedule: 'sweepScheduled', error: err as Error }));

  return {
    url,
    publicBaseUrl,
    consoleUrl: `${url}/`,
    twilio,
    engines,
    resources,
    simulator,
    phoneNumbers,
    voiceCalls,
    sendgrid,
    routes: Object.fromEntries(router.routes().map((r) => [`${r.method} ${r.path}`, r.function])),
    consumers: Object.fromEntries(Object.values(queues).map((q) => [q.name, q.consumer])),
    schedules: Object.fromEntries(Object.entries(schedules).map(([name, spec]) => [name, spec.function])),
    runSchedule,
    metrics,
    eventBus,
    token: (userId) => auth.issue(userId),
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.allSettled(scheduleRuns.values());
      bridge.stop();
      await bridge.idle();
      await Promise.all(sources.map((s) => s.stop()));
      await threads?.stop();
      await eventBus.stop();
      await simulator.close();
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
      sqs.destroy();
      s3.destroy();
      await engines.stop();
    },
  };
}

/** Another process already listens on the port the local runtime was asked to use. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    options: { cause: unknown },
  ) {
    super(`Port ${port} is already in use: stop what listens there, or start on another port (PORT=3001 npm start, or npm start -- --port 3001).`, options);
    this.name = 'PortInUseError';
  }
}

type ScheduledHandler = (event: ScheduledEvent, context: Context) => Promise<unknown>;

/** The event an EventBridge schedule rule delivers to its target. */
function scheduledEvent(name: string): ScheduledEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:events:${LOCAL_REGION}:000000000000:rule/${name}`],
    detail: {},
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** TWILIO_OWNED_NUMBERS: more numbers the simulated account owns, comma-separated. */
export function ownedNumbersFromEnv(): string[] {
  return (process.env.TWILIO_OWNED_NUMBERS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
}
