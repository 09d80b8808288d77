import { type NumberType, parsePhoneNumberFromString } from 'libphonenumber-js/core';
import { phoneMetadata } from './phone-metadata.ts';

/** The number types libphonenumber tells apart (`getType()`), as the operator names them. */
export const NUMBER_TYPES = [
  'MOBILE',
  'FIXED_LINE',
  'FIXED_LINE_OR_MOBILE',
  'TOLL_FREE',
  'PREMIUM_RATE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
] as const satisfies readonly NonNullable<NumberType>[];

/** Refused unless the operator allows them: texts and calls to them cost the sender per message or minute. */
export const COSTLY_NUMBER_TYPES: readonly NonNullable<NumberType>[] = ['PREMIUM_RATE', 'SHARED_COST'];

/** Which phone numbers the deployment may text or call. */
export interface TargetPolicy {
  /** ISO 3166 countries a number must belong to; undefined for any. */
  countries?: readonly string[];
  /** Number types allowed; a number whose type libphonenumber cannot tell (such as Twilio's test numbers) is allowed. */
  types: readonly NonNullable<NumberType>[];
}

export const DEFAULT_TARGET_POLICY: TargetPolicy = Object.freeze({ types: NUMBER_TYPES.filter((t) => !COSTLY_NUMBER_TYPES.includes(t)) });

/**
 * The policy from the operator's settings: `countries` a comma-separated list of ISO countries
 * (empty for any), `types` one of number types (empty for every type but premium-rate and
 * shared-cost). Throws on a name it does not know, so a typo fails at start, not by letting
 * everything through.
 */
export function parseTargetPolicy(settings: { countries?: string; types?: string }): TargetPolicy {
  const list = (value: string | undefined) =>
    (value ?? '')
      .split(',')
      .map((v) => v.trim().toUpperCase())
      .filter(Boolean);
  const countries = list(settings.countries);
  const bad = countries.filter((c) => !/^[A-Z]{2}$/.test(c));
  if (bad.length > 0) throw new Error(`Target countries must be ISO 3166 codes such as US or GB: ${bad.join(', ')}.`);
  const types = list(settings.types);
  const unknown = types.filter((t) => !(NUMBER_TYPES as readonly string[]).includes(t));
  if (unknown.length > 0) throw new Error(`Unknown number types ${unknown.join(', ')}; known: ${NUMBER_TYPES.join(', ')}.`);
  return Object.freeze({
    ...(countries.length > 0 ? { countries } : {}),
    types: types.length > 0 ? (types as NonNullable<NumberType>[]) : DEFAULT_TARGET_POLICY.types,
  });
}

const typeWords = (type: string) => type.toLowerCase().replace(/_/g, '-');

/**
 * Why the deployment may not text or call this number (E.164), in words a person can act on;
 * undefined when it may.
 */
export function targetRefusal(field: string, e164: string, policy: TargetPolicy): string | undefined {
  const parsed = parsePhoneNumberFromString(e164, { extract: false }, phoneMetadata);
  if (!parsed) return undefined;
  if (policy.countries && !(parsed.country && policy.countries.includes(parsed.country))) {
    return `${field} ${e164} is ${parsed.country ? `a number of ${parsed.country}` : 'a number of no country'}; this deployment texts and calls only numbers of ${policy.countries.join(', ')}.`;
  }
  const type = parsed.getType();
  if (type && !policy.types.includes(type)) {
    return `${field} ${e164} is a ${typeWords(type)} number, which this deployment does not text or call (it allows ${policy.types.map(typeWords).join(', ')}).`;
  }
  return undefined;
}
