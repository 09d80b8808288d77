import { describe, expect, it } from 'vitest';
import { frontRefusal, isLocalHost } from '../../../lib/local/front-guard.ts';

const req = (method: string, url: string, headers: Record<string, string> = {}) => ({ method, url, headers: { host: 'localhost:3000', ...headers } });

describe('isLocalHost', () => {
  it.each(['localhost', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'sqs.us-east-1.localhost:4566'])('takes %s as local', (host) => {
    expect(isLocalHost(host)).toBe(true);
  });
  it.each(['evil.example', 'evil.example:3000', 'localhost.evil.example', '127.0.0.1.nip.io:3000', '', 'a b'])('refuses %j', (host) => {
    expect(isLocalHost(host)).toBe(false);
  });
  it('takes the configured public host (a tunnel) as well', () => {
    expect(isLocalHost('abc.ngrok.example', ['abc.ngrok.example'])).toBe(true);
  });
});

describe('frontRefusal', () => {
  it('refuses a request whose Host names another site (DNS rebinding), 403', () => {
    expect(
      frontRefusal(req('POST', '/local/token', { host: 'rebind.evil.example:3000', 'content-type': 'application/json', 'content-length': '2' })),
    ).toMatchObject({ status: 403 });
    expect(frontRefusal(req('GET', '/files', { host: 'rebind.evil.example:3000' }))).toMatchObject({ status: 403 });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'refuses a /local body sent as %s (a cross-site form), 415',
    (type) => {
      expect(frontRefusal(req('POST', '/local/token', { 'content-type': type, 'content-length': '20' }))).toMatchObject({ status: 415 });
    },
  );

  it('refuses a /local write from a page of another site, 403', () => {
    expect(frontRefusal(req('POST', '/local/schedules/reconcile', { origin: 'https://evil.example' }))).toMatchObject({ status: 403 });
    expect(frontRefusal(req('DELETE', '/local/twilio/faults', { origin: 'https://evil.example' }))).toMatchObject({ status: 403 });
  });

  it('lets JSON, an empty POST, the console’s own origin, reads and the S3 proxy through', () => {
    expect(
      frontRefusal(req('POST', '/local/token', { 'content-type': 'application/json', 'content-length': '20', origin: 'http://localhost:3000' })),
    ).toBeUndefined();
    expect(frontRefusal(req('POST', '/local/schedules/reconcile'))).toBeUndefined();
    expect(frontRefusal(req('GET', '/local/twilio/messages'))).toBeUndefined();
    expect(frontRefusal(req('POST', '/local/s3/uploads-local', { 'content-type': 'multipart/form-data; boundary=x', 'content-length': '99' }))).toBeUndefined();
  });
});
