import { describe, it, expect } from 'vitest';
import { toE164 } from '../../../shared/domain/phone.ts';

describe('toE164', () => {
  it('keeps a number already in E.164', () => {
    expect(toE164('+14155550100')).toBe('+14155550100');
  });

  it.each([
    ['+1 415 555 0100', '+14155550100'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['+1.415.555.0100', '+14155550100'],
    ['  +14155550100  ', '+14155550100'],
    ['+44 20 7946 0958', '+442079460958'],
    ['+49 30 901820', '+4930901820'],
  ])('normalises %j to %s', (input, e164) => {
    expect(toE164(input)).toBe(e164);
  });

  it.each([
    ['+1 500 555 0006', '+15005550006'],
    ['+15005550001', '+15005550001'],
    ['+1 500 555 0009', '+15005550009'],
  ])("accepts Twilio's test number %j", (input, e164) => {
    expect(toE164(input)).toBe(e164);
  });

  it.each(['4155550100', '(415) 555-0100', '020 7946 0958'])('refuses the national format %j without a +', (input) => {
    expect(toE164(input)).toBeUndefined();
  });

  it.each(['', 'abc', '+1234', '+1 415 555 01000', '+12345678901234567', '+999 1234567'])('refuses the invalid number %j', (input) => {
    expect(toE164(input)).toBeUndefined();
  });

  it.each(['call me at +14155550100', 'abc+14155550100', '+14155550100abc', 'tel:+14155550100'])(
    'refuses a number buried in other text, %j, rather than guessing',
    (input) => {
      expect(toE164(input)).toBeUndefined();
    },
  );

  it.each(['+14155550100 ext. 5', '+14155550100;ext=5', '+1 415 555 0100 x12'])('refuses %j, whose extension a text message could not reach', (input) => {
    expect(toE164(input)).toBeUndefined();
  });
});
