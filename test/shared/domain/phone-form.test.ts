import { describe, expect, it } from 'vitest';
import { toE164 } from '../../../shared/domain/phone.ts';
import { e164Form } from '../../../shared/domain/phone-form.ts';

describe('e164Form', () => {
  it.each([
    '+14155550100',
    '+1 415 555 0100',
    '+1 (415) 555-0100',
    '+1.415.555.0100',
    '  +14155550100  ',
    '+44 20 7946 0958',
    '+44 (0)20 7946 0958',
    '+49 30 901820',
    '+1 500 555 0006',
  ])('gives %j the same E.164 as the phone library does', (input) => {
    expect(e164Form(input)).toBe(toE164(input));
    expect(e164Form(input)).toMatch(/^\+[1-9]\d{1,14}$/);
  });

  it.each([
    '',
    'abc',
    '4155550100',
    '(415) 555-0100',
    '+0 415 555 0100',
    '+12345678901234567',
    'tel:+14155550100',
    'call me at +14155550100',
    '+1 415 555 0100 ext. 5',
  ])('refuses %j, which is no number in international form', (input) => {
    expect(e164Form(input)).toBeUndefined();
  });

  it('takes a well-formed number the library holds invalid as it is: a lookup of it finds nothing stored', () => {
    expect(toE164('+999 1234567')).toBeUndefined();
    expect(e164Form('+999 1234567')).toBe('+9991234567');
  });
});
