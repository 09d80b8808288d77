import { describe, it, expect } from 'vitest';
import { compileUserPattern, MAX_PATTERN_LENGTH, patternFinds, UserPatternError } from '../../../shared/domain/user-pattern.ts';

function refusal(pattern: string): UserPatternError {
  try {
    compileUserPattern(pattern);
  } catch (err) {
    if (err instanceof UserPatternError) return err;
    throw err;
  }
  throw new Error(`Pattern ${pattern} was accepted.`);
}

describe('compileUserPattern', () => {
  it('refuses a backreference and says the engine has none', () => {
    const err = refusal('(a)\\1');
    expect(err.message).toMatch(/fileNameRegex/);
    expect(err.message).toMatch(/\\1/);
    expect(err.message).toMatch(/no backreferences/);
  });

  it.each(['(?=x)', '(?!x)', '(?<=x)a', '(?<!x)a'])('refuses the lookaround %s and says the engine has none', (pattern) => {
    expect(refusal(pattern).message).toMatch(/lookaround/);
  });

  it('refuses a malformed pattern with the reason', () => {
    expect(refusal('[a-').message).toMatch(/missing closing \]/);
  });

  it('refuses a pattern longer than the limit and names the limit', () => {
    const err = refusal('a'.repeat(MAX_PATTERN_LENGTH + 1));
    expect(err.message).toContain(String(MAX_PATTERN_LENGTH));
  });

  it('accepts a pattern exactly at the length limit', () => {
    expect(() => compileUserPattern('b'.repeat(MAX_PATTERN_LENGTH))).not.toThrow();
  });

  it('returns the same compiled object for the same pattern', () => {
    const first = compileUserPattern('^invoice-[0-9]+\\.pdf$');
    expect(compileUserPattern('^invoice-[0-9]+\\.pdf$')).toBe(first);
    expect(compileUserPattern('^invoice-[0-9]+\\.csv$')).not.toBe(first);
  });
});

describe('patternFinds', () => {
  it('answers false for a catastrophic-backtracking pattern on a hostile input (linear engine)', () => {
    expect(patternFinds('(a+)+$', `${'a'.repeat(50_000)}!`)).toBe(false);
  });

  it('still finds what that pattern does match', () => {
    expect(patternFinds('(a+)+$', 'baaa')).toBe(true);
  });

  it('searches anywhere in the text unless anchored', () => {
    expect(patternFinds('port', 'report.pdf')).toBe(true);
    expect(patternFinds('^port', 'report.pdf')).toBe(false);
    expect(patternFinds('pdf$', 'report.pdf')).toBe(true);
    expect(patternFinds('report$', 'report.pdf')).toBe(false);
  });
});
