import * as z from 'zod/mini';
import '../validation.ts';

/** PUT /opt-outs/{phone}: only an opt-out; opting back in is the recipient's own START. */
export const optOutRequestSchema = z.strictObject({ optedOut: z.boolean({ error: 'optedOut must be true or false.' }) });
