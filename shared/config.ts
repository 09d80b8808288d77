import './validation.ts';
import { ConfigError } from './errors.ts';
import * as z from 'zod/mini';

/**
 * Reads the environment once into a frozen object. A missing or malformed variable fails
 * at cold start with every problem listed, not in the middle of a request.
 */
export function readConfig<S extends z.ZodMiniType>(schema: S, env: NodeJS.ProcessEnv = process.env): Readonly<z.output<S>> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  return Object.freeze(parsed.data);
}

const nonEmpty = z.string().check(z.minLength(1));

/** The pieces of configuration, composed by each adapter that needs them. */
export const configParts = {
  filesTable: z.object({ FILES_TABLE: nonEmpty }),
  rulesTable: z.object({ RULES_TABLE: nonEmpty }),
  notificationsTable: z.object({ NOTIFICATIONS_TABLE: nonEmpty }),
  stateTable: z.object({ STATE_TABLE: nonEmpty }),
  bucket: z.object({ UPLOAD_BUCKET: nonEmpty }),
  notificationQueue: z.object({ NOTIFICATION_QUEUE_URL: nonEmpty }),
  publicBaseUrl: z.object({ PUBLIC_BASE_URL: z.url() }),
};

/** The message store's table and ingest queue. */
export const messageConfigParts = {
  messagesTable: z.object({ MESSAGES_TABLE: nonEmpty }),
  ingestQueue: z.object({ INGEST_QUEUE_URL: nonEmpty }),
};

/** Which phone numbers may be texted or called (shared/domain/target-policy.ts); unset: any country, no premium-rate or shared-cost. */
export const targetPolicyConfig = z.object({ TARGET_COUNTRIES: z.optional(z.string()), TARGET_NUMBER_TYPES: z.optional(z.string()) });
