import { describe, it, expect } from 'vitest';
import { canAdvance, fromTwilioStatus, notificationStatuses, type NotificationStatus } from '../../../shared/domain/notification-status.ts';

// The contract's order, written out independently of the source's rank table.
const stage: Record<NotificationStatus, number> = {
  scheduled: -1,
  pending: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  suppressed: 4,
  read: 5,
  canceled: 4,
};
const expected = (from: NotificationStatus, to: NotificationStatus) =>
  to === 'read' ? from === 'delivered' : to === 'canceled' ? from === 'scheduled' || from === 'pending' : stage[to] > stage[from];

describe('canAdvance', () => {
  it('knows every status the contract names, and read', () => {
    expect([...notificationStatuses].sort()).toEqual(Object.keys(stage).sort());
  });

  const pairs = notificationStatuses.flatMap((from) => notificationStatuses.map((to) => [from, to] as const));

  it.each(pairs)('from %s to %s follows the forward-only order', (from, to) => {
    expect(canAdvance(from, to)).toBe(expected(from, to));
  });

  it('never lets a status stay where it is', () => {
    for (const s of notificationStatuses) expect(canAdvance(s, s)).toBe(false);
  });

  it('never moves backwards', () => {
    expect(canAdvance('delivered', 'sent')).toBe(false);
    expect(canAdvance('sent', 'queued')).toBe(false);
    expect(canAdvance('queued', 'pending')).toBe(false);
  });

  it('lets the first final outcome stand', () => {
    expect(canAdvance('delivered', 'undelivered')).toBe(false);
    expect(canAdvance('failed', 'delivered')).toBe(false);
    expect(canAdvance('undelivered', 'failed')).toBe(false);
  });

  it('allows read only after delivered', () => {
    expect(canAdvance('delivered', 'read')).toBe(true);
    for (const from of notificationStatuses.filter((s) => s !== 'delivered')) expect(canAdvance(from, 'read')).toBe(false);
  });

  it('allows nothing after read', () => {
    for (const to of notificationStatuses) expect(canAdvance('read', to)).toBe(false);
  });
});

describe('fromTwilioStatus', () => {
  it.each([
    ['accepted', 'queued'],
    ['scheduled', 'queued'],
    ['queued', 'queued'],
    ['sending', 'sending'],
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['undelivered', 'undelivered'],
    ['failed', 'failed'],
    ['canceled', 'failed'],
    ['read', 'read'],
  ])('maps Twilio %s to %s', (twilio, ours) => {
    expect(fromTwilioStatus(twilio)).toBe(ours);
  });

  it.each(['receiving', 'received', 'partially_delivered', '', 'DELIVERED'])('ignores %j, which says nothing new', (twilio) => {
    expect(fromTwilioStatus(twilio)).toBeUndefined();
  });
});
