import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpMediaSource } from '../../../shared/adapters/http-media-source-adapter.ts';

const API = 'https://api.twilio.com';
const credentials = async () => ({ accountSid: 'AC1', authToken: 'secret-token' });
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);

beforeAll(() => {
  process.env.TWILIO_API_BASE_URL = API;
});
afterAll(() => {
  delete process.env.TWILIO_API_BASE_URL;
});

/** A fetch that answers from a table by URL and records what was asked, with which headers. */
function fakeFetch(answers: Record<string, () => Response>) {
  const asked: Array<{ url: string; authorization?: string; redirect?: string }> = [];
  const impl = (async (input: URL | string, init?: RequestInit) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    asked.push({ url, authorization: headers.Authorization, redirect: init?.redirect });
    const answer = answers[url];
    if (!answer) throw new TypeError('fetch failed: connect ECONNREFUSED 10.0.0.7:6379');
    return answer();
  }) as typeof fetch;
  return { impl, asked };
}

const image = () => new Response(png, { headers: { 'content-type': 'image/png' } });
const redirectTo = (location: string) => () => new Response(null, { status: 307, headers: { location } });

describe('HttpMediaSource: only Twilio media hosts, redirects checked hop by hop', () => {
  it.each([
    ['loopback', 'http://127.0.0.1:4566/bucket/secret.png'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['a private address over https', 'https://10.0.0.7/x.png'],
    ['an IPv6 loopback', 'https://[::1]/x.png'],
    ['another host', 'https://evil.example/x.png'],
    ['a look-alike host', 'https://api.twilio.com.evil.example/x.png'],
    ['plain http to a Twilio host', 'http://media.twiliocdn.com/x.png'],
    ['another path on the Twilio API origin', 'https://api.twilio.com/local/s3/uploads-local/uploads/alice/F1'],
  ])('refuses %s without fetching it', async (_what, url) => {
    const { impl, asked } = fakeFetch({ [url]: image });
    const result = await new HttpMediaSource(credentials, impl).download(url);
    expect(result.kind).toBe('refused');
    expect(asked).toEqual([]);
  });

  it('follows Twilio’s redirect to its CDN by hand, sending the credentials only to the API', async () => {
    const mediaUrl = `${API}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1`;
    const cdn = 'https://media.twiliocdn.com/AC1/abc';
    const { impl, asked } = fakeFetch({ [mediaUrl]: redirectTo(cdn), [cdn]: image });
    const result = await new HttpMediaSource(credentials, impl).download(mediaUrl);
    expect(result).toMatchObject({ kind: 'downloaded', contentType: 'image/png' });
    expect(asked.map((a) => [a.url, Boolean(a.authorization), a.redirect])).toEqual([
      [mediaUrl, true, 'manual'],
      [cdn, false, 'manual'],
    ]);
  });

  it('refuses a redirect to a private address, fetching nothing after it', async () => {
    const mediaUrl = `${API}/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1`;
    const { impl, asked } = fakeFetch({ [mediaUrl]: redirectTo('http://127.0.0.1:4566/local-bucket/private.png') });
    const result = await new HttpMediaSource(credentials, impl).download(mediaUrl);
    expect(result).toEqual({ kind: 'refused', reason: expect.stringContaining('not https') });
    expect(asked).toHaveLength(1);
  });

  it('stops after a few redirects', async () => {
    const hop = (n: number) => `https://media.twiliocdn.com/${n}`;
    const answers = Object.fromEntries(Array.from({ length: 10 }, (_, n) => [hop(n), redirectTo(hop(n + 1))]));
    const result = await new HttpMediaSource(credentials, fakeFetch(answers).impl).download(hop(0));
    expect(result).toEqual({ kind: 'refused', reason: expect.stringContaining('redirects') });
  });

  it('records a failed connection without the network’s words (no port-scan oracle)', async () => {
    const result = await new HttpMediaSource(credentials, fakeFetch({}).impl).download('https://media.twiliocdn.com/gone');
    expect(result).toEqual({ kind: 'refused', reason: 'download failed' });
  });
});
