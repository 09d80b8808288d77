import './validation.ts';
import { ConfigError } from './errors.ts';
import { commonEnv, queues, tables } from './topology.ts';
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
  filesTable: z.object({ [tables.files.envVar]: nonEmpty }),
  rulesTable: z.object({ [tables.rules.envVar]: nonEmpty }),
  notificationsTable: z.object({ [tables.notifications.envVar]: nonEmpty }),
  stateTable: z.object({ [tables.state.envVar]: nonEmpty }),
  bucket: z.object({ [commonEnv.bucket]: nonEmpty }),
  notificationQueue: z.object({ [queues.notification.envVar]: nonEmpty }),
  publicBaseUrl: z.object({ [commonEnv.publicBaseUrl]: z.url() }),
};

/** The message store's table and ingest queue. */
export const messageConfigParts = {
  messagesTable: z.object({ [tables.messages.envVar]: nonEmpty }),
  ingestQueue: z.object({ [queues.ingest.envVar]: nonEmpty }),
};

/** Which phone numbers may be texted or called (shared/domain/target-policy.ts); unset: any country, no premium-rate or shared-cost. */
export const targetPolicyConfig = z.object({ [commonEnv.targetCountries]: z.optional(z.string()), [commonEnv.targetNumberTypes]: z.optional(z.string()) });
