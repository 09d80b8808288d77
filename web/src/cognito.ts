import type { ConsoleConfig } from './config.ts';
import type { Session } from './session.tsx';

/** Cognito's hosted sign-in, with the authorization code flow and PKCE (RFC 7636): no client secret in the page. */
type CognitoConfig = NonNullable<ConsoleConfig['cognito']>;

const PENDING_KEY = 'tms.pkce';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Base64url without padding, from bytes (no btoa: it takes Latin-1 strings, not bytes). */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k++) out += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return out;
}

function fromBase64url(text: string): Uint8Array {
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const ch of text.replace(/=+$/, '')) {
    const v = ALPHABET.indexOf(ch === '+' ? '-' : ch === '/' ? '_' : ch);
    if (v < 0) continue;
    buffer = (buffer << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >> bits) & 0xff);
    }
  }
  return Uint8Array.from(bytes);
}

function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/** The S256 code challenge of a verifier. */
export async function codeChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

const redirectUri = (c: CognitoConfig) => c.redirectUri ?? `${location.origin}/app/callback`;

/** Sends the browser to the hosted sign-in page; it comes back to /app/callback with a code. */
export async function startSignIn(c: CognitoConfig): Promise<void> {
  const verifier = randomString();
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: c.clientId,
    redirect_uri: redirectUri(c),
    scope: 'openid email',
    state,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${c.domain}/oauth2/authorize?${params}`);
}

interface TokenAnswer {
  id_token: string;
  refresh_token?: string;
  expires_in: number;
}

async function token(c: CognitoConfig, form: Record<string, string>, fetchImpl: typeof fetch): Promise<TokenAnswer> {
  const answer = await fetchImpl(`${c.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: c.clientId, ...form }).toString(),
  });
  if (!answer.ok) throw new Error(`Sign-in failed (${answer.status}); try again.`);
  return (await answer.json()) as TokenAnswer;
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(fromBase64url(jwt.split('.')[1] ?? ''))) as Record<string, unknown>;
}

function toSession(answer: TokenAnswer, refreshToken: string | undefined): Session {
  const c = claims(answer.id_token);
  return {
    userId: String(c.email ?? c['cognito:username'] ?? c.sub),
    token: answer.id_token,
    expiresAt: Date.now() + answer.expires_in * 1000,
    ...(refreshToken ? { refreshToken } : {}),
  };
}

/** Trades the code the hosted page sent back for tokens, after checking it answers our own request. */
export async function completeSignIn(c: CognitoConfig, search: URLSearchParams, fetchImpl: typeof fetch = fetch): Promise<Session> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  const error = search.get('error_description') ?? search.get('error');
  if (error) throw new Error(`Sign-in failed: ${error}`);
  const code = search.get('code');
  if (!pending || !code || search.get('state') !== pending.state) throw new Error('This sign-in link is not the one this page started; sign in again.');
  const answer = await token(c, { grant_type: 'authorization_code', code, redirect_uri: redirectUri(c), code_verifier: pending.verifier }, fetchImpl);
  return toSession(answer, answer.refresh_token);
}

/** New tokens from the refresh token, before the current ones expire. */
export async function refreshSession(c: CognitoConfig, session: Session, fetchImpl: typeof fetch = fetch): Promise<Session> {
  const answer = await token(c, { grant_type: 'refresh_token', refresh_token: session.refreshToken ?? '' }, fetchImpl);
  return toSession(answer, session.refreshToken);
}

/** Ends the hosted session too, then comes back to the sign-in page. */
export function hostedSignOutUrl(c: CognitoConfig): string {
  const params = new URLSearchParams({ client_id: c.clientId, logout_uri: `${new URL(redirectUri(c)).origin}/app/sign-in` });
  return `${c.domain}/logout?${params}`;
}
