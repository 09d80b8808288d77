/** Media of inbound MMS, hosted as Twilio hosts it: an authenticated resource URL that redirects to the content. */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION } from './message.ts';
import { sendNotFound, sendTwilioError } from './responses.ts';

/** `/2010-04-01/Accounts/AC…/Messages/MM…/Media/ME…`, and the same with `/Content` (where the redirect points). */
const MEDIA_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/Messages\/(MM[0-9a-f]{32})\/Media\/(ME[0-9a-f]{32})(\/Content)?$/;

/** How long the redirect's link serves the content, as Twilio's signed CDN links expire. */
const CONTENT_LINK_SECONDS = 300;

export interface HostedMediaInput {
  contentType: string;
  /** The content, base64-encoded. */
  data: string;
}

interface HostedMedia {
  accountSid: string;
  messageSid: string;
  contentType: string;
  bytes: Buffer;
}

export const newMediaSid = () => `ME${randomBytes(16).toString('hex')}`;

/**
 * Media the simulator hosts for the inbound messages it posts. The resource URL asks for the
 * account's credentials (HTTP basic, 401 code 20003 otherwise) and answers 302 to a short-lived
 * signed link, as Twilio's media URLs redirect to its CDN; the link serves the bytes without
 * credentials until it expires.
 */
export class HostedMediaStore {
  private readonly media = new Map<string, HostedMedia>();

  constructor(
    private readonly accountSid: string,
    private readonly authToken: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Hosts `input` for message `messageSid`; returns its URL under `apiBaseUrl`. */
  host(apiBaseUrl: string, messageSid: string, input: HostedMediaInput): { url: string; contentType: string } {
    const mediaSid = newMediaSid();
    this.media.set(mediaSid, { accountSid: this.accountSid, messageSid, contentType: input.contentType, bytes: Buffer.from(input.data, 'base64') });
    return { url: `${apiBaseUrl}/${API_VERSION}/Accounts/${this.accountSid}/Messages/${messageSid}/Media/${mediaSid}`, contentType: input.contentType };
  }

  /** Answers a media request; false when the path is not one. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, authorized: boolean): boolean {
    const match = MEDIA_PATH.exec(url.pathname);
    if (!match) return false;
    const [, accountSid, messageSid, mediaSid, content] = match;
    const found = this.media.get(mediaSid!);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendTwilioError(res, { code: 20004, message: 'Method not allowed', status: 405 });
      return true;
    }
    if (content) {
      if (!found || !this.validLink(url, mediaSid!)) {
        res
          .writeHead(403, { 'content-type': 'application/xml' })
          .end('<Error><Code>AccessDenied</Code><Message>Request has expired or is not signed</Message></Error>');
        return true;
      }
      res.writeHead(200, { 'content-type': found.contentType, 'content-length': String(found.bytes.length) });
      res.end(req.method === 'HEAD' ? undefined : found.bytes);
      return true;
    }
    if (!authorized) {
      sendTwilioError(res, { code: 20003, message: 'Authenticate', status: 401 }, { 'WWW-Authenticate': 'Basic realm="Twilio API"' });
      return true;
    }
    if (!found || found.accountSid !== accountSid || found.messageSid !== messageSid) {
      sendNotFound(res, url.pathname);
      return true;
    }
    const expires = Math.floor(this.now().getTime() / 1000) + CONTENT_LINK_SECONDS;
    res.writeHead(302, { location: `${url.pathname}/Content?Expires=${expires}&Signature=${this.signature(mediaSid!, expires)}` }).end();
    return true;
  }

  private signature(mediaSid: string, expires: number): string {
    return createHmac('sha256', this.authToken).update(`${mediaSid}\n${expires}`).digest('hex');
  }

  private validLink(url: URL, mediaSid: string): boolean {
    const expires = Number(url.searchParams.get('Expires'));
    const given = Buffer.from(url.searchParams.get('Signature') ?? '', 'utf8');
    if (!Number.isInteger(expires) || expires * 1000 < this.now().getTime()) return false;
    const expected = Buffer.from(this.signature(mediaSid, expires), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
