import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePhoneNumberFromString as parseWithPackageMetadata } from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/examples.mobile.json' with { type: 'json' };
import { describe, expect, it, vi } from 'vitest';
import { parsePhoneNumberFromString, type PhoneNumber } from 'libphonenumber-js/core';
import { phoneMetadataFile, phoneMetadataSource } from '../../../lib/phone-metadata.ts';
import { phoneMetadata } from '../../../shared/domain/phone-metadata.ts';
import { countryCallingCodes } from '../../../shared/generated/phone-metadata.ts';

const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** What this system reads of a parsed number. */
const reading = (number: PhoneNumber | undefined) =>
  number && { number: number.number, country: number.country, ext: number.ext, valid: number.isValid(), type: number.getType() };

/** A small seeded generator, so a failure names numbers that fail again. */
function digits(seed: number) {
  let state = seed;
  return (count: number) => {
    let out = '';
    for (let i = 0; i < count; i++) {
      state = (state * 1103515245 + 12345) % 2147483648;
      out += String(state % 10);
    }
    return out;
  };
}

/**
 * Numbers of every calling code: each country's example mobile number (also written with
 * brackets, dashes, dots and spaces, as people type them), the same with its last
 * two or three digits changed (mostly valid numbers, of several types), and random digits of
 * each length from 4 to 14 (mostly invalid, some of other types).
 */
function numbersToCompare(): string[] {
  const random = digits(20261201);
  const numbers: string[] = [];
  const codeOf = Object.fromEntries(Object.entries(countryCallingCodes).flatMap(([code, countries]) => countries.map((country) => [country, code])));
  for (const [country, national] of Object.entries(mobileExamples as Record<string, string>)) {
    const code = codeOf[country];
    if (!code) continue;
    numbers.push(`+${code}${national}`, `+${code} (${national.slice(0, 3)}) ${national.slice(3)}`, ` +${code}-${national.slice(0, 2)}.${national.slice(2)} `);
    for (let i = 0; i < 10; i++) numbers.push(`+${code}${national.slice(0, -2)}${random(2)}`, `+${code}${national.slice(0, -3)}${random(3)}`);
  }
  for (const code of Object.keys(countryCallingCodes)) {
    for (let length = 4; length <= 14 - code.length; length++) numbers.push(`+${code}${random(length)}`);
  }
  return numbers;
}

describe('the phone numbers metadata (shared/generated/phone-metadata.ts)', () => {
  it('is what npm run phone-metadata writes from the installed libphonenumber-js', () => {
    const fresh = phoneMetadataSource();
    expect(
      readFileSync(join(projectRoot, phoneMetadataFile), 'utf8') === fresh,
      `${phoneMetadataFile} is stale: run npm run phone-metadata and commit it`,
    ).toBe(true);
  });

  it('parses, validates and types every number as the package’s own metadata does', () => {
    const numbers = numbersToCompare();
    const differences = numbers
      .map((text) => ({
        text,
        ours: reading(parsePhoneNumberFromString(text, { extract: false }, phoneMetadata)),
        package: reading(parseWithPackageMetadata(text, { extract: false })),
      }))
      .filter((r) => JSON.stringify(r.ours) !== JSON.stringify(r.package));
    expect(differences.slice(0, 5)).toEqual([]);
    // The comparison is worth something only if it covers valid numbers of several types.
    const types = new Set(numbers.map((text) => reading(parseWithPackageMetadata(text, { extract: false }))?.type).filter(Boolean));
    expect(numbers.length).toBeGreaterThan(5000);
    expect([...types]).toEqual(expect.arrayContaining(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'SHARED_COST']));
  });

  it('parses a country’s entry only when a number of it is read, and once', async () => {
    vi.resetModules();
    const { phoneMetadata: fresh } = await import('../../../shared/domain/phone-metadata.ts');
    const parsed = () => Object.keys(fresh.countries).filter((country) => !('get' in (Object.getOwnPropertyDescriptor(fresh.countries, country) ?? {})));
    expect(parsed()).toEqual([]);

    expect(parsePhoneNumberFromString('+442079460958', { extract: false }, fresh)?.isValid()).toBe(true);
    expect(parsed().sort()).toEqual(expect.arrayContaining(['GB']));
    expect(parsed().every((country) => countryCallingCodes['44']!.includes(country))).toBe(true);

    const gb = (fresh.countries as Record<string, unknown>).GB;
    parsePhoneNumberFromString('+447400123456', { extract: false }, fresh);
    expect((fresh.countries as Record<string, unknown>).GB).toBe(gb);
    expect(Object.keys(fresh.countries)).toHaveLength(Object.keys(phoneMetadata.countries).length);
  });
});
