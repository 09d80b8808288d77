import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { parseCommandLine } from '../lib/ops/command-line.ts';
import { createUser, signIn } from '../lib/ops/users.ts';

const usage = `usage: npm run user -- <create|token> --stack <name> --email <address> [--password <password>]
  create   adds a user to the deployed stack's user pool (sign-up is closed) and prints a token
  token    prints a fresh token for an existing user
  --stack <name>      the deployed stack (default TwilioNotifications); AWS credentials and region from the environment
  --email <address>   the user's email, which is also the user name
  --password <pw>     at least 12 characters with upper and lower case letters, digits and a symbol;
                      without it the PASSWORD variable is read, so it stays out of the shell history
  --help              this text
The token is an ID token for the API's Authorization header (Bearer), valid one hour.`;

const { values, positionals } = parseCommandLine(usage, {
  stack: { type: 'string', default: 'TwilioNotifications' },
  email: { type: 'string' },
  password: { type: 'string' },
});
const command = positionals[0];
const password = values.password ?? process.env.PASSWORD;
if (!command || !['create', 'token'].includes(command) || !values.email || !password) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

try {
  const { Stacks } = await new CloudFormationClient({}).send(new DescribeStacksCommand({ StackName: values.stack }));
  const outputs = Object.fromEntries((Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  const { UserPoolId: poolId, UserPoolClientId: clientId, ApiUrl: apiUrl } = outputs;
  if (!poolId || !clientId) throw new Error(`Stack ${values.stack} has no UserPoolId/UserPoolClientId outputs.`);
  const cognito = new CognitoIdentityProviderClient({});

  const pool = { poolId, clientId };
  if (command === 'create') {
    await createUser(cognito, pool, values.email!, password!);
    process.stderr.write(`Created ${values.email} in ${poolId}.\n`);
  }
  const token = await signIn(cognito, pool, values.email!, password!);
  process.stdout.write(`${token}\n`);
  if (apiUrl) process.stderr.write(`Try: curl ${apiUrl}/rules -H "authorization: Bearer <the token above>"\n`);
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
