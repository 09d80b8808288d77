import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { phoneMetadata } from './phone-metadata.ts';

/**
 * A phone number in E.164, or undefined when libphonenumber does not consider it valid.
 * Only the number's validity counts, not its type, so Twilio's +1 500 555 test numbers pass.
 */
export function toE164(input: string): string | undefined {
  // Without `extract: false` the parser finds a number inside any text ("call +1…") and drops extensions.
  const parsed = parsePhoneNumberFromString(input.trim(), { extract: false }, phoneMetadata);
  if (!parsed?.isValid() || parsed.ext) return undefined;
  return parsed.number;
}
