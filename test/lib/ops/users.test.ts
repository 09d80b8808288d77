import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createUser, signIn } from '../../../lib/ops/users.ts';

// Cognito has no embedded engine here, so its answers are mocked.
const cognito = mockClient(CognitoIdentityProviderClient);
const pool = { poolId: 'us-east-1_pool', clientId: 'client-1' };
const client = new CognitoIdentityProviderClient({ region: 'us-east-1' });

beforeEach(() => cognito.reset());

describe('npm run user', () => {
  it('creates a user with a verified email and a permanent password, sending no invitation', async () => {
    await createUser(client, pool, 'ops@example.com', 'Correct-Horse-9');
    expect(cognito.commandCalls(AdminCreateUserCommand)[0]!.args[0].input).toEqual({
      UserPoolId: 'us-east-1_pool',
      Username: 'ops@example.com',
      UserAttributes: [
        { Name: 'email', Value: 'ops@example.com' },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    });
    expect(cognito.commandCalls(AdminSetUserPasswordCommand)[0]!.args[0].input).toMatchObject({ Username: 'ops@example.com', Permanent: true });
  });

  it('says how to sign in a user that exists already', async () => {
    cognito.on(AdminCreateUserCommand).rejects(new UsernameExistsException({ message: 'exists', $metadata: {} }));
    await expect(createUser(client, pool, 'ops@example.com', 'Correct-Horse-9')).rejects.toThrow('npm run user -- token');
    expect(cognito.commandCalls(AdminSetUserPasswordCommand)).toHaveLength(0);
  });

  it('signs in with the password and returns the ID token the API takes', async () => {
    cognito.on(InitiateAuthCommand).resolves({ AuthenticationResult: { IdToken: 'id.token.here', AccessToken: 'access' } });
    expect(await signIn(client, pool, 'ops@example.com', 'Correct-Horse-9')).toBe('id.token.here');
    expect(cognito.commandCalls(InitiateAuthCommand)[0]!.args[0].input).toMatchObject({ ClientId: 'client-1', AuthFlow: 'USER_PASSWORD_AUTH' });
  });

  it('explains a sign-in that Cognito wants to take further', async () => {
    cognito.on(InitiateAuthCommand).resolves({ ChallengeName: 'NEW_PASSWORD_REQUIRED' });
    await expect(signIn(client, pool, 'ops@example.com', 'x')).rejects.toThrow('NEW_PASSWORD_REQUIRED');
  });
});
