import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { EmailGateway, OutboundEmail, SendOutcome } from '../ports.ts';
import { twilioCredentials } from './twilio-credentials.ts';
import { commonEnv } from '../topology.ts';

const emailConfig = z.object({
  SENDGRID_API_BASE_URL: z._default(z.url(), 'https://api.sendgrid.com'),
  [commonEnv.emailFrom]: z._default(z.email(), 'notifications@example.com'),
  SENDGRID_TIMEOUT_MS: z._default(z.coerce.number().check(z.gt(0)), 10_000),
});

/**
 * SendGrid's v3 mail-send API over `fetch`. The API key lives with the Twilio credentials
 * (`sendgridApiKey` in the same secret; SENDGRID_API_KEY locally). 400s are final, 401/403,
 * 429 and 5xx worth another try.
 */
export class SendGridEmailGateway implements EmailGateway {
  private readonly config = readConfig(emailConfig);

  constructor(
    private readonly apiKey: () => Promise<string | undefined> = async () => (await twilioCredentials()).sendgridApiKey,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(email: OutboundEmail): Promise<SendOutcome> {
    const key = await this.apiKey();
    if (!key) return { kind: 'rejected', errorCode: 'EMAIL_NOT_CONFIGURED', errorMessage: 'No SendGrid API key is configured, so email cannot be sent.' };
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.config.SENDGRID_API_BASE_URL}/v3/mail/send`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          personalizations: [{ to: [{ email: email.to }], custom_args: email.customArgs }],
          from: { email: this.config.EMAIL_FROM },
          subject: email.subject,
          content: [{ type: 'text/plain', value: email.body }],
        }),
        signal: AbortSignal.timeout(this.config.SENDGRID_TIMEOUT_MS),
      });
    } catch (err) {
      const timedOut = err instanceof Error && err.name === 'TimeoutError';
      return { kind: 'retryable', errorCode: timedOut ? 'TIMEOUT' : 'NETWORK_ERROR', errorMessage: err instanceof Error ? err.message : String(err) };
    }
    if (response.status === 202) {
      return { kind: 'accepted', messageSid: response.headers.get('x-message-id') ?? 'unknown', status: 'sent' };
    }
    const payload = (await response.json().catch(() => ({}))) as { errors?: Array<{ message?: string; field?: string }> };
    const errorMessage =
      payload.errors?.map((e) => (e.field ? `${e.field}: ${e.message}` : e.message)).join('; ') || `SendGrid answered HTTP ${response.status}.`;
    const errorCode = `SENDGRID_${response.status}`;
    if (response.status === 400 || response.status === 413) return { kind: 'rejected', errorCode, errorMessage };
    return { kind: 'retryable', errorCode, errorMessage };
  }
}
