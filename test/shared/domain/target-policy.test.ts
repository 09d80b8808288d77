import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGET_POLICY, parseTargetPolicy, targetRefusal } from '../../../shared/domain/target-policy.ts';

describe('targetRefusal under the default policy', () => {
  it.each([
    ['+19005550123', 'premium-rate'],
    ['+449098790123', 'premium-rate'],
    ['+33899123456', 'premium-rate'],
  ])('refuses the premium-rate number %s, naming the field and the type', (number, type) => {
    expect(targetRefusal('target', number, DEFAULT_TARGET_POLICY)).toMatch(
      new RegExp(`^target \\${number} is a ${type} number, which this deployment does not text or call`),
    );
  });

  it.each(['+14155550100', '+447911123456', '+4915112345678', '+18005550100', '+15005550006'])(
    'allows %s (mobile, fixed, toll-free, Twilio test)',
    (number) => {
      expect(targetRefusal('to', number, DEFAULT_TARGET_POLICY)).toBeUndefined();
    },
  );
});

describe('parseTargetPolicy', () => {
  it('keeps the default when nothing is set', () => {
    expect(parseTargetPolicy({})).toEqual(DEFAULT_TARGET_POLICY);
    expect(DEFAULT_TARGET_POLICY.types).not.toContain('PREMIUM_RATE');
    expect(DEFAULT_TARGET_POLICY.types).not.toContain('SHARED_COST');
  });

  it('restricts countries, refusing the others with the list that is allowed', () => {
    const policy = parseTargetPolicy({ countries: 'us, ca' });
    expect(targetRefusal('to', '+14155550100', policy)).toBeUndefined();
    expect(targetRefusal('to', '+4915112345678', policy)).toBe('to +4915112345678 is a number of DE; this deployment texts and calls only numbers of US, CA.');
    expect(targetRefusal('to', '+80012345678', policy)).toMatch(/a number of no country/);
  });

  it('allows only the named types', () => {
    const policy = parseTargetPolicy({ types: 'MOBILE' });
    expect(targetRefusal('forwardTo', '+4915112345678', policy)).toBeUndefined();
    expect(targetRefusal('forwardTo', '+18005550100', policy)).toMatch(/^forwardTo \+18005550100 is a toll-free number/);
    // The operator may allow premium-rate numbers on purpose.
    expect(targetRefusal('to', '+19005550123', parseTargetPolicy({ types: 'PREMIUM_RATE,FIXED_LINE_OR_MOBILE' }))).toBeUndefined();
  });

  it('fails on a setting it does not understand, rather than letting everything through', () => {
    expect(() => parseTargetPolicy({ types: 'PREMIUM' })).toThrow(/Unknown number types PREMIUM/);
    expect(() => parseTargetPolicy({ countries: 'USA' })).toThrow(/ISO 3166/);
  });
});
