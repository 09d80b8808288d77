// The webhook module alone weighs 4 KB; the package's entry point pulls in the whole REST client.
import { getExpectedBodyHash, getExpectedTwilioSignature, validateRequest, validateRequestWithBody } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Whether `signature` is Twilio's signature of a request to `url` with these form
 * parameters. The URL must be the one Twilio was given (the configured public base URL plus
 * path and query), never rebuilt from the request's own host header. twilio-node tries the URL
 * with and without the scheme's default port (`:443`, `:80`), so either spelling is accepted.
 */
export function isValidTwilioSignature(authToken: string, signature: string | undefined, url: string, params: Record<string, string | string[]>): boolean {
  if (!signature) return false;
  return validateRequest(authToken, signature, url, params);
}

/**
 * Whether `signature` is Twilio's signature of a request with a JSON (non-form) body: Twilio puts
 * the body's SHA-256 into the URL as `bodySHA256` and signs that URL with no parameters, so both
 * the signature over the URL and the hash of the body must match.
 */
export function isValidTwilioBodySignature(authToken: string, signature: string | undefined, url: string, body: string): boolean {
  if (!signature) return false;
  return validateRequestWithBody(authToken, signature, url, body);
}

/** Twilio's signature for a form request; the simulator signs its callbacks with it. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  return getExpectedTwilioSignature(authToken, url, params);
}

/** Signs a JSON body as Twilio does: the URL gains `bodySHA256`, and that URL alone is signed. */
export function twilioBodySignature(authToken: string, url: string, body: string): { url: string; signature: string } {
  const signedUrl = `${url}${url.includes('?') ? '&' : '?'}bodySHA256=${getExpectedBodyHash(body)}`;
  return { url: signedUrl, signature: getExpectedTwilioSignature(authToken, signedUrl, {}) };
}
