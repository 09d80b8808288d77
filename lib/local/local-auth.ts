import { jwtVerify, SignJWT } from 'jose';

const ISSUER = 'twilio-notifications-local';
const AUDIENCE = 'local-api';

/**
 * Tokens for the local API, standing in for Cognito: HS256 JWTs whose `sub` is the user id.
 * The local HTTP front checks them as API Gateway's JWT authorizer would and passes the claims on.
 */
export class LocalAuth {
  private readonly key: Uint8Array;

  constructor(secret: string) {
    this.key = new TextEncoder().encode(secret);
  }

  issue(userId: string, ttlSeconds = 12 * 60 * 60): Promise<string> {
    return new SignJWT({ token_use: 'access', scope: 'local' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** The token's claims, or undefined when it is missing, forged, expired or without an expiry. */
  async verify(authorization: string | undefined): Promise<Record<string, string> | undefined> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    try {
      // A token that never expires is refused, as Cognito's always carry `exp`.
      const { payload } = await jwtVerify(match[1], this.key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], requiredClaims: ['exp', 'sub'] });
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) return undefined;
      // API Gateway's JWT authorizer hands every claim on as a string: numbers too, arrays as "[a b]".
      return Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, Array.isArray(v) ? `[${v.join(' ')}]` : String(v)]));
    } catch {
      return undefined;
    }
  }
}
