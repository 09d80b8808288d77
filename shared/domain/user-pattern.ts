import { RE2JS } from 're2js';

export const MAX_PATTERN_LENGTH = 256;
const CACHE_LIMIT = 10_000;

/** Why a user's pattern cannot be used, in words a person can act on. */
export class UserPatternError extends Error {}

const compiled = new Map<string, RE2JS>();

/**
 * Compiles a user's file-name pattern on RE2's linear-time engine, so no pattern can make
 * matching slow, whatever the input. Constructs RE2 cannot run in linear time (backreferences,
 * lookaround) are refused. Compiled patterns are cached across invocations of a warm Lambda.
 */
export function compileUserPattern(pattern: string): RE2JS {
  const hit = compiled.get(pattern);
  if (hit) return hit;
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw new UserPatternError(`fileNameRegex is longer than ${MAX_PATTERN_LENGTH} characters.`);
  }
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : String(err);
    throw new UserPatternError(
      `fileNameRegex cannot be used: ${reason}. Patterns run on a linear-time engine (RE2 syntax), ` +
        'which has no backreferences or lookaround.',
    );
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(pattern, re);
  return re;
}

/** Search semantics: true when the pattern matches anywhere in the text, unless it anchors itself. */
export function patternFinds(pattern: string, text: string): boolean {
  return compileUserPattern(pattern).matcher(text).find();
}
