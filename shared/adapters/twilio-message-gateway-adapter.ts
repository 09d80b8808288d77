import { readConfig } from '../config.ts';
import type { MessageGateway, MessageStatusReport, MessageStatusSource, OutboundMessage, SendOutcome } from '../ports.ts';
import * as z from 'zod/mini';
import { twilioCredentials, type TwilioCredentials } from './twilio-credentials.ts';
import { commonEnv } from '../topology.ts';

const gatewayConfig = z.object({
  TWILIO_API_BASE_URL: z._default(z.url(), 'https://api.twilio.com'),
  [commonEnv.twilioFromNumber]: z.string().check(z.minLength(1)),
  /** When set, messages go through this Messaging Service's sender pool instead of from TWILIO_FROM_NUMBER. */
  [commonEnv.twilioMessagingServiceSid]: z.optional(
    z.string().check(z.regex(/^MG[0-9a-fA-F]{32}$/, 'TWILIO_MESSAGING_SERVICE_SID is MG followed by 32 hex digits.')),
  ),
  TWILIO_TIMEOUT_MS: z._default(z.coerce.number().check(z.gt(0)), 10_000),
});

/** Codes that will fail again however often they are retried (Twilio's error dictionary). */
const PERMANENT_CODES = new Set(['21211', '21408', '21610', '21612', '21614', '21212', '21606']);
/** 4xx codes that a later attempt can still get past: a sender number held back, a queue overflow. */
const RETRYABLE_4XX_CODES = new Set(['21611', '30001', '20429']);

/** Pages of the message list a search reads at most: a recipient rarely gets 250 messages in a retry's time. */
const MAX_LIST_PAGES = 5;
const LIST_PAGE_SIZE = 50;

const messagePage = z.object({
  messages: z.array(z.object({ sid: z.string(), body: z.nullable(z.string()), date_created: z.nullable(z.string()) })),
  next_page_uri: z.nullish(z.string()),
});

/**
 * Twilio's Messages REST API over `fetch`. The twilio package's REST client would add 1–4 MB
 * and 150–250 ms to every cold start (measured in ENVIRONMENT.md); one form POST does not need it.
 */
export class TwilioMessageGateway implements MessageGateway, MessageStatusSource {
  private readonly config = readConfig(gatewayConfig);

  constructor(
    private readonly credentials: () => Promise<TwilioCredentials> = twilioCredentials,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(message: OutboundMessage): Promise<SendOutcome> {
    const { accountSid, authToken } = await this.credentials();
    const from = message.to.startsWith('whatsapp:') ? `whatsapp:${this.config.TWILIO_FROM_NUMBER}` : this.config.TWILIO_FROM_NUMBER;
    // A line's messages go from the line's own number, which its customers know.
    const sender: Record<string, string> = message.from
      ? { From: message.from }
      : this.config.TWILIO_MESSAGING_SERVICE_SID
        ? { MessagingServiceSid: this.config.TWILIO_MESSAGING_SERVICE_SID }
        : { From: from };
    const form = new URLSearchParams({ To: message.to, ...sender, Body: message.body, StatusCallback: message.statusCallback });
    for (const url of message.mediaUrls) form.append('MediaUrl', url);

    let response: Response;
    try {
      response = await this.fetchImpl(`${this.config.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${accountSid}/Messages.json`, {
        method: 'POST',
        headers: {
          Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form,
        signal: AbortSignal.timeout(this.config.TWILIO_TIMEOUT_MS),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      return {
        kind: 'retryable',
        errorCode: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR',
        errorMessage: err instanceof Error ? err.message : String(err),
      };
    }

    const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.ok && typeof payload.sid === 'string') {
      return { kind: 'accepted', messageSid: payload.sid, status: String(payload.status ?? 'queued') };
    }
    const errorCode = payload.code != null ? String(payload.code) : `HTTP_${response.status}`;
    const errorMessage = typeof payload.message === 'string' ? payload.message : `Twilio answered HTTP ${response.status}.`;
    if (response.status === 429 || response.status >= 500 || RETRYABLE_4XX_CODES.has(errorCode)) {
      return { kind: 'retryable', errorCode, errorMessage };
    }
    if (PERMANENT_CODES.has(errorCode) || response.status === 400 || response.status === 404) {
      return { kind: 'rejected', errorCode, errorMessage };
    }
    // 401/403: credentials or account trouble an operator can fix; keep the message for a retry.
    return { kind: 'retryable', errorCode, errorMessage };
  }

  /** Reads the recipient's messages newest first (Twilio's order), page by page until they are older than `since`. */
  async findSent(query: { to: string; body: string; since: Date }): Promise<string[]> {
    const { accountSid, authToken } = await this.credentials();
    const found: string[] = [];
    let next: string | null | undefined =
      `/2010-04-01/Accounts/${accountSid}/Messages.json?${new URLSearchParams({ To: query.to, PageSize: String(LIST_PAGE_SIZE) })}`;
    for (let page = 0; next && page < MAX_LIST_PAGES; page++) {
      const response = await this.fetchImpl(`${this.config.TWILIO_API_BASE_URL}${next}`, {
        headers: { Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.TWILIO_TIMEOUT_MS),
      });
      const parsed = messagePage.safeParse(await response.json().catch(() => undefined));
      if (!response.ok || !parsed.success) throw new Error(`Twilio answered HTTP ${response.status} to a message list for ${query.to}.`);
      let older = false;
      for (const message of parsed.data.messages) {
        const created = message.date_created ? new Date(message.date_created) : undefined;
        if (created && created < query.since) older = true;
        else if (message.body === query.body) found.push(message.sid);
      }
      next = older ? null : parsed.data.next_page_uri;
    }
    return found.reverse();
  }

  /** The message's status as Twilio's Messages API reports it now; undefined for a SID Twilio does not know. */
  async fetchStatus(messageSid: string): Promise<MessageStatusReport | undefined> {
    const { accountSid, authToken } = await this.credentials();
    const response = await this.fetchImpl(
      `${this.config.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${accountSid}/Messages/${encodeURIComponent(messageSid)}.json`,
      {
        headers: { Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(this.config.TWILIO_TIMEOUT_MS),
      },
    );
    const payload = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.status === 404) return undefined;
    if (!response.ok || typeof payload.status !== 'string') {
      throw new Error(`Twilio answered HTTP ${response.status} for message ${messageSid}${typeof payload.message === 'string' ? `: ${payload.message}` : ''}`);
    }
    return {
      messageSid,
      status: payload.status,
      ...(payload.error_code != null ? { errorCode: String(payload.error_code) } : {}),
    };
  }
}
