/**
 * A number written in international form ("+1 (415) 555-0100", "+44 (0)20 7946 0958") in E.164,
 * by its form alone: a plus, a country code and at most 15 digits, with the spaces, dots, dashes,
 * brackets and the bracketed trunk zero that people write dropped. Undefined otherwise.
 *
 * For what a read path is asked to look up (a list filter, a path): only numbers that were held
 * valid (`toE164`) are stored, so a well-formed number that is not valid finds nothing, and these
 * paths need not load the phone library and its metadata (see README, "Bundles").
 */
export function e164Form(input: string): string | undefined {
  const compact = input
    .trim()
    .replace(/\(0\)/, '')
    .replace(/[\s.()-]/g, '');
  return /^\+[1-9]\d{1,14}$/.test(compact) ? compact : undefined;
}
