import * as z from 'zod/mini';
import { readConfig } from '../config.ts';
import type { MediaDownload, MediaSource } from '../ports.ts';
import { twilioCredentials, type TwilioCredentials } from './twilio-credentials.ts';

const mediaConfig = z.object({
  TWILIO_API_BASE_URL: z._default(z.url(), 'https://api.twilio.com'),
  MEDIA_MAX_BYTES: z._default(z.coerce.number().check(z.gt(0)), 5 * 1024 * 1024),
  MEDIA_TIMEOUT_MS: z._default(z.coerce.number().check(z.gt(0)), 5_000),
});

const refused = (reason: string): MediaDownload => ({ kind: 'refused', reason });

/**
 * Downloads MMS media over HTTP(S). Images only, judged by the response's own content type;
 * at most MEDIA_MAX_BYTES, counted as the bytes arrive (a Content-Length can lie); the whole
 * download within MEDIA_TIMEOUT_MS. The account's credentials go only to Twilio's own API
 * origin (accounts may require HTTP auth on media URLs); fetch drops them on a redirect elsewhere.
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
    if (target.protocol !== 'https:' && target.protocol !== 'http:') return refused(`unsupported scheme ${target.protocol}`);
    const headers: Record<string, string> = {};
    if (target.origin === new URL(this.config.TWILIO_API_BASE_URL).origin) {
      const { accountSid, authToken } = await this.credentials();
      headers.Authorization = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;
    }
    const { MEDIA_MAX_BYTES: maxBytes, MEDIA_TIMEOUT_MS: timeoutMs } = this.config;
    try {
      const response = await this.fetchImpl(target, { headers, signal: AbortSignal.timeout(timeoutMs) });
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
      return refused(timedOut ? `no complete answer within ${timeoutMs} ms` : `download failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function discard(response: Response, reason: string): Promise<MediaDownload> {
  await response.body?.cancel().catch(() => undefined);
  return refused(reason);
}
