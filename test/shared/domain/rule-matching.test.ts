import { describe, it, expect } from 'vitest';
import { matchingRules, matchWithinBudget, ruleMatches, type RuleCriteria, type UploadFacts } from '../../../shared/domain/rule-matching.ts';

const anyUpload: RuleCriteria = { eventType: 'file_upload', isActive: true };

const upload = (overrides: Partial<UploadFacts> = {}): UploadFacts => ({
  eventType: 'file_upload',
  fileName: 'quarterly-report.pdf',
  fileType: 'pdf',
  sizeBytes: 200 * 1024,
  ...overrides,
});

describe('ruleMatches', () => {
  it('matches any upload when the rule sets no criteria', () => {
    expect(ruleMatches(anyUpload, upload())).toBe(true);
  });

  describe('eventType', () => {
    it('does not match an event of another type', () => {
      const otherEvent = { ...upload(), eventType: 'file_deleted' } as unknown as UploadFacts;
      expect(ruleMatches(anyUpload, otherEvent)).toBe(false);
    });
  });

  describe('fileType', () => {
    it('matches any type when fileType is absent', () => {
      expect(ruleMatches(anyUpload, upload({ fileName: 'a.zip', fileType: 'zip' }))).toBe(true);
    });

    it('matches any type when fileType is null', () => {
      expect(ruleMatches({ ...anyUpload, fileType: null }, upload({ fileName: 'a.zip', fileType: 'zip' }))).toBe(true);
    });

    it('matches the same type', () => {
      expect(ruleMatches({ ...anyUpload, fileType: 'pdf' }, upload())).toBe(true);
    });

    it('matches the same type whatever its case', () => {
      expect(ruleMatches({ ...anyUpload, fileType: 'PDF' }, upload({ fileType: 'pdf' }))).toBe(true);
      expect(ruleMatches({ ...anyUpload, fileType: 'pdf' }, upload({ fileType: 'PDF' }))).toBe(true);
    });

    it('does not match another type', () => {
      expect(ruleMatches({ ...anyUpload, fileType: 'pdf' }, upload({ fileName: 'a.docx', fileType: 'docx' }))).toBe(false);
    });

    it('treats jpg and jpeg as different types', () => {
      expect(ruleMatches({ ...anyUpload, fileType: 'jpg' }, upload({ fileName: 'a.jpeg', fileType: 'jpeg' }))).toBe(false);
      expect(ruleMatches({ ...anyUpload, fileType: 'jpeg' }, upload({ fileName: 'a.jpg', fileType: 'jpg' }))).toBe(false);
    });

    it('does not match a file without an extension', () => {
      expect(ruleMatches({ ...anyUpload, fileType: 'pdf' }, upload({ fileName: 'README', fileType: '' }))).toBe(false);
    });
  });

  describe('fileNameRegex', () => {
    it('matches any name when the pattern is absent', () => {
      expect(ruleMatches(anyUpload, upload({ fileName: 'anything at all.txt' }))).toBe(true);
    });

    it('matches any name when the pattern is null', () => {
      expect(ruleMatches({ ...anyUpload, fileNameRegex: null }, upload({ fileName: 'anything at all.txt' }))).toBe(true);
    });

    it('finds the pattern in the middle of the name (search, not a full match)', () => {
      expect(ruleMatches({ ...anyUpload, fileNameRegex: 'report' }, upload({ fileName: 'q3-report-final.pdf' }))).toBe(true);
    });

    it('does not match a name the pattern is not found in', () => {
      expect(ruleMatches({ ...anyUpload, fileNameRegex: 'invoice' }, upload({ fileName: 'q3-report-final.pdf' }))).toBe(false);
    });

    it('anchors only where the pattern anchors itself', () => {
      const anchored = { ...anyUpload, fileNameRegex: '^report' };
      expect(ruleMatches(anchored, upload({ fileName: 'report-q3.pdf' }))).toBe(true);
      expect(ruleMatches(anchored, upload({ fileName: 'q3-report.pdf' }))).toBe(false);
    });

    it('is case-sensitive unless the pattern asks otherwise', () => {
      expect(ruleMatches({ ...anyUpload, fileNameRegex: 'Report' }, upload({ fileName: 'report.pdf' }))).toBe(false);
      expect(ruleMatches({ ...anyUpload, fileNameRegex: '(?i)Report' }, upload({ fileName: 'report.pdf' }))).toBe(true);
    });
  });

  describe('minSizeKb', () => {
    it('counts KiB of 1024 bytes: exactly minSizeKb * 1024 bytes matches', () => {
      expect(ruleMatches({ ...anyUpload, minSizeKb: 100 }, upload({ sizeBytes: 100 * 1024 }))).toBe(true);
    });

    it('does not match one byte below minSizeKb * 1024', () => {
      expect(ruleMatches({ ...anyUpload, minSizeKb: 100 }, upload({ sizeBytes: 100 * 1024 - 1 }))).toBe(false);
    });

    it('does not count a kilobyte as 1000 bytes', () => {
      expect(ruleMatches({ ...anyUpload, minSizeKb: 100 }, upload({ sizeBytes: 100 * 1000 }))).toBe(false);
    });

    it('compares fractional minimums in KiB', () => {
      expect(ruleMatches({ ...anyUpload, minSizeKb: 0.5 }, upload({ sizeBytes: 512 }))).toBe(true);
      expect(ruleMatches({ ...anyUpload, minSizeKb: 0.5 }, upload({ sizeBytes: 511 }))).toBe(false);
    });

    it('matches any size when minSizeKb is null or absent', () => {
      expect(ruleMatches({ ...anyUpload, minSizeKb: null }, upload({ sizeBytes: 1 }))).toBe(true);
      expect(ruleMatches(anyUpload, upload({ sizeBytes: 1 }))).toBe(true);
    });

    it('matches even an empty file when minSizeKb is 0', () => {
      expect(ruleMatches({ ...anyUpload, minSizeKb: 0 }, upload({ sizeBytes: 0 }))).toBe(true);
    });
  });

  describe('isActive', () => {
    it('never matches when the rule is inactive, even if every criterion fits', () => {
      const inactive: RuleCriteria = { eventType: 'file_upload', fileType: 'pdf', fileNameRegex: 'report', minSizeKb: 1, isActive: false };
      expect(ruleMatches({ ...inactive, isActive: true }, upload())).toBe(true);
      expect(ruleMatches(inactive, upload())).toBe(false);
    });
  });

  it('requires every criterion to hold at once', () => {
    const rule: RuleCriteria = { eventType: 'file_upload', fileType: 'pdf', fileNameRegex: 'report', minSizeKb: 100, isActive: true };
    expect(ruleMatches(rule, upload())).toBe(true);
    expect(ruleMatches(rule, upload({ fileName: 'report.docx', fileType: 'docx' }))).toBe(false);
    expect(ruleMatches(rule, upload({ fileName: 'invoice.pdf' }))).toBe(false);
    expect(ruleMatches(rule, upload({ sizeBytes: 1024 }))).toBe(false);
  });
});

describe('matchingRules', () => {
  it('returns every matching rule, in the order given, and leaves the rest out', () => {
    const rules = [
      { id: 'r1', ...anyUpload, fileType: 'pdf' },
      { id: 'r2', ...anyUpload, fileType: 'docx' },
      { id: 'r3', ...anyUpload, fileNameRegex: 'quarterly' },
      { id: 'r4', ...anyUpload, isActive: false },
      { id: 'r5', ...anyUpload, minSizeKb: 100 },
    ];
    expect(matchingRules(rules, upload()).map((r) => r.id)).toEqual(['r1', 'r3', 'r5']);
    expect(matchingRules([...rules].reverse(), upload()).map((r) => r.id)).toEqual(['r5', 'r3', 'r1']);
  });

  it('returns nothing when no rule matches', () => {
    expect(matchingRules([{ ...anyUpload, fileType: 'png' }], upload())).toEqual([]);
  });
});

describe('matchWithinBudget', () => {
  /** A clock that moves a millisecond each time it is read, so the budget is spent after that many reads. */
  const ticking = () => {
    let now = 0;
    return () => now++;
  };
  const withPattern = (fileNameRegex: string): RuleCriteria => ({ ...anyUpload, fileNameRegex });

  it('stops running patterns once the upload’s budget is spent, counting the rules left unchecked', () => {
    const rules = Array.from({ length: 10 }, (_, i) => withPattern(`report${i}?`));
    const { matched, unchecked } = matchWithinBudget(rules, upload(), { ms: 3, clock: ticking() });
    expect(matched.length + unchecked).toBe(10);
    expect(unchecked).toBeGreaterThan(0);
    expect(matched.length).toBeLessThanOrEqual(3);
  });

  it('still matches every rule without a pattern, and runs a pattern shared by many rules once', () => {
    const rules = [anyUpload, ...Array.from({ length: 50 }, () => withPattern('report')), { ...anyUpload, fileType: 'pdf' }];
    const { matched, unchecked } = matchWithinBudget(rules, upload(), { ms: 2, clock: ticking() });
    expect(unchecked).toBe(0);
    expect(matched).toHaveLength(52);
  });

  it('matches all as matchingRules does when the budget suffices (control)', () => {
    const rules = [withPattern('^quarterly'), withPattern('^annual'), anyUpload];
    expect(matchWithinBudget(rules, upload(), { ms: 1e9 })).toEqual({ matched: matchingRules(rules, upload()), unchecked: 0 });
  });
});
