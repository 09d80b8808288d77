import { describe, it, expect } from 'vitest';
import { allowedContentTypes, createUploadSchema, MAX_UPLOAD_BYTES } from '../../../shared/schemas/upload.schema.ts';

const request = { fileName: 'report.pdf', contentType: 'application/pdf', size: 1024 };

function refusedOn(value: unknown): string[] {
  const result = createUploadSchema.safeParse(value);
  expect(result.success).toBe(false);
  return result.error?.issues.map((i) => i.path.join('.')) ?? [];
}

describe('createUploadSchema', () => {
  it('accepts a plain request and defaults tags to none', () => {
    expect(createUploadSchema.parse(request)).toEqual({ ...request, tags: [] });
  });

  describe('size', () => {
    it('accepts 1 byte and exactly the maximum', () => {
      expect(createUploadSchema.parse({ ...request, size: 1 }).size).toBe(1);
      expect(createUploadSchema.parse({ ...request, size: MAX_UPLOAD_BYTES }).size).toBe(MAX_UPLOAD_BYTES);
    });

    it('refuses one byte over the maximum', () => {
      expect(refusedOn({ ...request, size: MAX_UPLOAD_BYTES + 1 })).toEqual(['size']);
    });

    it('refuses an empty file', () => {
      expect(refusedOn({ ...request, size: 0 })).toEqual(['size']);
    });

    it('refuses a fractional or negative size', () => {
      expect(refusedOn({ ...request, size: 10.5 })).toEqual(['size']);
      expect(refusedOn({ ...request, size: -1 })).toEqual(['size']);
    });

    it('refuses a size sent as a string', () => {
      expect(refusedOn({ ...request, size: '1024' })).toEqual(['size']);
    });
  });

  describe('contentType', () => {
    it.each(allowedContentTypes)('accepts %s', (contentType) => {
      expect(createUploadSchema.parse({ ...request, contentType }).contentType).toBe(contentType);
    });

    it('accepts an allowed type in any case and stores it lower-cased', () => {
      expect(createUploadSchema.parse({ ...request, contentType: 'Application/PDF' }).contentType).toBe('application/pdf');
      expect(createUploadSchema.parse({ ...request, contentType: 'IMAGE/JPEG' }).contentType).toBe('image/jpeg');
    });

    it('refuses a type outside the allowlist and lists the allowed ones', () => {
      const result = createUploadSchema.safeParse({ ...request, contentType: 'text/html' });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(['contentType']);
      expect(result.error?.issues[0]?.message).toContain('application/pdf');
    });

    it('refuses a type the allowlist only resembles', () => {
      expect(refusedOn({ ...request, contentType: 'application/pdf; charset=binary' })).toEqual(['contentType']);
      expect(refusedOn({ ...request, contentType: 'image/svg+xml' })).toEqual(['contentType']);
    });
  });

  describe('fileName', () => {
    it('accepts 255 characters', () => {
      expect(createUploadSchema.parse({ ...request, fileName: `${'a'.repeat(251)}.pdf` }).fileName).toHaveLength(255);
    });

    it('refuses 256 characters', () => {
      expect(refusedOn({ ...request, fileName: `${'a'.repeat(252)}.pdf` })).toEqual(['fileName']);
    });

    it('refuses an empty name', () => {
      expect(refusedOn({ ...request, fileName: '' })).toContain('fileName');
    });

    it.each(['../etc/passwd', 'a/b.pdf', 'a\\b.pdf'])('refuses the path-like name %j', (fileName) => {
      expect(refusedOn({ ...request, fileName })).toContain('fileName');
    });

    it.each(['line\nbreak.pdf', 'nul\u0000.pdf', 'tab\t.pdf', 'del\u007f.pdf', 'next-line\u0085.pdf', 'csi\u009b31m.pdf'])(
      'refuses the control characters in %j',
      (fileName) => {
        expect(refusedOn({ ...request, fileName })).toContain('fileName');
      },
    );

    it.each(['.', '..', ' report.pdf', 'report.pdf '])('refuses %j', (fileName) => {
      expect(refusedOn({ ...request, fileName })).toContain('fileName');
    });

    it('accepts spaces and non-ASCII letters inside the name', () => {
      expect(createUploadSchema.parse({ ...request, fileName: 'Résumé final (v2).pdf' }).fileName).toBe('Résumé final (v2).pdf');
    });
  });

  describe('tags', () => {
    it('accepts ten tags of up to fifty characters', () => {
      const tags = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(50, 'x'));
      expect(createUploadSchema.parse({ ...request, tags }).tags).toEqual(tags);
    });

    it('refuses an eleventh tag', () => {
      expect(refusedOn({ ...request, tags: Array.from({ length: 11 }, (_, i) => `t${i}`) })).toEqual(['tags']);
    });

    it('refuses a tag of 51 characters', () => {
      expect(refusedOn({ ...request, tags: ['x'.repeat(51)] })).toEqual(['tags.0']);
    });

    it('refuses an empty tag', () => {
      expect(refusedOn({ ...request, tags: ['  '] })).toEqual(['tags.0']);
    });

    it('refuses a repeated tag', () => {
      expect(refusedOn({ ...request, tags: ['finance', 'q3', 'finance'] })).toEqual(['tags']);
    });

    it('refuses tags that repeat once trimmed', () => {
      expect(refusedOn({ ...request, tags: ['finance', ' finance '] })).toEqual(['tags']);
    });
  });

  it('refuses an unknown field', () => {
    expect(createUploadSchema.safeParse({ ...request, userId: 'mallory' }).success).toBe(false);
  });
});
