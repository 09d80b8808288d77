import { describe, expect, it } from 'vitest';
import { smsSize } from '../../../shared/domain/sms-segments.ts';

describe('smsSize', () => {
  it('fits 160 GSM-7 characters in one segment and splits 161 into two of 153', () => {
    expect(smsSize('a'.repeat(160))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('a'.repeat(161))).toEqual({ encoding: 'GSM-7', units: 161, segments: 2 });
    expect(smsSize('a'.repeat(306))).toMatchObject({ segments: 2 });
    expect(smsSize('a'.repeat(307))).toMatchObject({ segments: 3 });
  });

  it('counts extension characters such as € and { as two septets', () => {
    expect(smsSize('€'.repeat(80))).toEqual({ encoding: 'GSM-7', units: 160, segments: 1 });
    expect(smsSize('{'.repeat(81))).toMatchObject({ encoding: 'GSM-7', units: 162, segments: 2 });
  });

  it('switches the whole message to UCS-2 for one character outside the GSM alphabet', () => {
    expect(smsSize(`${'a'.repeat(69)}ç`)).toEqual({ encoding: 'UCS-2', units: 70, segments: 1 });
    expect(smsSize(`${'a'.repeat(70)}ç`)).toEqual({ encoding: 'UCS-2', units: 71, segments: 2 });
    expect(smsSize('Report ready 📄')).toMatchObject({ encoding: 'UCS-2', units: 15, segments: 1 });
  });

  it('keeps the accented letters GSM-7 has as GSM-7', () => {
    expect(smsSize('Ça va? Ñoño à Zürich')).toMatchObject({ encoding: 'GSM-7' });
  });

  it('gives an empty text no segments', () => {
    expect(smsSize('')).toEqual({ encoding: 'GSM-7', units: 0, segments: 0 });
  });
});
