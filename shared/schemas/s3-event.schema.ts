import * as z from 'zod/mini';
import { parseRecordBody } from './queue-body.ts';
import '../validation.ts';

/** An S3 event notification as SQS carries it: object records, or the one-off test event. */
export const s3EventSchema = z.union([
  z.object({ Service: z.literal('Amazon S3'), Event: z.literal('s3:TestEvent') }),
  z.object({
    Records: z.array(
      z.object({
        eventName: z.string(),
        eventTime: z.iso.datetime({ offset: true }),
        s3: z.object({
          bucket: z.object({ name: z.string() }),
          object: z.object({
            // S3 URL-encodes keys in events, with '+' for spaces.
            key: z.pipe(
              z.string(),
              z.transform((k) => decodeURIComponent(k.replace(/\+/g, ' '))),
            ),
            size: z.optional(z.number()),
            eTag: z.optional(z.string()),
            sequencer: z.optional(z.string()),
          }),
        }),
      }),
    ),
  }),
]);

/**
 * The objects a queued S3 event announces as created: none for the one-off test event, and a
 * GiveUpError for a body that is not an S3 event, which will not become one on a retry.
 */
export function objectsCreated(body: string) {
  const event = parseRecordBody(body, s3EventSchema, 'an S3 event notification', 'malformed_event');
  if ('Event' in event) return [];
  return event.Records.filter((r) => r.eventName.startsWith('ObjectCreated:')).map((r) => ({ eventTime: r.eventTime, ...r.s3.object }));
}
