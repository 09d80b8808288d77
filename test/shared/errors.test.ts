import { describe, expect, it } from 'vitest';
import { DeferError } from '../../shared/errors.ts';

describe('DeferError.delayAt', () => {
  it('counts a delay to `until` from when the copy is sent, rounded up to whole seconds', () => {
    const deferred = new DeferError('waiting', 3, undefined, 10_000);
    // Asked when the error was made, and 700 ms later: the record still comes back at 10 s or after.
    expect(deferred.delayAt(7_500)).toBe(3);
    expect(deferred.delayAt(8_200)).toBe(2);
  });

  it('keeps to what SQS takes: at least a second, at most fifteen minutes', () => {
    expect(new DeferError('waiting', 3, undefined, 10_000).delayAt(10_500)).toBe(1);
    expect(new DeferError('waiting', 5_000).delayAt(0)).toBe(900);
    expect(new DeferError('waiting', 0).delayAt(0)).toBe(1);
  });

  it('uses the delay it was given when it has no `until`', () => {
    expect(new DeferError('circuit open', 30).delayAt(123_456)).toBe(30);
  });
});
