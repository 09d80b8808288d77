/**
 * A stand-in for Twilio's Messages REST API, used by the local runtime instead of api.twilio.com.
 * It owns no server: the runtime's single HTTP front passes every request to `handle`, which
 * claims only the Twilio API paths and the `/local/twilio/*` routes it serves.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { logger as processLogger } from '../../../shared/logger.ts';
import { appendJsonLine, loadJsonLines } from '../json-lines.ts';
import { postSignedForm, statusCallbackParams } from './callbacks.ts';
import { bucketCapacity, describeIssues, type FaultConfig, FaultConfigError, faultConfigSchema } from './faults.ts';
import { guessContentType, type InboundMessageInput } from './inbound.ts';
import { HostedMediaStore } from './media.ts';
import { API_VERSION, countSegments, newMessageSid, type SimulatedMessage, simulatedMessageSchema, toLocalItem, toResource, UNFINISHED } from './message.ts';
import { MESSAGING_SERVICE_SENDER, rejectionFor } from './rejections.ts';
import { sendJson, sendLocalError, sendMethodNotAllowed, sendNotFound, sendTwilioError, sendTwilioMethodNotAllowed } from './responses.ts';

const MESSAGE_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/.]+))?\.json$/;
const LOCAL_MESSAGES_PATH = '/local/twilio/messages';
const LOCAL_FAULTS_PATH = '/local/twilio/faults';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const CALLBACK_RETRY_DELAY_MS = 100;
const UNDELIVERED_ERROR = { code: 30003, message: 'Unreachable destination handset' };
const FAILED_ERROR = { code: 30008, message: 'Unknown error' };

export interface SimulatorLogger {
  warn(message: string, details: Record<string, unknown>): void;
}

export interface TwilioSimulatorOptions {
  accountSid: string;
  authToken: string;
  /** Where to persist accepted/rejected messages as JSON lines; undefined = memory only. */
  storeFile?: string;
  /** Callback delivery; defaults to global fetch. Tests may inject. */
  fetch?: typeof fetch;
  /** Delays after acceptance before the simulated 'sent' and final callbacks (ms); default 20 and 40. */
  callbackDelaysMs?: { sent: number; delivered: number };
  now?: () => Date;
  /** Source of the fault-injection dice, returning [0, 1); defaults to Math.random. */
  random?: () => number;
  /** Where failed callback deliveries are reported; defaults to the process's structured logger. */
  logger?: SimulatorLogger;
  /**
   * The numbers the account owns: a send from any other number is refused with 21606, as Twilio
   * does (the test number +15005550006 always sends). Undefined: any valid number sends. A list,
   * or the account's phone-number registry, which numbers can be added to while it runs.
   */
  ownedNumbers?: readonly string[] | { has(number: string): boolean };
}

/** The outcome of one accepted message, decided when it is accepted so later fault changes do not alter it. */
interface DeliveryPlan {
  callbackUrl: string | null;
  finalStatus: 'delivered' | 'undelivered' | 'failed';
  /** Reports `sending` before `sent`. */
  sending?: boolean;
}

/** Twilio's Messages REST API and status callbacks, simulated in process. */
export class TwilioSimulator {
  private readonly counts = { accepted: 0, throttled: 0, serverErrors: 0, sendTimes: [] as number[] };
  private readonly accountSid: string;
  private readonly authToken: string;
  private readonly storeFile: string | undefined;
  private readonly fetchImpl: typeof fetch;
  private readonly callbackDelays: { sent: number; delivered: number };
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly logger: SimulatorLogger;
  private readonly store = new Map<string, SimulatedMessage>();
  private readonly ownedNumbers: { has(number: string): boolean } | undefined;
  private faults: FaultConfig = faultConfigSchema.parse({});
  private bucket = { tokens: 0, refilledAt: 0 };
  private readonly progressRuns = new Set<Promise<void>>();
  private readonly pendingWaits = new Set<() => void>();
  private readonly aborter = new AbortController();
  private readonly acceptListeners = new Set<(message: SimulatedMessage) => void>();
  private closed = false;
  private readonly hostedMedia: HostedMediaStore;

  constructor(opts: TwilioSimulatorOptions) {
    this.accountSid = opts.accountSid;
    this.authToken = opts.authToken;
    this.storeFile = opts.storeFile;
    this.fetchImpl = opts.fetch ?? fetch;
    this.callbackDelays = opts.callbackDelaysMs ?? { sent: 20, delivered: 40 };
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    this.logger = opts.logger ?? processLogger;
    this.hostedMedia = new HostedMediaStore(opts.accountSid, opts.authToken, this.now);
    this.ownedNumbers = opts.ownedNumbers && 'has' in opts.ownedNumbers ? opts.ownedNumbers : opts.ownedNumbers ? new Set(opts.ownedNumbers) : undefined;
    if (this.storeFile) {
      this.load(this.storeFile);
      // Twilio keeps delivering while nobody listens; the simulator picks up where its last run stopped.
      for (const message of this.store.values()) {
        if (message.accepted && UNFINISHED.has(message.status)) {
          this.startProgress(message.sid, { callbackUrl: message.statusCallback, finalStatus: 'delivered' });
        }
      }
    }
  }

  /** Handles a request if its path belongs to the simulator; returns false when it does not. */
  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';

    if (url.pathname === LOCAL_MESSAGES_PATH) {
      if (method === 'GET') sendJson(res, 200, { items: this.messages().map(toLocalItem) });
      else sendMethodNotAllowed(res);
      return true;
    }
    if (url.pathname === LOCAL_FAULTS_PATH) {
      this.handleFaults(method, body, res);
      return true;
    }

    if (this.hostedMedia.handle(req, res, url, this.hasValidCredentials(req))) return true;
    const match = MESSAGE_PATH.exec(url.pathname);
    if (!match) return false;
    const [, pathAccountSid, messageSid] = match;
    await this.handleApi(req, res, url, method, pathAccountSid ?? '', messageSid, body);
    return true;
  }

  /** Every message the simulator accepted or rejected, oldest first. */
  messages(): SimulatedMessage[] {
    return [...this.store.values()].map((message) => structuredClone(message));
  }

  /**
   * Calls `listener` with each message the moment it is accepted, until the returned function is
   * called: what a benchmark watches instead of polling `messages()`, which copies every message.
   */
  onAccepted(listener: (message: SimulatedMessage) => void): () => void {
    this.acceptListeners.add(listener);
    return () => this.acceptListeners.delete(listener);
  }

  /** How the send requests since start were answered: accepted (201), throttled (429), failed (5xx). */
  counters(): { accepted: number; throttled: number; serverErrors: number; sendTimes: number[] } {
    return { ...this.counts, sendTimes: [...this.counts.sendTimes] };
  }

  /** Validates and installs a fault config, replacing the previous one; throws FaultConfigError on bad input. */
  setFaults(input: unknown): FaultConfig {
    const parsed = faultConfigSchema.safeParse(input);
    if (!parsed.success) {
      throw new FaultConfigError(`Invalid fault config: ${describeIssues(parsed.error.issues)}`, parsed.error.issues);
    }
    this.faults = parsed.data;
    this.bucket = { tokens: bucketCapacity(parsed.data.mps), refilledAt: this.now().getTime() };
    return { ...this.faults };
  }

  /** Turns every fault off. */
  clearFaults(): void {
    this.setFaults({});
  }

  /**
   * Posts a signed inbound-message webhook (form-encoded, like Twilio) to url; resolves with the HTTP status.
   * `media` is hosted by the simulator under `apiBaseUrl` (its Twilio API origin) as Twilio hosts an
   * MMS's media; `mediaUrls` are passed on as given.
   */
  async sendInbound(url: string, input: InboundMessageInput, apiBaseUrl = new URL(url).origin): Promise<{ status: number; twiml: string }> {
    const hosted = input.media ?? [];
    const sid = newMessageSid(hosted.length + (input.mediaUrls?.length ?? 0) > 0);
    const media = [
      ...hosted.map((m) => this.hostedMedia.host(apiBaseUrl, sid, m)),
      ...(input.mediaUrls ?? []).map((mediaUrl) => ({ url: mediaUrl, contentType: guessContentType(mediaUrl) })),
    ];
    const mediaUrls = media.map((m) => m.url);
    const params: Record<string, string> = {
      MessageSid: sid,
      SmsMessageSid: sid,
      SmsSid: sid,
      AccountSid: this.accountSid,
      From: input.from,
      To: input.to,
      Body: input.body,
      NumMedia: String(mediaUrls.length),
      NumSegments: '1',
      ApiVersion: API_VERSION,
      SmsStatus: 'received',
    };
    media.forEach((m, index) => {
      params[`MediaUrl${index}`] = m.url;
      params[`MediaContentType${index}`] = m.contentType;
    });
    const response = await this.postSignedForm(url, params, randomUUID());
    const twiml = await response.text().catch(() => '');
    return { status: response.status, twiml };
  }

  /** Resolves when no status callback is scheduled or in flight (tests and shutdown use it). */
  async idle(): Promise<void> {
    while (this.progressRuns.size > 0) {
      await Promise.allSettled([...this.progressRuns]);
    }
  }

  /** Cancels scheduled callbacks and aborts those in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of this.pendingWaits) cancel();
    this.aborter.abort();
    await this.idle();
  }

  private handleFaults(method: string, body: Buffer, res: ServerResponse): void {
    if (method === 'DELETE') {
      this.clearFaults();
      sendJson(res, 204);
      return;
    }
    if (method === 'GET') {
      sendJson(res, 200, this.faults);
      return;
    }
    if (method !== 'POST') {
      sendMethodNotAllowed(res);
      return;
    }
    const text = body.toString('utf8').trim();
    let input: unknown;
    try {
      input = text === '' ? {} : JSON.parse(text);
    } catch {
      sendLocalError(res, 400, 'VALIDATION_ERROR', 'The body must be a JSON object of fault settings.');
      return;
    }
    try {
      sendJson(res, 200, this.setFaults(input));
    } catch (error) {
      if (!(error instanceof FaultConfigError)) throw error;
      sendLocalError(res, 400, error.code, error.message, error.details);
    }
  }

  private async handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    pathAccountSid: string,
    messageSid: string | undefined,
    body: Buffer,
  ): Promise<void> {
    if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);

    if (!this.hasValidCredentials(req)) {
      sendTwilioError(
        res,
        { code: 20003, message: 'Authenticate', status: 401 },
        {
          'WWW-Authenticate': 'Basic realm="Twilio API"',
        },
      );
      return;
    }
    if (pathAccountSid !== this.accountSid) {
      sendNotFound(res, url.pathname);
      return;
    }

    if (messageSid !== undefined) {
      if (method !== 'GET') return sendTwilioMethodNotAllowed(res);
      const message = this.store.get(messageSid);
      if (!message?.accepted) return sendNotFound(res, url.pathname);
      sendJson(res, 200, toResource(message));
      return;
    }
    if (method === 'GET') return this.listMessages(res, url);
    if (method === 'POST') return this.createMessage(res, new URLSearchParams(body.toString('utf8')));
    sendTwilioMethodNotAllowed(res);
  }

  private hasValidCredentials(req: IncomingMessage): boolean {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme?.toLowerCase() !== 'basic' || !encoded) return false;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const separator = decoded.indexOf(':');
    if (separator < 0) return false;
    return decoded.slice(0, separator) === this.accountSid && decoded.slice(separator + 1) === this.authToken;
  }

  private createMessage(res: ServerResponse, form: URLSearchParams): void {
    if (!this.takeRateLimitToken() || this.roll(this.faults.errorRate429)) {
      this.counts.throttled++;
      sendTwilioError(res, { code: 20429, message: 'Too Many Requests', status: 429 });
      return;
    }
    if (this.roll(this.faults.errorRate5xx)) {
      this.counts.serverErrors++;
      const status = this.random() < 0.5 ? 500 : 503;
      sendTwilioError(res, { code: 20500, message: 'Internal Server Error', status });
      return;
    }

    const to = form.get('To') ?? '';
    const from = form.get('From') || null;
    const messagingServiceSid = form.get('MessagingServiceSid') || null;
    const body = form.get('Body') ?? '';
    const mediaUrls = form.getAll('MediaUrl').filter((mediaUrl) => mediaUrl !== '');
    const statusCallback = form.get('StatusCallback') || null;
    const timestamp = this.now().toISOString();
    const message: SimulatedMessage = {
      sid: newMessageSid(mediaUrls.length > 0),
      accountSid: this.accountSid,
      accepted: true,
      from,
      to,
      body,
      mediaUrls,
      messagingServiceSid,
      statusCallback,
      // Twilio answers a send through a Messaging Service with `accepted`: the service picks the sender later.
      status: messagingServiceSid ? 'accepted' : 'queued',
      errorCode: null,
      errorMessage: null,
      numSegments: mediaUrls.length > 0 ? 1 : countSegments(body),
      dateCreated: timestamp,
      dateUpdated: timestamp,
      dateSent: null,
    };

    const rejection = rejectionFor(message, this.ownedNumbers);
    if (rejection) {
      this.save({ ...message, accepted: false, status: 'failed', errorCode: rejection.code, errorMessage: rejection.message });
      sendTwilioError(res, { ...rejection, status: 400 });
      return;
    }

    this.save(message);
    this.counts.accepted++;
    this.counts.sendTimes.push(this.now().getTime());
    for (const listener of this.acceptListeners) {
      try {
        listener(structuredClone(message));
      } catch (err) {
        this.logger.warn('An onAccepted listener threw; the send stays accepted', { error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.startProgress(message.sid, {
      callbackUrl: this.faults.dropCallbacks ? null : statusCallback,
      finalStatus: this.roll(this.faults.failDeliveryRate) ? 'undelivered' : this.roll(this.faults.failedRate) ? 'failed' : 'delivered',
      sending: this.roll(this.faults.sendingRate),
    });
    if (this.roll(this.faults.acceptThenFailRate)) {
      sendTwilioError(res, { code: 20500, message: 'Internal Server Error', status: 500 });
      return;
    }
    sendJson(res, 201, toResource(message));
  }

  private listMessages(res: ServerResponse, url: URL): void {
    const query = url.searchParams;
    const pageSize = parsePageParam(query.get('PageSize'), DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
    const page = parsePageParam(query.get('Page'), 0, 0, Number.MAX_SAFE_INTEGER);
    const to = query.get('To');
    const from = query.get('From');
    const matching = [...this.store.values()]
      .filter((message) => message.accepted)
      .filter((message) => (to === null || message.to === to) && (from === null || message.from === from))
      .reverse();
    const start = page * pageSize;
    const items = matching.slice(start, start + pageSize);

    const listPath = `/${API_VERSION}/Accounts/${this.accountSid}/Messages.json`;
    const pageUri = (pageNumber: number) => {
      const params = new URLSearchParams();
      if (to !== null) params.set('To', to);
      if (from !== null) params.set('From', from);
      params.set('PageSize', String(pageSize));
      params.set('Page', String(pageNumber));
      return `${listPath}?${params.toString()}`;
    };
    sendJson(res, 200, {
      end: start + Math.max(items.length - 1, 0),
      first_page_uri: pageUri(0),
      messages: items.map(toResource),
      next_page_uri: start + pageSize < matching.length ? pageUri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: pageUri(page),
    });
  }

  private takeRateLimitToken(): boolean {
    const { mps } = this.faults;
    if (mps === null) return true;
    const now = this.now().getTime();
    const elapsedMs = Math.max(0, now - this.bucket.refilledAt);
    const tokens = Math.min(bucketCapacity(mps), this.bucket.tokens + (elapsedMs * mps) / 1000);
    if (tokens < 1) {
      this.bucket = { tokens, refilledAt: now };
      return false;
    }
    this.bucket = { tokens: tokens - 1, refilledAt: now };
    return true;
  }

  private roll(probability: number): boolean {
    return probability > 0 && this.random() < probability;
  }

  private startProgress(sid: string, plan: DeliveryPlan): void {
    if (this.closed) return;
    const run = this.progress(sid, plan).finally(() => this.progressRuns.delete(run));
    this.progressRuns.add(run);
  }

  /** Moves an accepted message to sent and then to its final status, posting a callback after each step. */
  private async progress(sid: string, plan: DeliveryPlan): Promise<void> {
    const { sent, delivered } = this.callbackDelays;
    if (plan.sending) {
      if (!(await this.wait(sent / 2))) return;
      const sendingMessage = this.update(sid, { status: 'sending' });
      if (plan.callbackUrl) await this.postStatusCallback(plan.callbackUrl, sendingMessage);
      if (!(await this.wait(sent / 2))) return;
    } else if (!(await this.wait(sent))) return;
    const sentAt = this.now().toISOString();
    const sentMessage = this.update(sid, { status: 'sent', dateSent: sentAt });
    if (plan.callbackUrl) await this.postStatusCallback(plan.callbackUrl, sentMessage);

    // The final step waits for the `sent` callback so a receiver never sees them out of order.
    if (!(await this.wait(Math.max(0, delivered - sent)))) return;
    const finalMessage =
      plan.finalStatus === 'undelivered'
        ? this.update(sid, { status: 'undelivered', errorCode: UNDELIVERED_ERROR.code, errorMessage: UNDELIVERED_ERROR.message })
        : plan.finalStatus === 'failed'
          ? this.update(sid, { status: 'failed', errorCode: FAILED_ERROR.code, errorMessage: FAILED_ERROR.message })
          : this.update(sid, { status: 'delivered' });
    if (plan.callbackUrl) await this.postStatusCallback(plan.callbackUrl, finalMessage);
  }

  /** Resolves true after ms, or false at once if the simulator closes first. */
  private wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = () => {
        clearTimeout(timer);
        this.pendingWaits.delete(cancel);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.pendingWaits.delete(cancel);
        resolve(true);
      }, ms);
      this.pendingWaits.add(cancel);
    });
  }

  private update(sid: string, change: Partial<SimulatedMessage>): SimulatedMessage {
    const current = this.store.get(sid);
    if (!current) throw new Error(`Simulated message ${sid} is not in the store`);
    const next = { ...current, ...change, dateUpdated: this.now().toISOString() };
    if (next.status === 'sent' && next.from === null) next.from = MESSAGING_SERVICE_SENDER;
    this.save(next);
    return next;
  }

  private save(message: SimulatedMessage): void {
    this.store.set(message.sid, message);
    if (this.storeFile) appendJsonLine(this.storeFile, message);
  }

  private load(storeFile: string): void {
    for (const message of loadJsonLines(storeFile, simulatedMessageSchema)) this.store.set(message.sid, message);
  }

  /** Posts a status callback, retrying once on a network error or a 429/5xx; a final failure is logged. */
  private async postStatusCallback(url: string, message: SimulatedMessage): Promise<void> {
    const params = statusCallbackParams(message);

    // Twilio repeats the idempotency token on a retry so the receiver can recognise the duplicate.
    const idempotencyToken = randomUUID();
    let failure: Record<string, unknown> = {};
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      if (attempt > 1 && !(await this.wait(CALLBACK_RETRY_DELAY_MS))) return;
      try {
        const response = await this.postSignedForm(url, params, idempotencyToken);
        await response.arrayBuffer().catch(() => undefined);
        if (response.ok) return;
        failure = { httpStatus: response.status };
        const transient = response.status === 429 || response.status >= 500;
        if (!transient) break;
      } catch (error) {
        if (this.closed) return;
        failure = { error: error instanceof Error ? error.message : String(error) };
      }
    }
    this.logger.warn('Twilio simulator status callback failed', {
      url,
      messageSid: message.sid,
      messageStatus: message.status,
      ...failure,
    });
  }

  private postSignedForm(url: string, params: Record<string, string>, idempotencyToken: string): Promise<Response> {
    return postSignedForm(this.fetchImpl, this.authToken, url, params, idempotencyToken, this.aborter.signal);
  }
}

function parsePageParam(raw: string | null, fallback: number, min: number, max: number): number {
  const value = raw === null ? Number.NaN : Number(raw);
  if (!Number.isInteger(value) || value < min) return fallback;
  return Math.min(value, max);
}
