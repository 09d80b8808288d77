import * as z from 'zod/mini';
import { queueBody } from './queue-body.ts';

/** The ingest queue's body: the whole accepted message, so the consumer can store it on its own. */
export const ingestRecordSchema = z.object({
  owner: z.string().check(z.minLength(1)),
  messageId: z.string().check(z.minLength(1)),
  from: z.string(),
  to: z.string(),
  message: z.string(),
  receivedAt: z.iso.datetime(),
  status: z.literal('received'),
  source: z.enum(['api', 'twilio']),
  media: z.array(z.object({ mediaId: z.string(), contentType: z.string(), sizeBytes: z.number() })),
  messageSid: z.optional(z.string()),
});

/** Ingest queue bodies: the message API and the inbound webhook build them, the message processor parses them. */
export const ingestRecordBody = queueBody(ingestRecordSchema, 'a message to process');
