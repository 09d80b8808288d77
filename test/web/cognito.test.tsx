// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { base64url, codeChallenge, completeSignIn, hostedSignOutUrl, refreshSession } from '../../web/src/cognito.ts';
import { fakeApi } from './support.tsx';

const cognito = { domain: 'https://pool.auth.us-east-1.amazoncognito.com', clientId: 'client123', redirectUri: 'https://console.test/app/callback' };
const b64 = (o: object) => base64url(new TextEncoder().encode(JSON.stringify(o)));
const idToken = `${b64({ alg: 'RS256' })}.${b64({ sub: 'u-1', email: 'zoë@example.com' })}.sig`;

afterEach(() => sessionStorage.clear());

describe('hosted sign-in with PKCE', () => {
  it('derives the S256 challenge: the SHA-256 of the verifier, base64url without padding', async () => {
    // Expected values from Node's crypto: createHash('sha256').update(verifier).digest('base64url').
    const expected: Record<string, string> = {
      'dBjftJeZ4CVP-mJ92K9qpXaaY8MOVpEeJY9c3u6RXbo': 'wvGiDR4JLWCcU1lqiSbu6el8C2uJWWiTiEP3wEo7nlk',
      a: 'ypeBEsobvcr6wjGzmiPcTaeG7_gUfE5yuYB3ha_uSLs',
      ab: '-44g_C5MPySMYMOb1lLzwTRymLuXe4tNWQO4UFViBgM',
      abc: 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0',
    };
    for (const [verifier, challenge] of Object.entries(expected)) expect(await codeChallenge(verifier)).toBe(challenge);
  });

  it('trades the code with its verifier for tokens, and refreshes them later', async () => {
    sessionStorage.setItem('tms.pkce', JSON.stringify({ verifier: 'v-123', state: 's-1' }));
    const api = fakeApi(({ method, path }) =>
      method === 'POST' && path === '/oauth2/token' ? { status: 200, body: { id_token: idToken, refresh_token: 'r-1', expires_in: 3600 } } : undefined,
    );
    const bodies: string[] = [];
    const recording = ((input: RequestInfo | URL, init?: RequestInit) => {
      bodies.push(String(init?.body));
      return api.fetchImpl(input, { ...init, body: undefined });
    }) as typeof fetch;
    const session = await completeSignIn(cognito, new URLSearchParams('code=c-9&state=s-1'), recording);
    expect(session).toMatchObject({ userId: 'zoë@example.com', token: idToken, refreshToken: 'r-1' });
    expect(Object.fromEntries(new URLSearchParams(bodies[0]))).toEqual({
      client_id: 'client123',
      grant_type: 'authorization_code',
      code: 'c-9',
      redirect_uri: 'https://console.test/app/callback',
      code_verifier: 'v-123',
    });
    const renewed = await refreshSession(cognito, session, recording);
    expect(renewed.refreshToken).toBe('r-1');
    expect(Object.fromEntries(new URLSearchParams(bodies[1]))).toEqual({ client_id: 'client123', grant_type: 'refresh_token', refresh_token: 'r-1' });
  });

  it('refuses a code that answers no request of this page', async () => {
    sessionStorage.setItem('tms.pkce', JSON.stringify({ verifier: 'v', state: 'mine' }));
    await expect(completeSignIn(cognito, new URLSearchParams('code=c&state=theirs'), fakeApi(() => undefined).fetchImpl)).rejects.toThrow('sign in again');
  });

  it('signs out of the hosted session back to the console', () => {
    const url = new URL(hostedSignOutUrl(cognito));
    expect(url.origin + url.pathname).toBe('https://pool.auth.us-east-1.amazoncognito.com/logout');
    expect(url.searchParams.get('logout_uri')).toBe('https://console.test/app/sign-in');
  });
});
