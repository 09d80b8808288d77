import type { RE2JS } from 're2js';

type PatternEngine = typeof RE2JS;
/** What this module uses of Node's `process`, which a browser does not have. */
interface NodeProcess {
  getBuiltinModule?(id: 'node:module'): { createRequire(url: string): (id: string) => unknown };
}
let engine: PatternEngine | undefined;

/**
 * RE2 (re2js), loaded the first time a pattern is compiled rather than with this module: 147 KB
 * of code that a cold start would otherwise read whether or not its request carries a pattern
 * (README, "Bundles"). Node requires it synchronously (the Lambda functions that compile patterns
 * ship it beside their bundle, `FunctionSpec.patterns`); a browser awaits `loadPatternEngine()`
 * before the first pattern.
 */
export function patternEngine(): PatternEngine {
  if (engine) return engine;
  const nodeModule = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:module');
  if (!nodeModule) throw new Error('The pattern engine is not loaded yet: await loadPatternEngine() first.');
  engine = (nodeModule.createRequire(import.meta.url)('re2js') as typeof import('re2js')).RE2JS;
  return engine;
}

/** Loads the pattern engine where it cannot be required (a browser, where it is a chunk of its own). */
export async function loadPatternEngine(): Promise<void> {
  engine ??= (await import('re2js')).RE2JS;
}

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
    re = patternEngine().compile(pattern);
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
 * The most DFA state (bytes, as RE2 counts them) a pattern may build answering yes/no on the
 * probe names at save. Building states is where a yes/no match spends its time; the costliest
 * patterns the program-size bound lets through, such as `((ab|a)(b|ba)){0,20}$` (about 55 KB,
 * 2–5 ms a match), build far more than everyday ones (a few KB at most).
 */
export const MAX_PROBE_DFA_BYTES = 40 * 1024;

/**
 * Refuses, at save, a pattern that would cost too much to run on every upload: one that compiles
 * to more than MAX_PROGRAM_SIZE instructions, or that builds more than MAX_PROBE_DFA_BYTES of
 * matcher state on 255-character probe names (a measured worst case that, unlike a time, does
 * not depend on how busy the machine is). Matching does not check it, so rules saved before the
 * limits keep working (within the upload's matching budget).
 */
export function checkPatternCost(pattern: string): void {
  const size = compileUserPattern(pattern).programSize();
  if (size > MAX_PROGRAM_SIZE) {
    throw new UserPatternError(
      `fileNameRegex is too costly to run on every upload: it compiles to ${size} steps, at most ${MAX_PROGRAM_SIZE} are allowed. ` +
        'Use fewer or smaller nested repetitions (such as {0,10} inside {0,10}).',
    );
  }
  const built = probeCost(pattern);
  if (built > MAX_PROBE_DFA_BYTES) {
    throw new UserPatternError(
      `fileNameRegex is too costly to run on every upload: on a 255-character name it builds ${Math.ceil(built / 1024)} KB of matcher state, ` +
        `at most ${MAX_PROBE_DFA_BYTES / 1024} KB are allowed. Use fewer alternatives inside repeated groups (such as (ab|a) inside {0,20}).`,
    );
  }
}

/** 255-character names (the longest a file name may be) of the shapes that keep an automaton busiest. */
function probeNames(pattern: string): string[] {
  // The pattern's own literal characters, less repetition counts and syntax.
  const own = [...new Set(pattern.replace(/\{\d*,?\d*\}/g, '').replace(/\\.|[()[\]{}^$|?*+.,]/g, ''))].join('') || 'a';
  const cycle = (unit: string) => unit.repeat(Math.ceil(255 / unit.length)).slice(0, 255);
  return [cycle('a'), cycle('ab'), `${'x'.repeat(251)}.pdf`, cycle(own), cycle(own.slice(0, 2)), cycle(`${own}-_. 1`)];
}

/** The DFA state a fresh compile of the pattern builds answering yes/no on the probe names. */
export function probeCost(pattern: string): number {
  const re = patternEngine().compile(pattern);
  for (const name of probeNames(pattern)) re.test(name);
  return dfaBytesOf(re);
}

/**
 * Search semantics: true when the pattern matches anywhere in the text, unless it anchors itself.
 * Only whether it matches is asked, not where: that runs on RE2's DFA, which stops at the first
 * match, instead of the NFA that tracks positions to the end of the name (0.004 ms instead of
 * 0.8 ms for `((.{0,7}){0,7}){0,4}` on a 255-character name).
 */
export function patternFinds(pattern: string, text: string): boolean {
  const re = compileUserPattern(pattern);
  const found = re.test(text);
  trimDfaCache(re);
  return found;
}

/**
 * The most DFA state one cached pattern keeps between uploads. RE2 lets each DFA grow to 8 MiB;
 * kept across uploads for 10,000 cached patterns, names chosen to make new states could fill a
 * Lambda's memory. Past this, the states are dropped and rebuilt on the next name (at most one
 * per character, so the cost stays linear).
 */
export const MAX_DFA_BYTES_KEPT = 16 * 1024;

/** The parts of re2js's lazy DFA that say how much it holds (not in its typings; absent on other versions). */
interface DfaState {
  stateBudget: number;
  memBudget: number;
  clearCache(): void;
}

function dfaOf(re: RE2JS): Partial<DfaState> | undefined {
  return (re.re2() as unknown as { lazyDFA?: Partial<DfaState> | null }).lazyDFA ?? undefined;
}

function dfaBytesOf(re: RE2JS): number {
  const dfa = dfaOf(re);
  return dfa && typeof dfa.stateBudget === 'number' && typeof dfa.memBudget === 'number' ? dfa.stateBudget - dfa.memBudget : 0;
}

function trimDfaCache(re: RE2JS): void {
  const dfa = dfaOf(re);
  if (dfa && typeof dfa.clearCache === 'function' && dfaBytesOf(re) > MAX_DFA_BYTES_KEPT) dfa.clearCache();
}

/** Bytes (as RE2 counts them) a compiled pattern's DFA holds now; 0 before its first yes/no match. */
export function dfaBytesHeld(pattern: string): number {
  return dfaBytesOf(compileUserPattern(pattern));
}
