import * as z from 'zod/mini';
import { queueBody } from './queue-body.ts';

const nonEmpty = z.string().check(z.minLength(1));

/** A Twilio status callback the webhook could not apply in time, on its way to the deferred consumer. */
export const statusCallbackSchema = z.object({
  messageSid: nonEmpty,
  messageStatus: nonEmpty,
  errorCode: z.optional(z.string()),
  /** The notification named in the callback URL we gave Twilio, when present. */
  ref: z.optional(z.object({ userId: nonEmpty, notificationId: nonEmpty })),
});

export type StatusCallback = z.output<typeof statusCallbackSchema>;

/** Status-callback queue bodies: the status webhook builds them, the deferred consumer parses them. */
export const statusCallbackBody = queueBody(statusCallbackSchema, 'a status callback');
