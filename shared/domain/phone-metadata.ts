import type { MetadataJson } from 'libphonenumber-js/core';
import { countryCallingCodes, countryTexts, nonGeographicTexts, version } from '../generated/phone-metadata.ts';

/**
 * An object with an entry for each text, parsed from its JSON the first time it is read and
 * kept from then on.
 */
function parsedOnFirstRead(texts: Record<string, string>): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(texts)) {
    Object.defineProperty(entries, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value: unknown = JSON.parse(text);
        Object.defineProperty(entries, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return entries;
}

/**
 * libphonenumber-js's full ("max") metadata, which number types need, with each country parsed
 * when a number first needs it. Evaluating all 245 countries at import cost about 3 ms of every
 * cold start of a function that checks numbers; a number needs only the countries of its calling
 * code (25 for +1, one for most others). Generated from the installed package
 * (`npm run phone-metadata`; a test fails when it falls behind).
 */
export const phoneMetadata = {
  version,
  country_calling_codes: countryCallingCodes,
  countries: parsedOnFirstRead(countryTexts),
  nonGeographic: parsedOnFirstRead(nonGeographicTexts),
} as unknown as MetadataJson;
