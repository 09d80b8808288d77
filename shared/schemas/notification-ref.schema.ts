import * as z from 'zod/mini';
import { orDeadLetter, queueBody } from './queue-body.ts';

const nonEmpty = z.string().check(z.minLength(1));

/**
 * A body on the notification queue and its priority lane: the notification to send, the send
 * slot it booked when it was put back to wait for it (`notBefore`, epoch ms), and the due time a
 * scheduled send's timer was set for (`dueAt`).
 */
export const notificationRefSchema = z.object({
  userId: nonEmpty,
  notificationId: nonEmpty,
  notBefore: z.optional(z.number()),
  dueAt: z.optional(z.string()),
});

export type NotificationRefBody = z.output<typeof notificationRefSchema>;

/** Notification queue bodies: the fan-out, the sweep and the sender's deferrals build them; the sender parses them. */
export const notificationRefBody = queueBody(orDeadLetter(notificationRefSchema), 'a notification reference');
