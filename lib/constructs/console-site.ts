import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { inlineConsoleConfig, inlineScripts } from '../console-page.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ConsoleSiteProps {
  userPool: cognito.UserPool;
  /** Where the site bucket's server access logs go. */
  accessLogsBucket: s3.IBucket;
  /** Synthesize without building the console (stack tests): web/index.html stands in for the built page. */
  skipBundling?: boolean;
}

/**
 * The web console, deployed: the built app in a private bucket that only CloudFront reads
 * (origin access control), served over HTTPS with security headers; Cognito's hosted sign-in
 * (authorization code with PKCE) through an app client and domain of its own; and index.html
 * written at deploy time with the API URL and those settings in its settings block, so one build
 * serves every stage. Hashed assets are cached for a year (their names change with their
 * content); index.html is revalidated on every visit.
 */
export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;
  /** `https://<distribution domain>`: the one origin the API's and the upload bucket's CORS allow. */
  readonly origin: string;
  /** The built console (Vite's output), or undefined when bundling is skipped. */
  private readonly buildDir: string | undefined;
  /** The console's index.html as built, before its settings are written in. */
  private readonly page: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    this.buildDir = props.skipBundling ? undefined : buildConsole();
    this.page = readFileSync(join(this.buildDir ?? join(projectRoot, 'web'), 'index.html'), 'utf8');
    // index.html's inline script (it starts the first list request early) runs by its hash alone.
    const scriptHashes = inlineScripts(this.page).map((s) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers of the web console',
      securityHeadersBehavior: {
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        // The app calls the API, S3 (presigned uploads) and Cognito's token endpoint, all over HTTPS.
        contentSecurityPolicy: {
          contentSecurityPolicy:
            `default-src 'self'; script-src ${["'self'", ...scriptHashes].join(' ')}; style-src 'self'; img-src 'self' data: https:; ` +
            "connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https:",
          override: true,
        },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Web console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      // The console's own addresses (/app/…) are pages of the one-page app: S3 has no such object
      // and, without list permission, answers 403.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) })),
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;

    this.domain = props.userPool.addDomain('ConsoleSignIn', {
      cognitoDomain: { domainPrefix: `twilio-notify-${Stack.of(this).account}` },
    });
    this.client = props.userPool.addClient('ConsoleClient', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${this.origin}/app/callback`],
        logoutUrls: [`${this.origin}/app/sign-in`],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });

    NagSuppressions.addResourceSuppressions(this.distribution, [
      { id: 'AwsSolutions-CFR1', reason: 'The console serves operators wherever they are; the API behind it authenticates every request.' },
      {
        id: 'AwsSolutions-CFR2',
        reason: 'The distribution serves static files only; the API has its own throttles. Attach a WAF web ACL where a stage needs one.',
      },
      { id: 'AwsSolutions-CFR3', reason: 'Static files only: the bucket logs its reads, and the API logs every request that matters.' },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The default CloudFront certificate (*.cloudfront.net) is used until a custom domain and its certificate are attached; its security policy is fixed by CloudFront.',
      },
    ]);
  }

  /**
   * Uploads the built console: first its hashed assets, cached for good (old ones stay, so an open
   * tab can still load the chunks it names), then index.html with this stage's settings written in
   * (API URL, sign-in settings), revalidated on every visit, and refreshes it in CloudFront.
   */
  deploy(apiUrl: string): s3deploy.BucketDeployment {
    const region = Stack.of(this).region;
    const config = {
      apiBaseUrl: apiUrl,
      auth: 'cognito',
      phone: false,
      cognito: {
        domain: `https://${this.domain.domainName}.auth.${region}.amazoncognito.com`,
        clientId: this.client.userPoolClientId,
        redirectUri: `${this.origin}/app/callback`,
      },
    };
    const assets = new s3deploy.BucketDeployment(this, 'Assets', {
      destinationBucket: this.bucket,
      sources: [this.buildDir ? s3deploy.Source.asset(this.buildDir, { exclude: ['index.html'] }) : s3deploy.Source.data('assets/placeholder.js', '')],
      cacheControl: [s3deploy.CacheControl.fromString(IMMUTABLE)],
      prune: false,
      memoryLimit: 512,
    });
    const deployment = new s3deploy.BucketDeployment(this, 'Files', {
      destinationBucket: this.bucket,
      // Deploy-time values go into the page itself: a first visit waits on no request for them (see web/src/config.ts).
      sources: [s3deploy.Source.data('index.html', inlineConsoleConfig(this.page, Stack.of(this).toJsonString(config)))],
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
      cacheControl: [s3deploy.CacheControl.noCache()],
      // Pruning would delete the assets the other deployment put there.
      prune: false,
      memoryLimit: 512,
    });
    deployment.node.addDependency(assets);

    const stack = Stack.of(this);
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('Custom::CDKBucketDeployment')) continue;
      NagSuppressions.addResourceSuppressions(
        child,
        [
          {
            id: 'AwsSolutions-IAM4',
            appliesTo: ['Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
            reason: "The role of aws-cdk-lib's bucket-deployment handler, which runs only during deployment to copy the console's files.",
          },
          {
            id: 'AwsSolutions-IAM5',
            reason:
              "aws-cdk-lib's bucket-deployment handler reads the deployment's asset objects and writes every object of the console bucket; the wildcards are those object keys.",
          },
          { id: 'AwsSolutions-L1', reason: "aws-cdk-lib pins the bucket-deployment handler's runtime." },
        ],
        true,
      );
    }
    return deployment;
  }
}

/** How long browsers and CloudFront keep a hashed asset: a year, never revalidated. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The console built by Vite at synth time, into a folder of its own. */
function buildConsole(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'console-build-'));
  execFileSync(
    process.execPath,
    [
      join(projectRoot, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      join(projectRoot, 'web/vite.config.ts'),
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: projectRoot, stdio: 'inherit' },
  );
  return outDir;
}
