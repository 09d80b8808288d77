import { describe, expect, it } from 'vitest';
import { unsafeCharacters } from '../../../shared/domain/text-hygiene.ts';
import { createTemplateSchema } from '../../../shared/schemas/template.schema.ts';
import { createUploadSchema } from '../../../shared/schemas/upload.schema.ts';

describe('unsafeCharacters', () => {
  it.each([
    ['a right-to-left override', 'invoice\u202Efdp.exe'],
    ['a left-to-right isolate', 'a\u2066b'],
    ['a right-to-left mark', 'a\u200Fb'],
    ['a NUL', 'a\u0000b'],
    ['an escape', 'a\u001b[31mb'],
    ['a DEL', 'a\u007fb'],
  ])('refuses %s', (_what, text) => {
    expect(unsafeCharacters(text)).toBeDefined();
    expect(unsafeCharacters(text, { lineBreaks: true })).toBeDefined();
  });

  it('allows line breaks and tabs only where asked, and every script', () => {
    expect(unsafeCharacters('line\nbreak')).toBeDefined();
    expect(unsafeCharacters('line\r\nbreak\ttab', { lineBreaks: true })).toBeUndefined();
    expect(unsafeCharacters('Rapport trimestriel – فاتورة – 請求書 ✓')).toBeUndefined();
  });
});

describe('schemas refuse them', () => {
  const upload = { fileName: 'a.pdf', contentType: 'application/pdf', size: 1 };
  it('in tags and file names', () => {
    expect(createUploadSchema.safeParse({ ...upload, tags: ['fin\u202Eance'] }).success).toBe(false);
    expect(createUploadSchema.safeParse({ ...upload, fileName: 'invoice\u202Efdp.exe' }).success).toBe(false);
    expect(createUploadSchema.safeParse({ ...upload, tags: ['finance'] }).success).toBe(true);
  });

  it('in template names and bodies, line breaks allowed in bodies', () => {
    expect(createTemplateSchema.safeParse({ name: 'n', body: 'Hi\u202E {{fileName}}' }).success).toBe(false);
    expect(createTemplateSchema.safeParse({ name: 'n\u0007', body: 'Hi' }).success).toBe(false);
    expect(createTemplateSchema.safeParse({ name: 'n', body: 'Hi\n{{fileName}}' }).success).toBe(true);
  });
});
