import { describe, expect, it } from 'vitest';
import { statusCallbackRef, statusCallbackUrl } from '../../../shared/schemas/status-callback-url.ts';

describe('the status-callback URL', () => {
  it('names the notification in the query, and the webhook reads back the same notification', () => {
    const ref = { userId: 'auth0|user 1&x', notificationId: '01JABCDEFGHJKMNPQRSTVWXYZ0' };
    const url = new URL(statusCallbackUrl('https://abc.lambda-url.us-east-1.on.aws/', ref));
    expect(url.origin + url.pathname).toBe('https://abc.lambda-url.us-east-1.on.aws/twilio/status');
    expect(statusCallbackRef(url.searchParams)).toEqual(ref);
  });

  it('keeps a base URL’s own path', () => {
    expect(statusCallbackUrl('http://localhost:3000/api', { userId: 'u', notificationId: 'n' })).toBe('http://localhost:3000/api/twilio/status?u=u&n=n');
  });

  it('names no notification when the query lacks either half', () => {
    expect(statusCallbackRef(new URLSearchParams('u=u-1'))).toBeUndefined();
    expect(statusCallbackRef(new URLSearchParams('n=n-1'))).toBeUndefined();
    expect(statusCallbackRef(new URLSearchParams('u=&n=n-1'))).toBeUndefined();
    expect(statusCallbackRef(new URLSearchParams(''))).toBeUndefined();
  });
});
