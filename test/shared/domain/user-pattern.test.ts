import { describe, it, expect, vi } from 'vitest';
import {
  compileUserPattern,
  dfaBytesHeld,
  MAX_DFA_BYTES_KEPT,
  MAX_PATTERN_LENGTH,
  patternEngine,
  patternFinds,
  UserPatternError,
} from '../../../shared/domain/user-pattern.ts';

const RE2JS = patternEngine();

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

describe('patternFinds on the capture-free path', () => {
  it('decides a match without asking where it is (no matcher, so no position tracking)', () => {
    const matcher = vi.spyOn(RE2JS.prototype, 'matcher');
    try {
      expect(patternFinds('((.{0,7}){0,7}){0,4}x', 'a'.repeat(255))).toBe(false);
      expect(patternFinds('(?i)q1[-_ ]?20\\d\\d', 'report-Q1_2026.pdf')).toBe(true);
      expect(matcher).not.toHaveBeenCalled();
    } finally {
      matcher.mockRestore();
    }
  });

  it.each([
    ['((ab|a)(b|ba)){0,20}$', 'ab'.repeat(127)],
    ['[ab]*a[ab]{15}x', 'ab'.repeat(127)],
    ['(a?){30}a{30}c', 'a'.repeat(255)],
    ['(.*)(.*)(.*)x', `${'x'.repeat(250)}.pdf`],
    ['^$', ''],
    ['\\bpdf\\b', 'a.pdf'],
    ['é+$', 'café'],
  ])('answers as a positional search would for %s', (pattern, text) => {
    expect(patternFinds(pattern, text)).toBe(RE2JS.compile(pattern).matcher(text).find());
  });
});

describe('what a cached pattern keeps between uploads', () => {
  it('drops DFA states past the limit, so names chosen to make new states cannot grow memory without end', () => {
    const pattern = '((ab|a)(b|ba)){0,20}$';
    patternFinds(pattern, 'ab');
    expect(dfaBytesHeld(pattern)).toBeGreaterThan(0);
    let most = 0;
    for (let i = 0; i < 40; i++) {
      patternFinds(pattern, `${'ab'.repeat(60 + i)}${'ba'.repeat(i)}-${i}`);
      most = Math.max(most, dfaBytesHeld(pattern));
    }
    expect(most).toBeLessThanOrEqual(MAX_DFA_BYTES_KEPT);
  });
});
