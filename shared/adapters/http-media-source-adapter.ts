import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { MediaDownload, MediaSource } from '../ports.ts';
import { twilioCredentials, type TwilioCredentials } from './twilio-credentials.ts';

const mediaConfig = z.object({
  TWILIO_API_BASE_URL: z._default(z.url(), 'https://api.twilio.com'),
  MEDIA_MAX_BYTES: z._default(z.coerce.number().check(z.gt(0)), 5 * 1024 * 1024),
  MEDIA_TIMEOUT_MS: z._default(z.coerce.number().check(z.gt(0)), 5_000),
  /**
   * Hosts media may come from, over https: Twilio's API and the CDN its media URLs redirect to.
   * `*.` allows every subdomain. The origin of TWILIO_API_BASE_URL (the simulator locally) is
   * always allowed; MEDIA_EXTRA_ORIGINS adds whole origins (tests host media on loopback).
   */
  MEDIA_ALLOWED_HOSTS: z._default(z.string(), 'api.twilio.com,*.twiliocdn.com,s3-external-1.amazonaws.com'),
  MEDIA_EXTRA_ORIGINS: z._default(z.string(), ''),
});

/** Where Twilio's API serves an account's resources, media among them. */
const API_MEDIA_PATH = '/2010-04-01/Accounts/';

/** Redirects followed at most; Twilio's media URL redirects once, to its CDN. */
const MAX_REDIRECTS = 3;

const list = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');

const refused = (reason: string): MediaDownload => ({ kind: 'refused', reason });

/**
 * Downloads MMS media over HTTP(S). Images only, judged by the response's own content type;
 * at most MEDIA_MAX_BYTES, counted as the bytes arrive (a Content-Length can lie); the whole
 * download within MEDIA_TIMEOUT_MS. Only Twilio's media hosts over https are fetched (see
 * MEDIA_ALLOWED_HOSTS), never an address the sender of a webhook picks; redirects are followed by
 * hand and each hop is checked again. The account's credentials go only to Twilio's own API origin
 * (accounts may require HTTP auth on media URLs). A failed connection is recorded as such, without
 * the network's own words, so the stored reason tells nothing about what listens where.
 */
export class HttpMediaSource implements MediaSource {
  private readonly config = readConfig(mediaConfig);

  constructor(
    private readonly credentials: () => Promise<TwilioCredentials> = twilioCredentials,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async download(url: string): Promise<MediaDownload> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return refused('not a URL');
    }
    const { MEDIA_MAX_BYTES: maxBytes, MEDIA_TIMEOUT_MS: timeoutMs } = this.config;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      let response: Response | undefined;
      for (let hop = 0; ; hop++) {
        const refusal = this.refusalOf(target);
        if (refusal) return refused(refusal);
        response = await this.fetchImpl(target, { headers: await this.headersFor(target), signal, redirect: 'manual' });
        if (response.status < 300 || response.status >= 400) break;
        const location = response.headers.get('location');
        await response.body?.cancel().catch(() => undefined);
        if (!location) return refused(`HTTP ${response.status} without a Location`);
        if (hop >= MAX_REDIRECTS) return refused(`more than ${MAX_REDIRECTS} redirects`);
        target = new URL(location, target);
      }
      const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!response.ok) return await discard(response, `HTTP ${response.status}`);
      if (!contentType.startsWith('image/')) return await discard(response, `not an image (${contentType || 'no content type'})`);
      if (Number(response.headers.get('content-length') ?? 0) > maxBytes) return await discard(response, `larger than ${maxBytes} bytes`);
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of response.body ?? []) {
        size += chunk.byteLength;
        if (size > maxBytes) return await discard(response, `larger than ${maxBytes} bytes`);
        chunks.push(chunk);
      }
      return { kind: 'downloaded', bytes: Buffer.concat(chunks), contentType };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return refused(timedOut ? `no complete answer within ${timeoutMs} ms` : 'download failed');
    }
  }

  /** Why `target` may not be fetched, or undefined when it may. */
  private refusalOf(target: URL): string | undefined {
    if (target.username || target.password) return 'credentials in the URL';
    // Twilio's API origin serves media under the account's resources only; locally that origin
    // is the runtime's own front, whose other paths (the local S3 among them) are not media.
    if (target.origin === this.apiOrigin()) return target.pathname.startsWith(API_MEDIA_PATH) ? undefined : 'not a Twilio media path';
    if (list(this.config.MEDIA_EXTRA_ORIGINS).includes(target.origin.toLowerCase())) return undefined;
    if (target.protocol !== 'https:') return `not https (${target.protocol})`;
    const host = target.hostname.toLowerCase();
    const allowed = list(this.config.MEDIA_ALLOWED_HOSTS).some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern));
    return allowed ? undefined : `not a Twilio media host (${host})`;
  }

  private apiOrigin(): string {
    return new URL(this.config.TWILIO_API_BASE_URL).origin;
  }

  private async headersFor(target: URL): Promise<Record<string, string>> {
    if (target.origin !== this.apiOrigin()) return {};
    const { accountSid, authToken } = await this.credentials();
    return { Authorization: `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}` };
  }
}

async function discard(response: Response, reason: string): Promise<MediaDownload> {
  await response.body?.cancel().catch(() => undefined);
  return refused(reason);
}
