/**
 * Plays inbound calls through the voice webhooks as Twilio would: the number's VoiceUrl first,
 * then every action URL the TwiML names (<Dial action>, <Record action>), then the number's call
 * status callback, each request form-encoded and signed with X-Twilio-Signature. The caller's
 * side is scripted: whether the forwarded phone answers, and whether the caller leaves a voicemail.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { twilioSignature } from '../../shared/adapters/twilio-signature.ts';
import { errorBody, sendJson } from './http-front.ts';
import type { TwilioPhoneNumbers } from './twilio-phone-numbers.ts';

const LOCAL_CALLS_PATH = '/local/twilio/calls';
/** A misbehaving TwiML loop stops here. */
const MAX_DOCUMENTS = 6;
const ANSWERED_SECONDS = 42;
const VOICEMAIL_SECONDS = 12;

export const callRequestSchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  answer: z.enum(['answered', 'no-answer', 'busy', 'failed', 'canceled']),
  /** Whether the caller leaves a message when offered voicemail; default true. */
  voicemail: z.boolean().default(true),
});
export type CallRequest = z.input<typeof callRequestSchema>;

export interface PlayedCall {
  callSid: string;
  from: string;
  to: string;
  answer: string;
  /** The DialCallStatus posted to the <Dial> action, when the TwiML dialled. */
  dialStatus: string | null;
  /** Each TwiML document the webhooks answered, in order. */
  twiml: string[];
  /** Each webhook request: its URL, HTTP status and how long it took to answer. */
  webhooks: Array<{ url: string; status: number; ms: number }>;
  startedAt: string;
}

export interface VoiceSimulatorOptions {
  accountSid: string;
  authToken: string;
  /** Where calls go when the number has no VoiceUrl configured: the deployment's own /twilio/voice. */
  publicBaseUrl: string;
  numbers: TwilioPhoneNumbers;
  fetch?: typeof fetch;
}

export class TwilioVoiceSimulator {
  private readonly calls: PlayedCall[] = [];
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: VoiceSimulatorOptions) {
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** Handles `/local/twilio/calls`; false for any other path. */
  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    if (url.pathname !== LOCAL_CALLS_PATH) return false;
    if (req.method === 'GET') {
      sendJson(res, 200, { items: this.calls });
      return true;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'GET lists the calls played, POST plays one.'));
      return true;
    }
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      input = undefined;
    }
    const parsed = callRequestSchema.safeParse(input);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      sendJson(
        res,
        400,
        errorBody('VALIDATION_ERROR', `Send {"from","to","answer":"answered"|"no-answer"|"busy"|"failed"|"canceled","voicemail"?}: ${problems}`),
      );
      return true;
    }
    sendJson(res, 200, await this.play(parsed.data));
    return true;
  }

  /** Plays one call to the end and reports what the webhooks answered. */
  async play(request: CallRequest): Promise<PlayedCall> {
    const input = callRequestSchema.parse(request);
    const callSid = `CA${randomBytes(16).toString('hex')}`;
    const number = this.opts.numbers.get(input.to);
    const call: PlayedCall = {
      callSid,
      from: input.from,
      to: input.to,
      answer: input.answer,
      dialStatus: null,
      twiml: [],
      webhooks: [],
      startedAt: new Date().toISOString(),
    };
    this.calls.push(call);
    const base = {
      CallSid: callSid,
      AccountSid: this.opts.accountSid,
      From: input.from,
      To: input.to,
      Caller: input.from,
      Called: input.to,
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
    };
    let url = number?.voiceUrl ?? `${this.opts.publicBaseUrl}/twilio/voice`;
    let params: Record<string, string> = { ...base, CallStatus: 'ringing' };
    let talked = 0;
    for (let i = 0; i < MAX_DOCUMENTS; i++) {
      const document = await this.post(call, url, params);
      if (document === undefined) break;
      call.twiml.push(document);
      const dial = /<Dial\b([^>]*)>/.exec(document);
      const record = /<Record\b([^>]*?)\/?>/.exec(document);
      if (dial) {
        const dialStatus = input.answer === 'answered' ? 'completed' : input.answer;
        call.dialStatus = dialStatus;
        const duration = input.answer === 'answered' ? ANSWERED_SECONDS : 0;
        talked += duration;
        const action = attribute(dial[1]!, 'action');
        if (!action) break;
        url = new URL(action, url).href;
        params = {
          ...base,
          CallStatus: 'in-progress',
          DialCallStatus: dialStatus,
          DialCallSid: `CA${randomBytes(16).toString('hex')}`,
          DialCallDuration: String(duration),
        };
      } else if (record && input.voicemail) {
        const action = attribute(record[1]!, 'action');
        talked += VOICEMAIL_SECONDS;
        if (!action) break;
        url = new URL(action, url).href;
        const recordingSid = `RE${randomBytes(16).toString('hex')}`;
        params = {
          ...base,
          CallStatus: 'in-progress',
          RecordingSid: recordingSid,
          RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${this.opts.accountSid}/Recordings/${recordingSid}`,
          RecordingDuration: String(VOICEMAIL_SECONDS),
        };
      } else {
        break;
      }
    }
    if (number?.statusCallback) {
      await this.post(call, number.statusCallback, { ...base, CallStatus: 'completed', CallDuration: String(talked + 5) });
    }
    return call;
  }

  /** POSTs a signed form; the answer's body, or undefined when the webhook did not answer 200. */
  private async post(call: PlayedCall, url: string, params: Record<string, string>): Promise<string | undefined> {
    const started = performance.now();
    try {
      const response = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(this.opts.authToken, url, params) },
        body: new URLSearchParams(params),
      });
      const text = await response.text();
      call.webhooks.push({ url, status: response.status, ms: performance.now() - started });
      return response.status === 200 ? text : undefined;
    } catch {
      call.webhooks.push({ url, status: 0, ms: performance.now() - started });
      return undefined;
    }
  }
}

const attribute = (attributes: string, name: string): string | undefined => {
  const value = new RegExp(`\\b${name}="([^"]*)"`).exec(attributes)?.[1];
  return value
    ?.replace(/&amp;/g, '&')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>');
};
