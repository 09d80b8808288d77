import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects, Stack, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import type { SynthesisMessage } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { inlineScripts } from '../../lib/console-page.ts';
import { projectRoot } from '../../lib/local/runtime.ts';
import { NotificationStack } from '../../lib/stack.ts';
import { WEBHOOK_RESERVED_CONCURRENCY } from '../../lib/constructs/app-function.ts';
import {
  bucket as bucketSpec,
  commonEnv,
  queues,
  routes,
  schedules,
  tables,
  type FunctionName,
  type QueueKey,
  type QueueSpec,
  type TableKey,
  type TableSpec,
  busEvents,
} from '../../shared/topology.ts';
import { functions, type FunctionSpec } from '../../shared/function-specs.ts';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const functionEntries = Object.entries(functions) as [FunctionName, FunctionSpec][];
const queueEntries = Object.entries(queues) as [QueueKey, QueueSpec][];
const tableEntries = Object.entries(tables) as [TableKey, TableSpec][];

let stack: NotificationStack;
let template: Template;
let resources: Record<string, Resource>;

const logicalId = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const functionId = (name: FunctionName) => logicalId(stack.functions[name].function);
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const actions = (statement: Statement) => [statement.Action].flat();

/** The statements of the one inline policy attached to the function's role. */
function statementsOf(name: FunctionName): Statement[] {
  const roleRef = { Ref: logicalId(stack.functions[name].role) };
  const policies = ofType('AWS::IAM::Policy').filter(([, policy]) =>
    (policy.Properties.Roles as unknown[]).some((role) => JSON.stringify(role) === JSON.stringify(roleRef)),
  );
  expect(policies).toHaveLength(1);
  return policies[0]![1].Properties.PolicyDocument.Statement;
}

/** `https://<the console's CloudFront domain>`, as the template spells it. */
const consoleOrigin = () => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.console.distribution), 'DomainName'] }]] });

/** Whether the statement names the resource, directly or inside an ARN built from it. */
const mentions = (statement: Statement, id: string) => JSON.stringify(statement.Resource).includes(`"${id}"`);

beforeAll(() => {
  // The CLI feeds cdk.json's context to the app; the test does the same so both synthesize alike.
  const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8'));
  const app = new App({ context: { ...cdkJson.context, skipBundling: true } });
  stack = new NotificationStack(app, 'TwilioNotifications');
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  template = Template.fromStack(stack);
  resources = template.toJSON().Resources;
});

describe('NotificationStack', () => {
  describe('HTTP API', () => {
    it.each(routes.map((route) => [`${route.method} ${route.path}`, route] as const))(
      'routes %s to its function with the declared authorization',
      (routeKey, route) => {
        const matches = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties.RouteKey === routeKey);
        expect(matches).toHaveLength(1);
        const props = matches[0]![1].Properties;

        const integrationId = props.Target['Fn::Join'][1][1].Ref as string;
        const integration = resources[integrationId]!;
        expect(integration.Type).toBe('AWS::ApiGatewayV2::Integration');
        expect(integration.Properties.IntegrationUri).toEqual({ 'Fn::GetAtt': [functionId(route.function), 'Arn'] });
        expect(resources[functionId(route.function)]!.Properties.Description).toBe(functions[route.function].description);

        if (route.auth === 'user') {
          expect(props.AuthorizationType).toBe('JWT');
          expect(props.AuthorizerId).toBeDefined();
        } else {
          expect(props.AuthorizationType).toBe('NONE');
          expect(props.AuthorizerId).toBeUndefined();
        }
      },
    );

    it('has no routes beyond the topology', () => {
      template.resourceCountIs('AWS::ApiGatewayV2::Route', routes.length);
    });

    it('checks JWTs issued by the Cognito user pool for its client', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [{ Ref: Match.stringLikeRegexp('^UserPoolWebClient') }, { Ref: logicalId(stack.console.client) }],
          Issuer: { 'Fn::Join': ['', Match.arrayWith([{ Ref: logicalId(stack.userPool) }])] },
        },
      });
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'OPTIONAL',
        Policies: {
          PasswordPolicy: Match.objectLike({ RequireUppercase: true, RequireNumbers: true, RequireSymbols: true }),
        },
      });
      const [, client] = ofType('AWS::Cognito::UserPoolClient').find(([id]) => id.startsWith('UserPoolWebClient'))!;
      expect(client.Properties.GenerateSecret).toBe(false);
      expect(client.Properties.ExplicitAuthFlows).toEqual(expect.arrayContaining(['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH']));
      expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    });

    it('logs access and throttles on the default stage', () => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('\\$context\\.requestId') },
        DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
      });
    });

    it('gives the Twilio webhooks a throttle of their own, well above the default, so a callback burst is not refused', () => {
      const [[, stage]] = ofType('AWS::ApiGatewayV2::Stage') as [[string, Resource]];
      const defaults = stage.Properties.DefaultRouteSettings;
      const twilioRoutes = routes.filter((route) => route.auth === 'twilio').map((route) => `${route.method} ${route.path}`);
      expect(Object.keys(stage.Properties.RouteSettings).sort()).toEqual(twilioRoutes.sort());
      for (const key of twilioRoutes) {
        expect(stage.Properties.RouteSettings[key].ThrottlingRateLimit).toBeGreaterThanOrEqual(10 * defaults.ThrottlingRateLimit);
        expect(stage.Properties.RouteSettings[key].ThrottlingBurstLimit).toBeGreaterThanOrEqual(10 * defaults.ThrottlingBurstLimit);
      }
    });
  });

  describe('schedules', () => {
    it.each(Object.entries(schedules))('runs %s on an EventBridge rule at its interval', (_key, spec) => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: `rate(${spec.everyMinutes} ${spec.everyMinutes === 1 ? 'minute' : 'minutes'})`,
        State: 'ENABLED',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionId(spec.function), 'Arn'] } })],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [functionId(spec.function), 'Arn'] },
      });
    });
  });

  describe('functions', () => {
    it('creates one Node.js 24 arm64 Lambda per topology function', () => {
      const nodeFunctions = ofType('AWS::Lambda::Function').filter(([, fn]) => String(fn.Properties.Runtime).startsWith('nodejs'));
      expect(nodeFunctions).toHaveLength(functionEntries.length);
      for (const [name, spec] of functionEntries) {
        expect(resources[functionId(name)]!.Properties).toMatchObject({
          Description: spec.description,
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          MemorySize: spec.memoryMb,
          Timeout: spec.timeoutSeconds,
          LoggingConfig: { LogGroup: { Ref: logicalId(stack.functions[name].logGroup) } },
        });
        // Active tracing is off (README, "Observability"): on, it would trace nothing but the invocation.
        expect(resources[functionId(name)]!.Properties.TracingConfig).toBeUndefined();
        expect(resources[functionId(name)]!.Properties.Environment.Variables[commonEnv.logLevel]).toBe('INFO');
      }
    });

    it('gives each function its own role without AWS managed policies, and a one-month log group', () => {
      for (const [name] of functionEntries) {
        const role = resources[logicalId(stack.functions[name].role)]!;
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(resources[logicalId(stack.functions[name].logGroup)]!.Properties.RetentionInDays).toBe(30);
      }
    });

    it.each(functionEntries)('passes %s exactly the variables its grants and the common settings need', (name, spec) => {
      const expected = [
        'NODE_OPTIONS',
        'POWERTOOLS_SERVICE_NAME',
        commonEnv.publicBaseUrl,
        commonEnv.twilioFromNumber,
        commonEnv.logLevel,
        ...Object.keys(spec.tables ?? {}).map((key) => tables[key as TableKey].envVar),
        ...(spec.sendsTo ?? []).map((key) => queues[key].envVar),
        ...(spec.bucket || ('media' in spec && spec.media) || ('messageMedia' in spec && spec.messageMedia) || ('mediaUploads' in spec && spec.mediaUploads)
          ? [commonEnv.bucket]
          : []),
        ...('queueStats' in spec && spec.queueStats ? Object.values(queues).flatMap((q) => [q.envVar, q.dlqEnvVar]) : []),
        ...(spec.twilio ? [commonEnv.twilioSecretId, commonEnv.twilioMps, commonEnv.emailFrom] : []),
        ...('pages' in spec && spec.pages ? [commonEnv.cursorSecretId] : []),
        ...('statusCallbacks' in spec && spec.statusCallbacks ? [commonEnv.statusCallbackBaseUrl] : []),
        ...('configuresNumbers' in spec && spec.configuresNumbers ? [commonEnv.voiceWebhookBaseUrl, commonEnv.smsWebhookBaseUrl] : []),
        ...('handoffs' in spec && spec.handoffs ? [commonEnv.handoffSecretId] : []),
        ...('publishes' in spec ? (spec.publishes ?? []).map((key) => busEvents[key].envVar) : []),
        ...Object.values(queues)
          .filter((q) => q.consumer === name)
          .flatMap((q) => [q.envVar, q.dlqEnvVar]),
        // Each user's token bucket, on the user routes.
        ...(routes.some((r) => r.function === name && r.auth === 'user') ? [tables.state.envVar, 'USER_RATE_PER_SECOND', 'USER_RATE_BURST'] : []),
      ];
      const variables = resources[functionId(name)]!.Properties.Environment.Variables;
      expect(Object.keys(variables).sort()).toEqual([...new Set(expected)].sort());
      expect(variables.NODE_OPTIONS).toBe('--enable-source-maps');
      for (const key of Object.keys(spec.tables ?? {}) as TableKey[]) {
        expect(variables[tables[key].envVar]).toEqual({ Ref: logicalId(stack.tables[key]) });
      }
      if (spec.twilio) expect(variables[commonEnv.twilioSecretId]).toEqual({ Ref: logicalId(stack.twilioSecret) });
      if ('pages' in spec && spec.pages) expect(variables[commonEnv.cursorSecretId]).toEqual({ Ref: logicalId(stack.cursorSecret) });
    });

    it('gives the Twilio webhooks Function URLs, names the status one on every send, and outputs the inbound one', () => {
      const urls = ofType('AWS::Lambda::Url');
      const webhooks = functionEntries.filter(([, spec]) => 'webhook' in spec && spec.webhook).map(([name]) => name);
      expect(webhooks.sort()).toEqual(['twilio-incoming', 'twilio-status', 'twilio-voice']);
      expect(urls.map(([, url]) => url.Properties.TargetFunctionArn)).toEqual(
        expect.arrayContaining(webhooks.map((name) => ({ 'Fn::GetAtt': [functionId(name), 'Arn'] }))),
      );
      expect(urls).toHaveLength(webhooks.length);
      // No IAM auth: Twilio cannot sign with AWS credentials; the handler checks X-Twilio-Signature.
      for (const [, url] of urls) expect(url.Properties.AuthType).toBe('NONE');
      const statusUrl = urls.find(([, url]) => url.Properties.TargetFunctionArn['Fn::GetAtt'][0] === functionId('twilio-status'))!;
      expect(resources[functionId('twilio-sender')]!.Properties.Environment.Variables[commonEnv.statusCallbackBaseUrl]).toEqual({
        'Fn::GetAtt': [statusUrl[0], 'FunctionUrl'],
      });
      const incomingUrl = urls.find(([, url]) => url.Properties.TargetFunctionArn['Fn::GetAtt'][0] === functionId('twilio-incoming'))!;
      expect(template.toJSON().Outputs.TwilioIncomingWebhookUrl.Value).toEqual({
        'Fn::Join': ['', [{ 'Fn::GetAtt': [incomingUrl[0], 'FunctionUrl'] }, 'twilio/incoming']],
      });
    });

    it('keeps Twilio credentials out of every Lambda environment', () => {
      for (const [, fn] of ofType('AWS::Lambda::Function')) {
        const variables: Record<string, unknown> = fn.Properties.Environment?.Variables ?? {};
        for (const [key, value] of Object.entries(variables)) {
          expect(key).not.toMatch(/TOKEN|PASSWORD|ACCOUNT_SID/i);
          expect(JSON.stringify(value)).not.toMatch(/[0-9a-f]{32}/i);
        }
      }
    });

    it('allows no function Resource "*"', () => {
      for (const [name] of functionEntries) {
        expect(statementsOf(name).filter((s) => s.Resource === '*')).toEqual([]);
      }
    });

    it('lets list-rules read rules but not write them', () => {
      // (Its one write is to its own token bucket in the state table, asserted with the buckets.)
      const all = statementsOf('list-rules')
        .filter((s) => mentions(s, logicalId(stack.tables.rules)))
        .flatMap(actions);
      expect(all).toContain('dynamodb:Query');
      expect(all).not.toContain('dynamodb:PutItem');
      expect(all).not.toContain('dynamodb:DeleteItem');
      expect(all).not.toContain('dynamodb:UpdateItem');
    });

    it('lets create-upload write file records and upload objects, and nothing else', () => {
      const statements = statementsOf('create-upload');
      expect(statements.some((s) => mentions(s, logicalId(stack.tables.notifications)))).toBe(false);
      expect(statements.some((s) => mentions(s, logicalId(stack.tables.rules)))).toBe(false);
      const onFiles = statements.filter((s) => mentions(s, logicalId(stack.tables.files))).flatMap(actions);
      expect(onFiles).toContain('dynamodb:PutItem');
      expect(onFiles).not.toContain('dynamodb:GetItem');
      expect(onFiles).not.toContain('dynamodb:Query');
      const onBucket = statements.filter((s) => mentions(s, logicalId(stack.bucket)));
      expect(onBucket.flatMap(actions)).toContain('s3:PutObject');
      expect(onBucket.flatMap(actions).some((a) => a.startsWith('s3:Get'))).toBe(false);
      expect(JSON.stringify(onBucket.map((s) => s.Resource))).toContain('/uploads/*');
    });

    it('lets twilio-incoming keep media under message-media/ only, outside the prefix announced to the upload queue', () => {
      const onBucket = statementsOf('twilio-incoming').filter((s) => mentions(s, logicalId(stack.bucket)));
      expect(onBucket.flatMap(actions)).toEqual(expect.arrayContaining(['s3:PutObject', 's3:GetObject*']));
      const resourcesNamed = JSON.stringify(onBucket.map((s) => s.Resource));
      expect(resourcesNamed).toContain('/message-media/*');
      expect(resourcesNamed).not.toContain('/uploads/');
      expect(bucketSpec.messageMediaPrefix.startsWith(bucketSpec.prefix)).toBe(false);
    });

    it('lets only the Twilio functions read the Twilio secret', () => {
      const secretId = logicalId(stack.twilioSecret);
      for (const [name, spec] of functionEntries) {
        const reads = statementsOf(name).some((s) => mentions(s, secretId) && actions(s).includes('secretsmanager:GetSecretValue'));
        expect(reads, name).toBe(Boolean(spec.twilio));
      }
    });
  });

  describe('queues', () => {
    it.each(queueEntries)('redrives the %s queue to its own dead-letter queue', (key, spec) => {
      const { queue, deadLetterQueue } = stack.queues[key];
      const props = resources[logicalId(queue)]!.Properties;
      expect(props.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(deadLetterQueue), 'Arn'] },
        maxReceiveCount: spec.maxReceiveCount,
      });
      expect(spec.maxReceiveCount).toBeGreaterThanOrEqual(5);
      expect(props.VisibilityTimeout).toBeGreaterThanOrEqual(6 * functions[spec.consumer].timeoutSeconds);
      expect(props.SqsManagedSseEnabled).toBe(true);
      expect(resources[logicalId(deadLetterQueue)]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    });

    it.each(queueEntries)('feeds the %s queue to its consumer with partial batch failures', (key, spec) => {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stack.queues[key].queue), 'Arn'] },
        FunctionName: { Ref: functionId(spec.consumer) },
        BatchSize: spec.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: spec.maxConcurrency },
        MaximumBatchingWindowInSeconds: spec.maxBatchingWindowSeconds > 0 ? spec.maxBatchingWindowSeconds : Match.absent(),
      });
    });

    it('denies queue access without TLS', () => {
      for (const [, policy] of ofType('AWS::SQS::QueuePolicy')) {
        expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
          expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        );
      }
      // Two per queue (it and its dead-letter queue), one per kind of bus event.
      template.resourceCountIs('AWS::SQS::QueuePolicy', 2 * queueEntries.length + Object.keys(busEvents).length);
    });
  });

  describe('tables', () => {
    it.each(tableEntries)('declares the %s table as in the topology', (key, spec) => {
      const table = resources[logicalId(stack.tables[key])]!;
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
        KeySchema: [
          { AttributeName: spec.partitionKey, KeyType: 'HASH' },
          { AttributeName: spec.sortKey, KeyType: 'RANGE' },
        ],
      });
      expect(table.Properties.GlobalSecondaryIndexes ?? []).toEqual(
        spec.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      );
      for (const definition of table.Properties.AttributeDefinitions) expect(definition.AttributeType).toBe('S');
      expect(table.Properties.TimeToLiveSpecification).toEqual(spec.ttlAttribute ? { AttributeName: spec.ttlAttribute, Enabled: true } : undefined);
    });
  });

  describe('upload bucket', () => {
    it('blocks public access, encrypts, logs access and allows browser form posts', () => {
      const bucket = resources[logicalId(stack.bucket)]!.Properties;
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
        SSEAlgorithm: 'AES256',
      });
      expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^AccessLogsBucket/) });
      expect(bucket.CorsConfiguration.CorsRules).toContainEqual(
        expect.objectContaining({ AllowedMethods: expect.arrayContaining(['POST']), AllowedOrigins: [consoleOrigin()] }),
      );
    });

    it('aborts incomplete multipart uploads, never expires files, and expires only posted images left unhandled', () => {
      const rules = resources[logicalId(stack.bucket)]!.Properties.LifecycleConfiguration.Rules;
      expect(rules).toContainEqual(expect.objectContaining({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' }));
      const expiring = rules.filter((rule: { ExpirationInDays?: number }) => rule.ExpirationInDays !== undefined);
      expect(expiring).toEqual([expect.objectContaining({ Prefix: 'media-uploads/', ExpirationInDays: 7, Status: 'Enabled' })]);
    });

    it('denies requests without TLS', () => {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(stack.bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    });

    it('announces new objects under uploads/ to the upload queue, and under media-uploads/ to the media upload queue', () => {
      const announced = (prefix: string, key: QueueKey) => ({
        Events: ['s3:ObjectCreated:*'],
        Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: prefix }] } },
        QueueArn: { 'Fn::GetAtt': [logicalId(stack.queues[key].queue), 'Arn'] },
      });
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: logicalId(stack.bucket) },
        NotificationConfiguration: { QueueConfigurations: [announced('uploads/', 'upload'), announced('media-uploads/', 'mediaUpload')] },
      });
      // S3 refuses overlapping filters for one event type, and an upload must never reach the media consumer.
      expect(bucketSpec.mediaUploadPrefix.startsWith(bucketSpec.prefix)).toBe(false);
      expect(bucketSpec.prefix.startsWith(bucketSpec.mediaUploadPrefix)).toBe(false);
    });

    it('lets S3 send to the media upload queue for this bucket only', () => {
      const queueId = logicalId(stack.queues.mediaUpload.queue);
      const policies = ofType('AWS::SQS::QueuePolicy').filter(([, p]) => JSON.stringify(p.Properties.Queues).includes(`"${queueId}"`));
      const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Array<Statement & { Principal?: unknown; Condition?: unknown }>);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 's3.amazonaws.com' },
          Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [logicalId(stack.bucket), 'Arn'] } } },
        }),
      );
    });
  });

  it('generates a placeholder Twilio secret instead of holding credentials', () => {
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { GenerateStringKey: 'authToken', SecretStringTemplate: Match.stringLikeRegexp('accountSid') },
      SecretString: Match.absent(),
    });
  });

  it('outputs what operators and clients need', () => {
    for (const name of ['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'BucketName', 'TwilioSecretArn', 'AlarmTopicArn']) {
      template.hasOutput(name, {});
    }
  });

  describe('message store', () => {
    it('gives every filter combination of GET /messages an index sorted by message', () => {
      const indexes = resources[logicalId(stack.tables.messages)]!.Properties.GlobalSecondaryIndexes as Array<{
        IndexName: string;
        KeySchema: Array<{ AttributeName: string; KeyType: string }>;
      }>;
      expect(indexes.map((i) => i.IndexName).sort()).toEqual(['byFrom', 'byFromStatus', 'byFromTo', 'byFromToStatus', 'byStatus', 'byTo', 'byToStatus']);
      for (const index of indexes) expect(index.KeySchema[1]).toEqual({ AttributeName: 'sk', KeyType: 'RANGE' });
    });

    it('feeds accepted messages through the ingest queue to the message processor', () => {
      expect(queues.ingest.consumer).toBe('message-processor');
      for (const sender of ['create-message', 'twilio-incoming'] as const) {
        const sends = statementsOf(sender)
          .filter((s) => mentions(s, logicalId(stack.queues.ingest.queue)))
          .flatMap(actions);
        expect(sends, sender).toContain('sqs:SendMessage');
      }
    });

    it('lets the media functions reach message-media/ only', () => {
      for (const name of ['attach-message-media', 'list-message-media', 'get-message', 'list-messages'] as const) {
        const onBucket = JSON.stringify(
          statementsOf(name)
            .filter((s) => mentions(s, logicalId(stack.bucket)))
            .map((s) => s.Resource),
        );
        expect(onBucket, name).toContain('/message-media/*');
        expect(onBucket, name).not.toContain('/uploads/');
      }
      const writes = statementsOf('list-message-media')
        .filter((s) => mentions(s, logicalId(stack.bucket)))
        .flatMap(actions);
      expect(writes).not.toContain('s3:PutObject');
    });

    it('lets create-media-upload sign posts under media-uploads/ only, and read no object', () => {
      const onBucket = statementsOf('create-media-upload').filter((s) => mentions(s, logicalId(stack.bucket)));
      expect(onBucket.flatMap(actions)).toContain('s3:PutObject');
      expect(onBucket.flatMap(actions).some((a) => a.startsWith('s3:Get') || a.startsWith('s3:Delete'))).toBe(false);
      const named = JSON.stringify(onBucket.map((s) => s.Resource));
      expect(named).toContain('/media-uploads/*');
      expect(named).not.toContain('/message-media/');
      expect(named).not.toContain('/uploads/*"');
    });

    it('lets attach-uploaded-media read and delete posted images, and keep images under message-media/', () => {
      const onBucket = statementsOf('attach-uploaded-media').filter((s) => mentions(s, logicalId(stack.bucket)));
      const on = (prefix: string) => onBucket.filter((s) => JSON.stringify(s.Resource).includes(`/${prefix}*`)).flatMap(actions);
      expect(on('media-uploads/')).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:DeleteObject*']));
      expect(on('media-uploads/')).not.toContain('s3:PutObject');
      expect(on('message-media/')).toEqual(expect.arrayContaining(['s3:GetObject*', 's3:PutObject']));
      expect(on('message-media/')).not.toContain('s3:DeleteObject*');
      expect(JSON.stringify(onBucket.map((s) => s.Resource))).not.toContain('/uploads/*"');
    });

    it('lets no other function delete objects from the bucket', () => {
      for (const [name] of functionEntries) {
        const deletes = statementsOf(name).some((s) => mentions(s, logicalId(stack.bucket)) && actions(s).some((a) => a.startsWith('s3:Delete')));
        expect(deletes, name).toBe(name === 'attach-uploaded-media');
      }
    });

    it("lets get-metrics read every queue's attributes and nothing more of them", () => {
      const statements = statementsOf('get-metrics');
      for (const pair of Object.values(stack.queues)) {
        for (const queue of [pair.queue, pair.deadLetterQueue]) {
          const onQueue = statements.filter((s) => mentions(s, logicalId(queue))).flatMap(actions);
          expect(onQueue).toEqual(['sqs:GetQueueAttributes']);
        }
      }
    });
  });

  describe('web console', () => {
    it('keeps its files in a private bucket that only its CloudFront distribution reads (origin access control)', () => {
      const bucket = resources[logicalId(stack.console.bucket)]!.Properties;
      expect(bucket.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: expect.stringMatching(/^AccessLogsBucket/) });
      const [[, oac]] = ofType('AWS::CloudFront::OriginAccessControl') as [[string, Resource]];
      expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: logicalId(stack.console.bucket) },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 's3:GetObject',
              Principal: { Service: 'cloudfront.amazonaws.com' },
              Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
            }),
          ]),
        },
      });
    });

    it('serves over HTTPS with security headers, and answers its own page addresses with index.html', () => {
      const distribution = resources[logicalId(stack.console.distribution)]!.Properties.DistributionConfig;
      expect(distribution.DefaultRootObject).toBe('index.html');
      expect(distribution.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
      expect(distribution.CustomErrorResponses).toEqual(
        [403, 404].map((code) => ({ ErrorCode: code, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 })),
      );
      const [[policyId, policy]] = ofType('AWS::CloudFront::ResponseHeadersPolicy') as [[string, Resource]];
      const security = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(security.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true });
      expect(security.ContentTypeOptions).toEqual({ Override: true });
      expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
      expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toContain("script-src 'self'");
      expect(security.ContentSecurityPolicy.ContentSecurityPolicy).toContain("frame-ancestors 'none'");
      expect(distribution.DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({ Ref: policyId });
    });

    it("writes the stage's settings into index.html at deploy time (API URL, hosted sign-in), so one build serves every stage", () => {
      const deployments = ofType('Custom::CDKBucketDeployment').map(([, d]) => d);
      const page = deployments.find((d) => JSON.stringify(d.Properties.DistributionPaths ?? []).includes('/index.html'))!;
      expect(page.Properties.DestinationBucketName).toEqual({ Ref: logicalId(stack.console.bucket) });
      expect(page.Properties.DistributionPaths).toEqual(['/index.html']);
      const markers = JSON.stringify(page.Properties.SourceMarkers);
      expect(markers).toContain(logicalId(stack.console.client));
      expect(markers).toContain('HttpApi');
    });

    it("caches hashed assets for a year and revalidates index.html on every visit, and no deployment deletes the other's files", () => {
      const deployments = ofType('Custom::CDKBucketDeployment').map(([, d]) => d.Properties);
      expect(deployments).toHaveLength(2);
      const page = deployments.find((d) => d.DistributionPaths)!;
      const assets = deployments.find((d) => !d.DistributionPaths)!;
      expect(assets.SystemMetadata).toEqual({ 'cache-control': 'public, max-age=31536000, immutable' });
      expect(page.SystemMetadata).toEqual({ 'cache-control': 'no-cache' });
      expect([assets.Prune, page.Prune]).toEqual([false, false]);
    });

    it("lets index.html's one inline script run by its hash, and no other inline script", () => {
      const [[, policy]] = ofType('AWS::CloudFront::ResponseHeadersPolicy') as [[string, Resource]];
      const csp: string = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy;
      const scripts = inlineScripts(readFileSync(join(projectRoot, 'web/index.html'), 'utf8'));
      expect(scripts).toHaveLength(1);
      const hash = createHash('sha256').update(scripts[0]!).digest('base64');
      expect(/script-src ([^;]*)/.exec(csp)![1]).toBe(`'self' 'sha256-${hash}'`);
    });

    it('signs in through Cognito hosted UI with the authorization code flow (PKCE, no secret) back to the console', () => {
      const client = resources[logicalId(stack.console.client)]!.Properties;
      expect(client).toMatchObject({
        GenerateSecret: false,
        AllowedOAuthFlows: ['code'],
        AllowedOAuthFlowsUserPoolClient: true,
        SupportedIdentityProviders: ['COGNITO'],
      });
      expect(client.CallbackURLs).toEqual([
        { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(stack.console.distribution), 'DomainName'] }, '/app/callback']] },
      ]);
      template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { UserPoolId: { Ref: logicalId(stack.userPool) } });
    });

    it("lets browsers call the API from the console's origin only", () => {
      const [[, api]] = ofType('AWS::ApiGatewayV2::Api') as [[string, Resource]];
      expect(api.Properties.CorsConfiguration.AllowOrigins).toEqual([consoleOrigin()]);
      template.hasOutput('ConsoleUrl', {});
    });
  });

  describe('dashboard and alarms', () => {
    const topicRef = () => ({ Ref: logicalId(stack.alarmTopic) });
    // The dashboard and alarms are a nested stack; what they name of the parent arrives as its parameters.
    let nestedResources: Record<string, Resource> | undefined;
    const nested = () => {
      nestedResources ??= Template.fromStack(stack.observability).toJSON().Resources as Record<string, Resource>;
      return nestedResources;
    };
    const parameters = () =>
      resources[stack.getLogicalId(stack.observability.nestedStackResource as CfnElement)]!.Properties.Parameters as Record<string, unknown>;
    /** The value with each reference to a parameter of the nested stack replaced by what the parent passes it. */
    const passed = (value: unknown): any => {
      if (Array.isArray(value)) return value.map(passed);
      if (!value || typeof value !== 'object') return value;
      const ref = (value as { Ref?: unknown }).Ref;
      if (typeof ref === 'string' && ref in parameters()) return parameters()[ref];
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, passed(v)]));
    };
    const alarmOf = (id: string) => {
      const alarm = stack.observability.alarms[id]!;
      return passed(nested()[Stack.of(alarm).getLogicalId(alarm.node.defaultChild as CfnElement)]!.Properties);
    };
    const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase()).replace(/^[a-z]/, (c) => c.toUpperCase());

    it('has one dashboard graphing every queue and dead-letter queue, every function and the application metrics', () => {
      expect(ofType('AWS::CloudWatch::Dashboard')).toEqual([]);
      const dashboards = Object.values(nested()).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
      expect(dashboards).toHaveLength(1);
      const body = JSON.stringify(passed(dashboards[0]!.Properties.DashboardBody));
      for (const [key] of queueEntries) {
        for (const queue of [stack.queues[key].queue, stack.queues[key].deadLetterQueue]) {
          expect(body).toContain(`{"Fn::GetAtt":["${logicalId(queue)}","QueueName"]}`);
        }
      }
      for (const [name] of functionEntries) expect(body).toContain(functionId(name));
      for (const metric of [
        'Sends',
        'SendErrors',
        'StatusCallbacks',
        'TwilioThrottled',
        'BreakerOpens',
        'WebhookSignatureFailures',
        'ReconciliationStuck',
        'Ingest',
        'ProcessingTime',
      ]) {
        expect(body).toContain(metric);
      }
      expect(body).toContain('account MPS');
      expect(body).toContain('Throttles');
    });

    it.each(queueEntries)('alarms to the alarm topic when the %s dead-letter queue holds a message', (key) => {
      expect(alarmOf(`${pascal(key)}DeadLetterAlarm`)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.queues[key].deadLetterQueue), 'QueueName'] } }],
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        AlarmActions: [topicRef()],
        OKActions: [topicRef()],
      });
    });

    it.each(queueEntries)("alarms when the %s queue's oldest message waits over 30 minutes", (key) => {
      expect(alarmOf(`${pascal(key)}OldestMessageAlarm`)).toMatchObject({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateAgeOfOldestMessage',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.queues[key].queue), 'QueueName'] } }],
        Threshold: 1800,
        AlarmActions: [topicRef()],
        OKActions: [topicRef()],
      });
    });

    it.each(functionEntries.map(([name]) => name))("alarms when over 5%% of %s's invocations fail", (name) => {
      const props = alarmOf(`${pascal(name)}ErrorRateAlarm`);
      expect(props).toMatchObject({ Threshold: 5, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [topicRef()] });
      const metrics = props.Metrics as Array<{ Id: string; Expression?: string; MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } } }>;
      expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(invocations > 0, 100 * errors / invocations, 0)');
      for (const metricName of ['Errors', 'Invocations']) {
        expect(metrics.find((m) => m.MetricStat?.Metric.MetricName === metricName)?.MetricStat?.Metric.Dimensions).toEqual([
          { Name: 'FunctionName', Value: { Ref: functionId(name) } },
        ]);
      }
    });

    it.each(functionEntries.filter(([, spec]) => spec.webhook).map(([name]) => name))(
      'alarms when the %s webhook answers slower than 500 ms at p95',
      (name) => {
        expect(alarmOf(`${pascal(name)}LatencyAlarm`)).toMatchObject({
          MetricName: 'Duration',
          ExtendedStatistic: 'p95',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId(name) } }],
          Threshold: 500,
          AlarmActions: [topicRef()],
        });
      },
    );

    it('alarms when the circuit breaker opens, and when reconciliation keeps finding stuck notifications', () => {
      const app = { Namespace: 'TwilioNotifications', Dimensions: [{ Name: 'service', Value: 'twilio-notifications' }], AlarmActions: [topicRef()] };
      expect(alarmOf('BreakerOpenAlarm')).toMatchObject({ ...app, MetricName: 'BreakerOpens', Statistic: 'Sum', Threshold: 0 });
      expect(alarmOf('ReconciliationStuckAlarm')).toMatchObject({
        ...app,
        MetricName: 'ReconciliationStuck',
        Threshold: 0,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
    });

    it('sends every alarm of the stack to the alarm topic, and has no other alarms', () => {
      const alarms = [...ofType('AWS::CloudWatch::Alarm'), ...Object.entries(nested()).filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')];
      const webhooks = functionEntries.filter(([, spec]) => spec.webhook).length;
      // Per queue: its oldest message and its dead letters; per function: its error rate; per webhook: its p95; breaker; reconciliation.
      expect(alarms).toHaveLength(2 * queueEntries.length + functionEntries.length + webhooks + 2);
      for (const [, alarm] of alarms) expect(passed(alarm.Properties.AlarmActions)).toEqual([topicRef()]);
    });
  });

  it("stays well inside CloudFormation's 500 resources per stack, the dashboard and alarms nested apart", () => {
    // Room for a few more routes and queues; past this, move another independent part into a nested stack.
    expect(Object.keys(resources).length).toBeLessThanOrEqual(450);
    expect(Object.keys(Template.fromStack(stack.observability).toJSON().Resources).length).toBeLessThanOrEqual(450);
  });

  describe('event bus', () => {
    const defaultBus = {
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':event-bus/default']],
    };

    it("forwards hand-off events from their queue to the account's default bus through a Pipe, with their source and detail-type", () => {
      const pipe = stack.busEventPipes.handoff;
      const props = resources[stack.getLogicalId(pipe.pipe)]!.Properties;
      expect(props.Source).toEqual({ 'Fn::GetAtt': [logicalId(pipe.queue), 'Arn'] });
      expect(props.Target).toEqual(defaultBus);
      expect(props.RoleArn).toEqual({ 'Fn::GetAtt': [logicalId(pipe.role), 'Arn'] });
      expect(props.TargetParameters).toEqual({
        EventBridgeEventBusParameters: { Source: busEvents.handoff.source, DetailType: busEvents.handoff.detailType },
        InputTemplate: '<$.body>',
      });
      // Encrypted, TLS only, and kept 14 days: a message the Pipe could not put is taken again meanwhile.
      expect(resources[logicalId(pipe.queue)]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    });

    it("lets the Pipe's role, assumable by EventBridge Pipes of this account only, read its queue and put events on the bus, nothing more", () => {
      const pipe = stack.busEventPipes.handoff;
      const role = resources[logicalId(pipe.role)]!.Properties;
      expect(role.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'pipes.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      // Inline in the role, so they exist before the pipe first polls; no other policy names the role.
      expect(role.Policies).toEqual([
        {
          PolicyName: 'forward',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Action: ['sqs:DeleteMessage', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
                Effect: 'Allow',
                Resource: { 'Fn::GetAtt': [logicalId(pipe.queue), 'Arn'] },
              },
              { Action: 'events:PutEvents', Effect: 'Allow', Resource: defaultBus },
            ],
          },
        },
      ]);
      const roleRef = JSON.stringify({ Ref: logicalId(pipe.role) });
      expect(ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleRef))).toEqual([]);
    });

    it('lets the voice worker, and no other function, send to the hand-off events queue, whose URL it is given', () => {
      const queueId = logicalId(stack.busEventPipes.handoff.queue);
      for (const [name, spec] of functionEntries) {
        const sends = statementsOf(name).some((st) => actions(st).includes('sqs:SendMessage') && mentions(st, queueId));
        expect(sends, name).toBe('publishes' in spec && (spec.publishes ?? []).includes('handoff'));
      }
      expect(resources[functionId('voice-worker')]!.Properties.Environment.Variables[busEvents.handoff.envVar]).toEqual({ Ref: queueId });
    });
  });

  it('leaves no AwsSolutions finding unsuppressed', () => {
    const format = (found: SynthesisMessage[]) => found.map((f) => `${f.id}: ${String(f.entry.data)}`);
    const nag = Match.stringLikeRegexp('AwsSolutions-.*');
    // The nested dashboard-and-alarms stack reports its findings through its parent's artifact.
    expect(format(Annotations.fromStack(stack).findError('*', nag))).toEqual([]);
    expect(format(Annotations.fromStack(stack).findWarning('*', nag))).toEqual([]);
  });
});

describe('the sender number', () => {
  it('is asked for at deploy time, E.164 and with no default, when the app does not name one', () => {
    const parameter = template.toJSON().Parameters.TwilioFromNumber;
    expect(parameter).toMatchObject({ Type: 'String', AllowedPattern: '^\\+[1-9][0-9]{6,14}$' });
    expect(parameter.Default).toBeUndefined();
    const sender = resources[functionId('twilio-sender')] as unknown as { Properties: { Environment: { Variables: Record<string, unknown> } } };
    expect(sender.Properties.Environment.Variables[commonEnv.twilioFromNumber]).toEqual({ Ref: 'TwilioFromNumber' });
    expect(JSON.stringify(template.toJSON())).not.toContain('+15005550006');
  });

  it('is written into the functions, with no parameter, when the context names it', () => {
    const named = new NotificationStack(new App({ context: { skipBundling: true, twilioFromNumber: '+14155550199' } }), 'Named');
    const json = Template.fromStack(named).toJSON();
    expect(json.Parameters?.TwilioFromNumber).toBeUndefined();
    expect(JSON.stringify(json)).toContain('"TWILIO_FROM_NUMBER":"+14155550199"');
  });
});

describe('NotificationStack with a Messaging Service and a per-minute cap', () => {
  it('gives only the Twilio functions the Messaging Service SID and the cap', () => {
    const withPool = new NotificationStack(new App({ context: { skipBundling: true } }), 'WithPool', {
      twilioMessagingServiceSid: `MG${'0'.repeat(32)}`,
      twilioMpm: 120,
    });
    const all = Template.fromStack(withPool).toJSON().Resources as Record<string, Resource>;
    const id = (name: FunctionName) => withPool.getLogicalId(withPool.functions[name].function.node.defaultChild as CfnElement);
    for (const [name, spec] of functionEntries) {
      const variables = all[id(name)]!.Properties.Environment.Variables;
      expect(variables[commonEnv.twilioMessagingServiceSid]).toBe(spec.twilio ? `MG${'0'.repeat(32)}` : undefined);
      expect(variables[commonEnv.twilioMpm]).toBe(spec.twilio ? '120' : undefined);
    }
  });
});

describe('NotificationStack: least privilege on tables, and webhooks that cannot starve the account', () => {
  const tableActions = (name: FunctionName) =>
    statementsOf(name)
      .flatMap(actions)
      .filter((a) => a.startsWith('dynamodb:'));
  const webhooks = functionEntries.filter(([, spec]) => spec.webhook).map(([name]) => name);

  it('grants Scan to no function', () => {
    for (const [name] of functionEntries) expect(tableActions(name), name).not.toContain('dynamodb:Scan');
  });

  it('grants DeleteItem only to the functions that delete, and BatchWriteItem only on the files table', () => {
    for (const [name, spec] of functionEntries) {
      expect(tableActions(name).includes('dynamodb:DeleteItem'), name).toBe((spec.deletes ?? []).length > 0);
      for (const statement of statementsOf(name).filter((s) => actions(s).includes('dynamodb:BatchWriteItem'))) {
        expect(mentions(statement, logicalId(stack.tables.files)), name).toBe(true);
        expect(mentions(statement, logicalId(stack.tables.rules)), name).toBe(false);
      }
    }
    expect(tableActions('delete-rule')).toContain('dynamodb:DeleteItem');
  });

  it('leaves the internet-facing webhooks no Scan, DeleteItem or BatchWriteItem', () => {
    expect(webhooks.length).toBeGreaterThanOrEqual(2);
    for (const name of webhooks) {
      expect(tableActions(name), name).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
      for (const dropped of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect(tableActions(name), name).not.toContain(dropped);
    }
  });

  it('reserves concurrency for each webhook function, and for no other', () => {
    for (const [name, spec] of functionEntries) {
      const props = resources[functionId(name)]!.Properties;
      expect(props.ReservedConcurrentExecutions, name).toBe(spec.webhook ? WEBHOOK_RESERVED_CONCURRENCY : undefined);
    }
  });
});

describe('NotificationStack: each user’s token bucket', () => {
  const userRouteFunctions = [...new Set(routes.filter((r) => r.auth === 'user').map((r) => r.function))];

  it('lets every user-route function read and update only the buckets’ partition of the state table, with the limits set', () => {
    for (const name of userRouteFunctions) {
      const bucket = statementsOf(name).find((s) => JSON.stringify(s).includes('dynamodb:LeadingKeys'));
      expect(bucket, name).toBeDefined();
      expect(actions(bucket!).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem']);
      expect(JSON.stringify(bucket)).toContain('RATE#USER');
      const variables = resources[functionId(name)]!.Properties.Environment.Variables;
      expect(variables).toMatchObject({ USER_RATE_PER_SECOND: '20', USER_RATE_BURST: '100', STATE_TABLE: expect.anything() });
    }
  });

  it('gives no bucket to the webhooks, which Twilio calls without a user', () => {
    for (const [name, spec] of functionEntries.filter(([, s]) => s.webhook)) {
      expect(
        statementsOf(name).some((s) => JSON.stringify(s).includes('dynamodb:LeadingKeys')),
        `${name} ${spec.description}`,
      ).toBe(false);
    }
  });
});
