import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { LocalAuth } from '../../../lib/local/local-auth.ts';

const SECRET = 'local-auth-test-secret';
const key = new TextEncoder().encode(SECRET);
const auth = new LocalAuth(SECRET);

/** A token signed with the runtime's own key, as someone who read it from .local-data could sign one. */
const signed = (build: (jwt: SignJWT) => SignJWT) =>
  build(
    new SignJWT({ token_use: 'access' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer('twilio-notifications-local')
      .setAudience('local-api'),
  ).sign(key);

describe('LocalAuth', () => {
  it('accepts the tokens it issues, every claim a string as API Gateway passes them', async () => {
    const claims = await auth.verify(`Bearer ${await auth.issue('alice')}`);
    expect(claims).toMatchObject({ sub: 'alice', exp: expect.stringMatching(/^\d+$/), iat: expect.stringMatching(/^\d+$/) });
    expect(Object.values(claims!).every((v) => typeof v === 'string')).toBe(true);
  });

  it('refuses a correctly signed token without exp, which would never expire', async () => {
    expect(await auth.verify(`Bearer ${await signed((jwt) => jwt)}`)).toBeUndefined();
  });

  it('refuses an expired token', async () => {
    expect(await auth.verify(`Bearer ${await signed((jwt) => jwt.setExpirationTime(Math.floor(Date.now() / 1000) - 120))}`)).toBeUndefined();
  });

  it('accepts a correctly signed token with exp (control)', async () => {
    expect(await auth.verify(`Bearer ${await signed((jwt) => jwt.setExpirationTime('1h'))}`)).toMatchObject({ sub: 'alice' });
  });
});
