import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { NumberWebhooks, PhoneNumberRegistry } from '../ports.ts';
import { twilioCredentials, type TwilioCredentials } from './twilio-credentials.ts';

const registryConfig = z.object({
  TWILIO_API_BASE_URL: z._default(z.url(), 'https://api.twilio.com'),
  TWILIO_TIMEOUT_MS: z._default(z.coerce.number().check(z.gt(0)), 10_000),
});

const numberList = z.object({ incoming_phone_numbers: z.array(z.object({ sid: z.string(), phone_number: z.string() })) });

/** Twilio could not be asked about the number, or refused to configure it: worth a retry, never the caller's fault. */
export class TwilioUnavailableError extends AppError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: 'TWILIO_UNAVAILABLE', statusCode: 502, expose: true, cause });
  }
}

/** Twilio's IncomingPhoneNumbers REST API over `fetch`, as the message gateway talks to its Messages API. */
export class TwilioPhoneNumberRegistry implements PhoneNumberRegistry {
  private readonly config = readConfig(registryConfig);

  constructor(
    private readonly credentials: () => Promise<TwilioCredentials> = twilioCredentials,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async find(number: string): Promise<{ sid: string; number: string } | undefined> {
    const response = await this.call('GET', `IncomingPhoneNumbers.json?${new URLSearchParams({ PhoneNumber: number })}`);
    const parsed = numberList.safeParse(await response.json().catch(() => undefined));
    if (!response.ok || !parsed.success)
      throw new TwilioUnavailableError(`Twilio answered HTTP ${response.status} when asked about ${number}; try again shortly.`);
    const found = parsed.data.incoming_phone_numbers.find((n) => n.phone_number === number);
    return found ? { sid: found.sid, number: found.phone_number } : undefined;
  }

  async pointAt(sid: string, webhooks: NumberWebhooks): Promise<void> {
    const form = new URLSearchParams({
      VoiceUrl: webhooks.voiceUrl,
      VoiceMethod: 'POST',
      StatusCallback: webhooks.voiceStatusCallback,
      StatusCallbackMethod: 'POST',
      SmsUrl: webhooks.smsUrl,
      SmsMethod: 'POST',
    });
    const response = await this.call('POST', `IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`, form);
    if (!response.ok)
      throw new TwilioUnavailableError(`Twilio answered HTTP ${response.status} when asked to point ${sid} at this deployment; try again shortly.`);
  }

  private async call(method: 'GET' | 'POST', path: string, form?: URLSearchParams): Promise<Response> {
    const { accountSid, authToken } = await this.credentials();
    try {
      return await this.fetchImpl(`${this.config.TWILIO_API_BASE_URL}/2010-04-01/Accounts/${accountSid}/${path}`, {
        method,
        headers: {
          Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`,
          Accept: 'application/json',
          ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form,
        signal: AbortSignal.timeout(this.config.TWILIO_TIMEOUT_MS),
      });
    } catch (err) {
      throw new TwilioUnavailableError('Twilio could not be reached; try again shortly.', err);
    }
  }
}
