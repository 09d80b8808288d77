import { describe, it, expect } from 'vitest';
import { fileTypeOf } from '../../../shared/domain/file-type.ts';

describe('fileTypeOf', () => {
  it('is the extension without the dot', () => {
    expect(fileTypeOf('report.pdf')).toBe('pdf');
  });

  it('lower-cases the extension', () => {
    expect(fileTypeOf('SCAN.PDF')).toBe('pdf');
    expect(fileTypeOf('photo.JpEg')).toBe('jpeg');
  });

  it('takes only the last extension', () => {
    expect(fileTypeOf('backup.tar.gz')).toBe('gz');
  });

  it('is empty for a name without an extension', () => {
    expect(fileTypeOf('README')).toBe('');
  });

  it('is empty for a hidden file whose only dot leads the name', () => {
    expect(fileTypeOf('.env')).toBe('');
  });

  it('gives a hidden file with an extension that extension', () => {
    expect(fileTypeOf('.config.json')).toBe('json');
  });

  it('is empty for a name ending in a dot', () => {
    expect(fileTypeOf('draft.')).toBe('');
  });

  it('looks only at the last path segment', () => {
    expect(fileTypeOf('archive.d/notes')).toBe('');
  });
});
