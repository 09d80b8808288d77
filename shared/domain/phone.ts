import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * A phone number in E.164, or undefined when libphonenumber does not consider it valid.
 * Only the number's validity counts, not its type, so Twilio's +1 500 555 test numbers pass.
 */
export function toE164(input: string): string | undefined {
  const parsed = parsePhoneNumberFromString(input.trim());
  if (!parsed?.isValid()) return undefined;
  return parsed.number;
}
