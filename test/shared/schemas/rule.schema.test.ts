import { describe, it, expect } from 'vitest';
import type { ValidationIssues } from '../../../shared/validation.ts';
import { validationError } from '../../../shared/http.ts';
import { createRuleSchema, patchRuleSchema } from '../../../shared/schemas/rule.schema.ts';

const smsRule = { eventType: 'file_upload', notifyVia: 'sms', target: '+14155550100' };

function issuesOf(result: { success: boolean; error?: ValidationIssues }) {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

describe('createRuleSchema', () => {
  it('accepts a minimal rule and makes it active by default', () => {
    const parsed = createRuleSchema.parse(smsRule);
    expect(parsed).toEqual({ ...smsRule, isActive: true });
  });

  it('keeps isActive false when the rule says so', () => {
    expect(createRuleSchema.parse({ ...smsRule, isActive: false }).isActive).toBe(false);
  });

  it.each(['sms', 'mms', 'whatsapp'] as const)('normalises a %s target to E.164', (notifyVia) => {
    expect(createRuleSchema.parse({ ...smsRule, notifyVia, target: '+1 (415) 555-0100' }).target).toBe('+14155550100');
  });

  it('tolerates a whatsapp: prefix on a whatsapp target and stores plain E.164', () => {
    expect(createRuleSchema.parse({ ...smsRule, notifyVia: 'whatsapp', target: 'whatsapp:+1 415 555 0100' }).target).toBe('+14155550100');
  });

  it("accepts Twilio's +1 500 555 test numbers", () => {
    expect(createRuleSchema.parse({ ...smsRule, target: '+1 500 555 0006' }).target).toBe('+15005550006');
  });

  it('refuses a bad phone number with an issue on target that says what to send', () => {
    const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, target: '555-0100' }));
    expect(issues).toEqual([
      { path: 'target', message: expect.stringMatching(/valid phone number in E\.164 form \(such as \+14155550100\) for the sms channel/) },
    ]);
  });

  it('lists every bad field at once, the target and the pattern among them, even when plain fields are wrong too', () => {
    const issues = issuesOf(
      createRuleSchema.safeParse({ ...smsRule, fileType: '.pdf', minSizeKb: -1, target: '555-0100', fileNameRegex: '(a)\\1', messageTemplate: 'Hi {{nope}}' }),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['fileNameRegex', 'fileType', 'messageTemplate', 'minSizeKb', 'target']);
  });

  it('refuses a target with text around the number', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, target: 'call me at +14155550100' })).map((i) => i.path)).toEqual(['target']);
  });

  it('refuses a national number without a country code', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, target: '4155550100' })).map((i) => i.path)).toEqual(['target']);
  });

  it('refuses an email address as an sms target', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, target: 'alice@example.com' })).map((i) => i.path)).toEqual(['target']);
  });

  it('validates and lower-cases an email target for the email channel', () => {
    expect(createRuleSchema.parse({ ...smsRule, notifyVia: 'email', target: ' Alice@Example.COM ' }).target).toBe('alice@example.com');
  });

  it('refuses a phone number as an email target', () => {
    const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, notifyVia: 'email', target: '+14155550100' }));
    expect(issues).toEqual([{ path: 'target', message: 'target must be an email address for the email channel.' }]);
  });

  it('turns a bad target into an error message a person can act on', () => {
    const result = createRuleSchema.safeParse({ ...smsRule, target: 'call me' });
    expect(result.success).toBe(false);
    const err = validationError(result.error!, 'body');
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('target must be a valid phone number in E.164 form (such as +14155550100) for the sms channel.');
    expect(err.details).toEqual([{ field: 'target', message: err.message }]);
  });

  it('refuses an unknown field, so a typo cannot widen the rule', () => {
    const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, filetype: 'pdf' }));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/filetype/);
  });

  it('refuses an eventType other than file_upload', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, eventType: 'file_deleted' })).map((i) => i.path)).toEqual(['eventType']);
  });

  it('refuses an unknown channel', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, notifyVia: 'fax' })).map((i) => i.path)).toEqual(['notifyVia']);
  });

  it('stores fileType lower-cased', () => {
    expect(createRuleSchema.parse({ ...smsRule, fileType: 'PDF' }).fileType).toBe('pdf');
  });

  it('refuses a fileType with a dot', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, fileType: '.pdf' })).map((i) => i.path)).toEqual(['fileType']);
  });

  it('accepts null criteria as "any"', () => {
    const parsed = createRuleSchema.parse({ ...smsRule, fileType: null, fileNameRegex: null, minSizeKb: null });
    expect(parsed).toMatchObject({ fileType: null, fileNameRegex: null, minSizeKb: null });
  });

  it('refuses a negative minSizeKb', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, minSizeKb: -1 })).map((i) => i.path)).toEqual(['minSizeKb']);
  });

  it('refuses a pattern the engine cannot run with an issue on fileNameRegex', () => {
    const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, fileNameRegex: '(a)\\1' }));
    expect(issues).toEqual([{ path: 'fileNameRegex', message: expect.stringMatching(/backreferences/) }]);
  });

  it.each(['(((.{0,10}){0,10}){0,10})', '(((.{0,10}){0,10}){0,10})(((.{0,10}){0,10}){0,10})', '[a-z]{0,1000}'])(
    'refuses %s, too costly to run on every upload, naming its size',
    (pattern) => {
      const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, fileNameRegex: pattern }));
      expect(issues).toEqual([{ path: 'fileNameRegex', message: expect.stringMatching(/too costly .* compiles to \d+ steps, at most 500/) }]);
    },
  );

  it.each(['((ab|a)(b|ba)){0,20}$', '((xy|x)(y|yx)){0,20}$|q'])(
    'refuses %s, small but building too much matcher state on a 255-character name, naming what it builds',
    (pattern) => {
      const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, fileNameRegex: pattern }));
      expect(issues).toEqual([{ path: 'fileNameRegex', message: expect.stringMatching(/too costly .* builds \d+ KB of matcher state, at most 40 KB/) }]);
    },
  );

  it.each([
    '^(invoice|report)-\\d+-.*\\.(pdf|csv)$',
    '(?i)q[1-4][-_ ]?20\\d\\d',
    '.{0,200}',
    '((.{0,5}){0,5})',
    '(?i)(report|invoice|statement)[-_ ]?\\d{4}',
    '(?i)\\.(pdf|docx?)$',
  ])('accepts the everyday pattern %s', (pattern) => {
    expect(createRuleSchema.safeParse({ ...smsRule, fileNameRegex: pattern }).success).toBe(true);
  });

  it('refuses a malformed pattern with an issue on fileNameRegex', () => {
    expect(issuesOf(createRuleSchema.safeParse({ ...smsRule, fileNameRegex: '([a-z' })).map((i) => i.path)).toEqual(['fileNameRegex']);
  });

  it('accepts a usable pattern unchanged', () => {
    expect(createRuleSchema.parse({ ...smsRule, fileNameRegex: '^invoice-\\d+' }).fileNameRegex).toBe('^invoice-\\d+');
  });

  it('refuses an unknown template placeholder with an issue on messageTemplate', () => {
    const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, messageTemplate: 'Got {{filename}}' }));
    expect(issues).toEqual([{ path: 'messageTemplate', message: expect.stringContaining('{{filename}}') }]);
  });

  it('accepts a template with known placeholders', () => {
    expect(createRuleSchema.parse({ ...smsRule, messageTemplate: 'Got {{fileName}}: {{downloadUrl}}' }).messageTemplate).toBe(
      'Got {{fileName}}: {{downloadUrl}}',
    );
  });

  it('reports every problem of a rule at once', () => {
    const issues = issuesOf(createRuleSchema.safeParse({ ...smsRule, target: 'nope', fileNameRegex: '(?=x)', messageTemplate: '{{who}}' }));
    expect(issues.map((i) => i.path).sort()).toEqual(['fileNameRegex', 'messageTemplate', 'target']);
  });
});

describe('patchRuleSchema', () => {
  it('refuses an empty patch with a message saying what to send', () => {
    const issues = issuesOf(patchRuleSchema.safeParse({}));
    expect(issues).toEqual([{ path: '', message: 'The patch is empty; send at least one field to change.' }]);
  });

  it('accepts a patch of one field and adds no others', () => {
    expect(patchRuleSchema.parse({ isActive: false })).toEqual({ isActive: false });
  });

  it('accepts null to clear a criterion', () => {
    expect(patchRuleSchema.parse({ fileType: null })).toEqual({ fileType: null });
  });

  it('refuses an unknown field', () => {
    expect(patchRuleSchema.safeParse({ ruleId: 'other' }).success).toBe(false);
  });
});
