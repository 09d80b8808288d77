import { RE2JS } from 're2js';

export const MAX_PATTERN_LENGTH = 256;
/**
 * The most instructions a pattern may compile to. Matching time on RE2 grows with the program
 * times the name's length; nested counted repetitions such as `((.{0,10}){0,10}){0,10}` expand
 * to thousands of instructions and tens of milliseconds per match. Everyday patterns stay
 * under a hundred.
 */
export const MAX_PROGRAM_SIZE = 500;
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
      `fileNameRegex cannot be used: ${reason}. Patterns run on a linear-time engine (RE2 syntax), which has no backreferences or lookaround.`,
    );
  }
  if (compiled.size >= CACHE_LIMIT) compiled.delete(compiled.keys().next().value as string);
  compiled.set(pattern, re);
  return re;
}

/**
 * Refuses, at save, a pattern that would cost too much to run on every upload: one that compiles
 * to more than MAX_PROGRAM_SIZE instructions. Matching does not check it, so rules saved before
 * the limit keep working (within the upload's matching budget).
 */
export function checkPatternCost(pattern: string): void {
  const size = compileUserPattern(pattern).programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new UserPatternError(
      `fileNameRegex is too costly to run on every upload: it compiles to ${size} steps, at most ${MAX_PROGRAM_SIZE} are allowed. ` +
        'Use fewer or smaller nested repetitions (such as {0,10} inside {0,10}).',
    );
  }
}

/** Search semantics: true when the pattern matches anywhere in the text, unless it anchors itself. */
export function patternFinds(pattern: string, text: string): boolean {
  return compileUserPattern(pattern).matcher(text).find();
}
