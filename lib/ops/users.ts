import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  InitiateAuthCommand,
  UsernameExistsException,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';

/** The deployed user pool and the app client the API's JWT authorizer trusts. */
export interface UserPool {
  poolId: string;
  clientId: string;
}

/**
 * Adds a user to the pool with a permanent password and no invitation email (sign-up is closed,
 * so an operator adds the first users), their email verified.
 */
export async function createUser(cognito: CognitoIdentityProviderClient, pool: UserPool, email: string, password: string): Promise<void> {
  try {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: pool.poolId,
        Username: email,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'email_verified', Value: 'true' },
        ],
        MessageAction: 'SUPPRESS',
      }),
    );
  } catch (err) {
    if (!(err instanceof UsernameExistsException)) throw err;
    throw new Error(`${email} exists already; \`npm run user -- token\` signs them in.`, { cause: err });
  }
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool.poolId, Username: email, Password: password, Permanent: true }));
}

/** Signs a user in with their password; the ID token, which the API takes as its Bearer token. */
export async function signIn(cognito: CognitoIdentityProviderClient, pool: UserPool, email: string, password: string): Promise<string> {
  const auth = await cognito.send(
    new InitiateAuthCommand({ ClientId: pool.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password } }),
  );
  const token = auth.AuthenticationResult?.IdToken;
  if (!token) throw new Error(`Cognito asked for a further step (${auth.ChallengeName ?? 'unknown'}) instead of signing ${email} in.`);
  return token;
}
