import * as z from 'zod/mini';
import { queueBody } from './queue-body.ts';

/**
 * One record on the voice queue: work the voice webhooks hand to the voice worker (a missed call
 * to answer, an inbound text to file, a claimed number's messages to adopt) and the hand-off
 * timers the worker sets itself.
 */
export const voiceTaskSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('missed-call'), callId: z.string() }),
  z.object({
    kind: z.literal('inbound'),
    userId: z.string(),
    lineId: z.string(),
    from: z.string(),
    body: z.string(),
    messageSid: z.string(),
    receivedAt: z.string(),
  }),
  z.object({ kind: z.literal('handoff'), conversationId: z.string(), since: z.string(), timerId: z.string() }),
  /** A line claimed `number`: the messages kept for it become `userId`'s. */
  z.object({ kind: z.literal('adopt'), number: z.string(), userId: z.string() }),
]);

export type VoiceTask = z.output<typeof voiceTaskSchema>;

/** Voice queue bodies: the voice webhooks and the worker build them, the worker parses them. */
export const voiceTaskBody = queueBody(voiceTaskSchema, 'a voice task');
