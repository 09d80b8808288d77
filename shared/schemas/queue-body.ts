import * as z from 'zod/mini';
import { GiveUpError } from '../errors.ts';
import '../validation.ts';

/**
 * JSON with every character outside ASCII escaped: SQS refuses some characters a message may
 * hold (fauxqs refuses everything past U+FFFD, emoji included), and JSON.parse restores them all.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A record's body as `schema` has it. A body that is not JSON, or not of that shape, will not
 * become one on a retry: it goes to the dead-letter queue on its first receive (GiveUpError,
 * status `malformed_record` unless told), the parser's error kept as the cause.
 */
export function parseRecordBody<S extends z.ZodMiniType>(body: string, schema: S, what: string, status = 'malformed_record'): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new GiveUpError(`The record body is not JSON, so not ${what}.`, { status, attempts: 1 }, { cause: err });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new GiveUpError(`The record body is not ${what}.`, { status, attempts: 1 }, { cause: parsed.error });
  }
  return parsed.data;
}

/** One queue's message body: the schema both ends share, the producer's builder and the consumer's parser. */
export interface QueueBody<S extends z.ZodMiniType> {
  readonly schema: S;
  /** The body to send: `value` checked against the schema (a producer's mistake throws here, not in the consumer). */
  build(value: z.input<S>): string;
  /** The body received, or GiveUpError (`malformed_record`) when it is not of the schema's shape. */
  parse(body: string): z.output<S>;
}

/** The contract of one queue's bodies, `what` naming them in the consumer's refusals. */
export function queueBody<S extends z.ZodMiniType>(schema: S, what: string): QueueBody<S> {
  return {
    schema,
    build: (value) => asciiJson(z.parse(schema, value)),
    parse: (body) => parseRecordBody(body, schema, what),
  };
}

/**
 * What a consumer writes to its dead-letter queue when it gives a record up: the record's body
 * (parsed when it is JSON) as `payload`, and the outcome. `npm run dlq` reads these back.
 */
export const deadLetterSchema = z.object({
  payload: z.unknown(),
  status: z.string(),
  error: z.string(),
  cause: z.optional(z.string()),
  errorCode: z.optional(z.string()),
  retryCount: z.number(),
  failedAt: z.iso.datetime(),
});

export type DeadLetterBody = z.output<typeof deadLetterSchema>;

/** Dead letters: what a consumer writes when it gives up, and what the operator commands read back. */
export const deadLetterBody = queueBody(deadLetterSchema, 'a dead letter');

/**
 * A queue's body, or a dead letter carrying one as its payload: a dead letter redriven to its
 * queue is handled like the original record.
 */
export function orDeadLetter<S extends z.ZodMiniType>(schema: S) {
  return z.pipe(
    z.union([z.object({ payload: schema }), schema]),
    z.transform((body): z.output<S> => (isEnvelope(body) ? (body.payload as z.output<S>) : (body as z.output<S>))),
  );
}

const isEnvelope = (body: unknown): body is { payload: unknown } => typeof body === 'object' && body !== null && 'payload' in body;
