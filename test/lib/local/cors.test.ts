import { describe, expect, it } from 'vitest';
import { preflightAnswer } from '../../../lib/local/cors.ts';

const consoleOrigin = 'http://localhost:3000';
const preflight = (url: string, origin: string, method = 'POST', headers: Record<string, string> = {}) =>
  preflightAnswer(
    { method: 'OPTIONS', url, headers: { origin, 'access-control-request-method': method, ...headers } },
    [consoleOrigin],
    ['GET', 'POST', 'PATCH', 'POST'],
  );

describe('CORS preflights, as the deployed API and bucket answer them', () => {
  it('allows the console’s origin on the API with its headers and methods', () => {
    expect(preflight('/rules', consoleOrigin)).toEqual({
      status: 204,
      headers: {
        'access-control-allow-origin': consoleOrigin,
        'access-control-allow-headers': 'authorization,content-type',
        'access-control-allow-methods': 'GET,POST,PATCH',
        'access-control-max-age': '3600',
      },
    });
  });

  it('answers another origin on the API 204 without CORS headers', () => {
    expect(preflight('/rules', 'https://evil.example')).toEqual({ status: 204, headers: {} });
  });

  it('allows the console’s browser upload to the bucket, and refuses another origin with S3’s 403', () => {
    expect(preflight('/local/s3/uploads-local', consoleOrigin, 'POST', { 'access-control-request-headers': 'content-type' })).toMatchObject({
      status: 200,
      headers: { 'access-control-allow-origin': consoleOrigin, 'access-control-allow-headers': 'content-type' },
    });
    const refused = preflight('/local/s3/uploads-local', 'https://evil.example');
    expect(refused?.status).toBe(403);
    expect(refused?.body).toContain('<Code>AccessForbidden</Code>');
    expect(preflight('/local/s3/uploads-local', consoleOrigin, 'DELETE')?.status).toBe(403);
  });

  it('leaves requests that are not preflights alone', () => {
    expect(preflightAnswer({ method: 'OPTIONS', url: '/rules', headers: {} }, [consoleOrigin], ['GET'])).toBeUndefined();
    expect(preflightAnswer({ method: 'GET', url: '/rules', headers: { origin: consoleOrigin } }, [consoleOrigin], ['GET'])).toBeUndefined();
  });
});
