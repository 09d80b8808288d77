import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { ConfigError } from '../errors.ts';
import * as z from 'zod/mini';
import { commonEnv } from '../topology.ts';

export interface TwilioCredentials {
  accountSid: string;
  authToken: string;
  /** SendGrid's API key, for the email channel (Twilio's email service). */
  sendgridApiKey?: string;
}

const credentialsSchema = z.object({
  // The deployed secret starts as a placeholder; failing here names the fix instead of a 401 from Twilio.
  accountSid: z.string().check(z.regex(/^AC[0-9a-f]{32}$/)),
  authToken: z.string().check(z.minLength(1)),
  sendgridApiKey: z.optional(z.string().check(z.minLength(1))),
});

/**
 * The Twilio account's credentials. Deployed, they live in Secrets Manager (TWILIO_SECRET_ID),
 * fetched once and cached for five minutes so a rotated token is picked up without a redeploy;
 * the local runtime passes them as TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.
 */
export async function twilioCredentials(env: NodeJS.ProcessEnv = process.env): Promise<TwilioCredentials> {
  const secretId = env[commonEnv.twilioSecretId];
  const raw = secretId
    ? await readSecret(secretId)
    : { accountSid: env.TWILIO_ACCOUNT_SID, authToken: env.TWILIO_AUTH_TOKEN, sendgridApiKey: env.SENDGRID_API_KEY };
  const parsed = credentialsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(
      secretId
        ? `Secret ${secretId} must hold {"accountSid":"AC…","authToken":"…"} with the account's real values.`
        : 'Set TWILIO_SECRET_ID, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.',
    );
  }
  return parsed.data;
}

/** The secret's JSON, cached for five minutes; a secret that cannot be read is named in the error. */
async function readSecret(secretId: string): Promise<unknown> {
  try {
    return await getSecret(secretId, { transform: 'json', maxAge: 300 });
  } catch (err) {
    const reason = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new ConfigError(`Could not read the Twilio credentials from secret ${secretId} (TWILIO_SECRET_ID): ${reason}`, { cause: err });
  }
}
