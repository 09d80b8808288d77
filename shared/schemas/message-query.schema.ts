import * as z from 'zod/mini';
import { messageStatuses } from '../domain/messages.ts';
import { limitParam, pageQuery } from '../http.ts';
import { phoneFilter } from './phone-field.schema.ts';
import '../validation.ts';

/** Most messages `offset` may skip; beyond it, page with `cursor`. */
export const MAX_OFFSET = 10_000;

/** GET /messages: filters, `limit` (default 10), `offset` and `cursor`. */
export const listMessagesQuery = z.strictObject({
  from: z.optional(phoneFilter('from')),
  to: z.optional(phoneFilter('to')),
  status: z.optional(z.enum(messageStatuses, { error: `status must be one of ${messageStatuses.join(', ')}.` })),
  limit: limitParam(10),
  offset: z._default(
    z.coerce
      .number({ error: `offset must be a number from 0 to ${MAX_OFFSET}.` })
      .check(
        z.refine(Number.isInteger, 'offset must be a whole number.'),
        z.gte(0, 'offset must not be negative.'),
        z.lte(MAX_OFFSET, `offset must be at most ${MAX_OFFSET}; page further with cursor.`),
      ),
    0,
  ),
  cursor: pageQuery.cursor,
});
