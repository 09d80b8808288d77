import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

/**
 * Who may call the API: a Cognito user pool with closed sign-up (operators create every
 * account), strong passwords, optional TOTP and email-only recovery, and the app client that
 * scripts and other clients sign in through with SRP or a password. The console adds its own
 * client and hosted sign-in domain to this pool.
 */
export class UserAuth extends Construct {
  readonly userPool: cognito.UserPool;
  /** The client for sign-in through the auth flows, without a hosted UI. */
  readonly webClient: cognito.UserPoolClient;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    // 'Default' is left out of logical ids: the pool and its clients keep the ids they had when
    // the stack declared the pool directly.
    this.userPool = new cognito.UserPool(this, 'Default', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: cognito.Mfa.OPTIONAL,
      // TOTP only: SMS MFA would need an SNS role and spend on texts.
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.webClient = this.userPool.addClient('WebClient', {
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: true },
      // Clients sign in through the auth flows above; there is no hosted UI, so CDK's default
      // OAuth settings (implicit grant, an example.com callback) would only widen the surface.
      disableOAuth: true,
      preventUserExistenceErrors: true,
    });

    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: 'AwsSolutions-COG2',
        reason: 'TOTP MFA is offered but optional, as required; sign-up is closed, so every account is created by an administrator.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Sign-up is closed and the pool holds a few administrator-created operator accounts; Plus tier threat protection is billed per active user with no free tier. Switch featurePlan to PLUS if the pool is ever opened to the public.',
      },
    ]);
  }
}
