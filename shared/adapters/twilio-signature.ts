// The webhook module alone weighs 4 KB; the package's entry point pulls in the whole REST client.
import { getExpectedTwilioSignature, validateRequest } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Whether `signature` is Twilio's signature of a request to `url` with these form
 * parameters. The URL must be the one Twilio was given (the configured public base URL plus
 * path and query), never rebuilt from the request's own host header.
 */
export function isValidTwilioSignature(
  authToken: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string | string[]>,
): boolean {
  if (!signature) return false;
  return validateRequest(authToken, signature, url, params);
}

/** Twilio's signature for a request; the simulator signs its callbacks with it. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string | string[]>): string {
  return getExpectedTwilioSignature(authToken, url, params);
}
