import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { twilioCredentials } from '../../../shared/adapters/twilio-credentials.ts';
import { ConfigError } from '../../../shared/errors.ts';

// No embedded engine serves Secrets Manager: its answers are mocked, as Powertools' client sees them.
const secrets = mockClient(SecretsManagerClient);
const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
let secretCount = 0;
/** A secret id of its own per test: Powertools caches each secret by id for the process. */
const freshSecretId = () => `twilio-test-${++secretCount}`;

beforeEach(() => {
  secrets.reset();
  process.env.AWS_REGION ??= 'us-east-1';
});
afterAll(() => {
  secrets.restore();
});

async function refusal(promise: Promise<unknown>): Promise<ConfigError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('twilioCredentials from the environment (the local runtime)', () => {
  it('reads the account SID, the auth token and the optional SendGrid key', async () => {
    expect(await twilioCredentials({ TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: 'token' })).toEqual({ accountSid, authToken: 'token' });
    expect(await twilioCredentials({ TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: 'token', SENDGRID_API_KEY: 'SG.key' })).toMatchObject({
      sendgridApiKey: 'SG.key',
    });
    expect(secrets.calls()).toHaveLength(0);
  });

  it('names the variables to set when they are missing or the SID is not an account SID', async () => {
    for (const env of [{}, { TWILIO_ACCOUNT_SID: accountSid }, { TWILIO_ACCOUNT_SID: 'ACplaceholder', TWILIO_AUTH_TOKEN: 'token' }]) {
      const err = await refusal(twilioCredentials(env));
      expect(err.message).toBe('Set TWILIO_SECRET_ID, or TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.');
      expect(err.expose).toBe(false);
    }
  });
});

describe('twilioCredentials from Secrets Manager (deployed)', () => {
  it('reads the secret once and serves it from the cache afterwards', async () => {
    const secretId = freshSecretId();
    secrets.on(GetSecretValueCommand, { SecretId: secretId }).resolves({ SecretString: JSON.stringify({ accountSid, authToken: 'live-token' }) });
    const env = { TWILIO_SECRET_ID: secretId };
    expect(await twilioCredentials(env)).toEqual({ accountSid, authToken: 'live-token' });
    expect(await twilioCredentials(env)).toEqual({ accountSid, authToken: 'live-token' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('prefers the secret to any variables beside it', async () => {
    const secretId = freshSecretId();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accountSid, authToken: 'from-secret' }) });
    const credentials = await twilioCredentials({ TWILIO_SECRET_ID: secretId, TWILIO_ACCOUNT_SID: accountSid, TWILIO_AUTH_TOKEN: 'from-env' });
    expect(credentials.authToken).toBe('from-secret');
  });

  it('says what the secret must hold while it still holds the deployed placeholder', async () => {
    const secretId = freshSecretId();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accountSid: 'ACxxxxxxxx', authToken: 'replace-me' }) });
    const err = await refusal(twilioCredentials({ TWILIO_SECRET_ID: secretId }));
    expect(err.message).toBe(`Secret ${secretId} must hold {"accountSid":"AC…","authToken":"…"} with the account's real values.`);
  });

  it('names a missing secret and keeps the service’s error as the cause', async () => {
    const secretId = freshSecretId();
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} }));
    const err = await refusal(twilioCredentials({ TWILIO_SECRET_ID: secretId }));
    expect(err.message).toBe(
      `Could not read the Twilio credentials from secret ${secretId} (TWILIO_SECRET_ID): Secrets Manager can't find the specified secret.`,
    );
    expect(err.cause).toBeDefined();
  });

  it('names a secret that is not JSON', async () => {
    const secretId = freshSecretId();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'AC123:token' });
    const err = await refusal(twilioCredentials({ TWILIO_SECRET_ID: secretId }));
    expect(err.message).toMatch(new RegExp(`^Could not read the Twilio credentials from secret ${secretId} \\(TWILIO_SECRET_ID\\): `));
  });
});
