/**
 * A stand-in for Twilio's IncomingPhoneNumbers REST API: the numbers the simulated account owns,
 * and where each one's voice and messaging webhooks point. The call simulator reads those URLs,
 * as Twilio would when a call comes in. `/local/twilio/numbers` lists the numbers and adds more.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toE164 } from '../../shared/domain/phone.ts';
import { errorBody, sendJson } from './http-front.ts';

const NUMBERS_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/IncomingPhoneNumbers(?:\/(PN[0-9a-f]{32}))?\.json$/;
const LOCAL_NUMBERS_PATH = '/local/twilio/numbers';
/** The number Twilio's test credentials treat as the account's own. */
export const ALWAYS_OWNED_NUMBER = '+15005550006';

export interface SimulatedNumber {
  sid: string;
  phoneNumber: string;
  voiceUrl: string | null;
  voiceMethod: string;
  statusCallback: string | null;
  smsUrl: string | null;
  smsMethod: string;
  dateUpdated: string;
}

export class TwilioPhoneNumbers {
  private readonly numbers = new Map<string, SimulatedNumber>();

  constructor(
    private readonly credentials: { accountSid: string; authToken: string },
    owned: readonly string[] = [],
  ) {
    for (const number of [ALWAYS_OWNED_NUMBER, ...owned]) this.add(number);
  }

  /** Makes the account own `number` (E.164); adding it again changes nothing. */
  add(number: string): SimulatedNumber {
    const existing = this.numbers.get(number);
    if (existing) return existing;
    const added: SimulatedNumber = {
      sid: `PN${randomBytes(16).toString('hex')}`,
      phoneNumber: number,
      voiceUrl: null,
      voiceMethod: 'POST',
      statusCallback: null,
      smsUrl: null,
      smsMethod: 'POST',
      dateUpdated: new Date().toUTCString(),
    };
    this.numbers.set(number, added);
    return added;
  }

  /** Whether the account owns `number`, as the Messages API checks a `From`. */
  has(number: string): boolean {
    return this.numbers.has(number);
  }

  /** The account's number, with its webhook configuration. */
  get(number: string): SimulatedNumber | undefined {
    return this.numbers.get(number);
  }

  /** Handles the request if its path is the IncomingPhoneNumbers API or the local numbers route; false otherwise. */
  async handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname === LOCAL_NUMBERS_PATH) {
      if (method === 'GET') sendJson(res, 200, { items: [...this.numbers.values()] });
      else if (method === 'POST') {
        const number = toE164(String((parseJson(body) as { number?: unknown } | undefined)?.number ?? ''));
        if (!number) sendJson(res, 400, errorBody('VALIDATION_ERROR', 'Send {"number":"+14155550100"}: an E.164 number for the account to own.'));
        else sendJson(res, 201, this.add(number));
      } else sendJson(res, 405, errorBody('METHOD_NOT_ALLOWED', 'GET lists the numbers, POST adds one.'));
      return true;
    }
    const match = NUMBERS_PATH.exec(url.pathname);
    if (!match) return false;
    if (!this.authorised(req) || match[1] !== this.credentials.accountSid) {
      sendJson(res, 401, { code: 20003, message: 'Authenticate', status: 401 });
      return true;
    }
    const sid = match[2];
    if (sid === undefined && method === 'GET') {
      const wanted = url.searchParams.get('PhoneNumber');
      const items = [...this.numbers.values()].filter((n) => !wanted || n.phoneNumber === wanted);
      sendJson(res, 200, { incoming_phone_numbers: items.map(toResource), page: 0, page_size: 50 });
      return true;
    }
    const found = [...this.numbers.values()].find((n) => n.sid === sid);
    if (!found) {
      sendJson(res, 404, { code: 20404, message: `The requested resource ${url.pathname} was not found`, status: 404 });
      return true;
    }
    if (method === 'POST') {
      const form = new URLSearchParams(body.toString('utf8'));
      found.voiceUrl = form.get('VoiceUrl') ?? found.voiceUrl;
      found.voiceMethod = form.get('VoiceMethod') ?? found.voiceMethod;
      found.statusCallback = form.get('StatusCallback') ?? found.statusCallback;
      found.smsUrl = form.get('SmsUrl') ?? found.smsUrl;
      found.smsMethod = form.get('SmsMethod') ?? found.smsMethod;
      found.dateUpdated = new Date().toUTCString();
    }
    sendJson(res, 200, toResource(found));
    return true;
  }

  private authorised(req: IncomingMessage): boolean {
    const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
    if (scheme?.toLowerCase() !== 'basic' || !encoded) return false;
    return Buffer.from(encoded, 'base64').toString('utf8') === `${this.credentials.accountSid}:${this.credentials.authToken}`;
  }
}

const toResource = (n: SimulatedNumber) => ({
  sid: n.sid,
  phone_number: n.phoneNumber,
  voice_url: n.voiceUrl,
  voice_method: n.voiceMethod,
  status_callback: n.statusCallback,
  sms_url: n.smsUrl,
  sms_method: n.smsMethod,
  date_updated: n.dateUpdated,
});

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}
