import { ArnFormat, type CfnElement, CfnOutput, CfnParameter, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { NagSuppressions, type NagPackSuppression } from 'cdk-nag';
import type { Construct } from 'constructs';
import { AppFunction } from './constructs/app-function.ts';
import { QueueWithDlq } from './constructs/queue-with-dlq.ts';
import { ConsoleSite } from './constructs/console-site.ts';
import { UploadBucket } from './constructs/upload-bucket.ts';
import { UserAuth } from './constructs/user-auth.ts';
import { NotificationApi } from './constructs/notification-api.ts';
import { pascal } from './constructs/construct-ids.ts';
import { BusEventPipe } from './constructs/bus-event-pipe.ts';
import { USER_RATE_PARTITION } from '../shared/adapters/dynamo-user-rate-limiter-adapter.ts';
import { Observability } from './observability.ts';
import {
  commonEnv,
  queues,
  routes,
  schedules,
  tables,
  type Access,
  type FunctionName,
  type QueueKey,
  type QueueSpec,
  type TableKey,
  type TableSpec,
  busEvents,
  type BusEventKey,
} from '../shared/topology.ts';
import { functions, type FunctionSpec } from '../shared/function-specs.ts';

export interface NotificationStackProps extends StackProps {
  /** Sender number for outgoing messages; defaults to the `twilioFromNumber` context value, else a deploy-time parameter. */
  readonly twilioFromNumber?: string;
  /** The account's messages per second; defaults to the `twilioMps` context value, then 1. */
  readonly twilioMps?: number;
  /** Sender address of email notifications; defaults to the `emailFrom` context value. */
  readonly emailFrom?: string;
  /**
   * Base URL, without a trailing slash, at which Twilio reaches the API (status callbacks,
   * signature checks). Defaults to the HTTP API's own endpoint; set it when a custom domain fronts the API.
   */
  readonly publicBaseUrl?: string;
  /** Messaging Service SID (MG…); when given, messages use its sender pool instead of the from number. Context `twilioMessagingServiceSid`. */
  readonly twilioMessagingServiceSid?: string;
  /** A per-minute cap on sends besides the per-second rate. Context `twilioMpm`. */
  readonly twilioMpm?: number;
}

const serviceName = 'twilio-notifications';
/**
 * The whole notification backend: tables, upload bucket, queues, functions and the HTTP API,
 * each built by walking `shared/topology.ts`.
 */
export class NotificationStack extends Stack {
  readonly tables: Record<TableKey, dynamodb.Table>;
  readonly queues: Record<QueueKey, QueueWithDlq>;
  readonly functions: Record<FunctionName, AppFunction>;
  /** The Function URLs Twilio calls, by function. */
  readonly webhookUrls: Partial<Record<FunctionName, lambda.FunctionUrl>>;
  readonly api: apigw.HttpApi;
  /** The HTTP API with its stage, authorizer and the topology's routes. */
  readonly httpApi: NotificationApi;
  readonly bucket: s3.Bucket;
  /** The upload bucket with its notifications and the per-prefix grants. */
  readonly uploads: UploadBucket;
  readonly userPool: cognito.UserPool;
  /** The user pool and the app client API callers sign in through. */
  readonly auth: UserAuth;
  /** The web console: bucket, CloudFront, Cognito hosted sign-in. */
  readonly console: ConsoleSite;
  readonly twilioSecret: secretsmanager.Secret;
  readonly cursorSecret: secretsmanager.Secret;
  /** Signs hand-off events to lines' handoffUrl. */
  readonly handoffSecret: secretsmanager.Secret;
  readonly alarmTopic: sns.Topic;
  /** The dashboard and the alarms on queues, functions, webhooks and the application's metrics. */
  readonly observability: Observability;
  /** Each kind of event's queue and the Pipe that forwards it to the default event bus (the topology's `busEvents`). */
  readonly busEventPipes: Record<BusEventKey, BusEventPipe>;

  constructor(scope: Construct, id: string, props: NotificationStackProps = {}) {
    super(scope, id, props);

    this.tables = mapSpecs(tables, (_key, spec) => this.createTable(spec));

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'Twilio notifications alarms',
      enforceSSL: true,
    });
    // The topic policy written for enforceSSL replaces the default one, so CloudWatch's right to
    // publish for this account's alarms is stated explicitly.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': this.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );

    this.queues = mapSpecs(queues, (key, spec) => new QueueWithDlq(this, `${pascal(key)}Queue`, { spec }));

    const accessLogsBucket = this.createAccessLogsBucket();

    this.twilioSecret = new secretsmanager.Secret(this, 'TwilioCredentials', {
      description: 'Twilio {"accountSid","authToken"}. Deployed with a random placeholder; operators put the real values after deploy.',
      // Only the shape is in code. CloudFormation generates the placeholder once, at creation,
      // and leaves the value alone afterwards, so operator-written credentials survive redeploys
      // as long as this block is unchanged.
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ accountSid: 'REPLACE_ME' }),
        generateStringKey: 'authToken',
        excludePunctuation: true,
        passwordLength: 32,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.cursorSecret = new secretsmanager.Secret(this, 'CursorSigningKey', {
      description: 'Key that signs list cursors, so a forged or foreign cursor is refused.',
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    });
    this.handoffSecret = new secretsmanager.Secret(this, 'HandoffSigningKey', {
      description: 'Key that signs hand-off events (X-Handoff-Signature), which their receivers check.',
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
    });

    this.auth = new UserAuth(this, 'UserPool');
    this.userPool = this.auth.userPool;
    const userPoolClient = this.auth.webClient;

    this.console = new ConsoleSite(this, 'Console', {
      userPool: this.userPool,
      accessLogsBucket,
      skipBundling: [true, 'true'].includes(this.node.tryGetContext('skipBundling')),
    });

    this.uploads = new UploadBucket(this, 'UploadBucket', {
      accessLogsBucket,
      // The upload bucket takes browser form posts from the console's origin only.
      allowedOrigin: this.console.origin,
      eventQueues: mapSpecs(queues, (key) => this.queues[key].queue),
    });
    this.bucket = this.uploads.bucket;

    this.httpApi = new NotificationApi(this, 'HttpApi', {
      allowedOrigin: this.console.origin,
      // Declared here rather than in the construct, so the retained log group keeps its logical id.
      accessLogs: new logs.LogGroup(this, 'HttpApiAccessLogs', { retention: logs.RetentionDays.ONE_MONTH }),
      userPool: this.userPool,
      userPoolClients: [userPoolClient, this.console.client],
    });
    this.api = this.httpApi.api;
    // apiEndpoint has no trailing slash, so handlers can append route paths as written in topology.
    const publicBaseUrl = props.publicBaseUrl ?? this.api.apiEndpoint;

    // Without a number in the props or the context, the template asks for one at deploy time and
    // refuses to deploy without it: a stack that quietly sent from Twilio's test number would
    // accept every message and deliver none.
    const twilioFromNumber: string =
      props.twilioFromNumber ??
      this.node.tryGetContext('twilioFromNumber') ??
      new CfnParameter(this, 'TwilioFromNumber', {
        type: 'String',
        description: 'The Twilio number messages are sent from, in E.164 form (such as +14155550199).',
        allowedPattern: '^\\+[1-9][0-9]{6,14}$',
        constraintDescription: 'must be a phone number in E.164 form, such as +14155550199',
      }).valueAsString;
    // A US long code sends 1 message a second; toll-free numbers 3, short codes 100.
    const twilioMps = String(props.twilioMps ?? this.node.tryGetContext('twilioMps') ?? 1);
    const emailFrom: string = props.emailFrom ?? this.node.tryGetContext('emailFrom') ?? 'notifications@example.com';
    const skipBundling = [true, 'true'].includes(this.node.tryGetContext('skipBundling'));
    const logLevel: string = this.node.tryGetContext('logLevel') ?? 'INFO';
    const targetCountries: string | undefined = this.node.tryGetContext('targetCountries');
    const targetNumberTypes: string | undefined = this.node.tryGetContext('targetNumberTypes');

    // Requests per second and burst of each user's bucket on the user routes (cdk.json context, or these).
    const userRate = {
      perSecond: Number(this.node.tryGetContext('userRatePerSecond') ?? 20),
      burst: Number(this.node.tryGetContext('userRateBurst') ?? 100),
    };
    this.functions = mapSpecs(functions, (name, spec) => {
      const fn = new AppFunction(this, pascal(name), {
        spec,
        serviceName,
        code: skipBundling ? lambda.Code.fromInline('exports.handler = async () => {};') : undefined,
      });
      this.wire(fn, spec);
      fn.addEnvironment(commonEnv.publicBaseUrl, publicBaseUrl);
      fn.addEnvironment(commonEnv.twilioFromNumber, twilioFromNumber);
      fn.addEnvironment(commonEnv.logLevel, logLevel);
      // Which numbers may be texted or called (cdk.json context); unset keeps the default policy.
      if (targetCountries) fn.addEnvironment(commonEnv.targetCountries, targetCountries);
      if (targetNumberTypes) fn.addEnvironment(commonEnv.targetNumberTypes, targetNumberTypes);
      if ('twilio' in spec && spec.twilio) {
        fn.addEnvironment(commonEnv.twilioMps, twilioMps);
        fn.addEnvironment(commonEnv.emailFrom, emailFrom);
      }
      // Each user's token bucket (shared/http.ts): only its partition of the state table.
      if (routes.some((route) => route.function === name && route.auth === 'user')) {
        fn.useUserRateLimit(this.tables.state, tables.state.envVar, USER_RATE_PARTITION, userRate);
      }
      return fn;
    });

    const messagingServiceSid: string | undefined = props.twilioMessagingServiceSid ?? this.node.tryGetContext('twilioMessagingServiceSid');
    const twilioMpm: number | undefined = props.twilioMpm ?? this.node.tryGetContext('twilioMpm');
    for (const [name, spec] of entries<FunctionName, FunctionSpec>(functions)) {
      if (!spec.twilio) continue;
      if (messagingServiceSid) this.functions[name].addEnvironment(commonEnv.twilioMessagingServiceSid, messagingServiceSid);
      if (twilioMpm !== undefined) this.functions[name].addEnvironment(commonEnv.twilioMpm, String(twilioMpm));
    }

    // Twilio's webhooks on Function URLs: Twilio is sent to these, not to the API's routes.
    this.webhookUrls = Object.fromEntries(
      entries<FunctionName, FunctionSpec>(functions)
        .filter(([, spec]) => spec.webhook)
        .map(([name]) => [name, this.functions[name].function.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE })]),
    );
    const statusWebhook = this.webhookUrls[routes.find((r) => r.path === '/twilio/status')!.function]!;
    for (const [name, spec] of entries<FunctionName, FunctionSpec>(functions)) {
      if (spec.statusCallbacks) this.functions[name].addEnvironment(commonEnv.statusCallbackBaseUrl, statusWebhook.url);
    }
    // Line creation points each number at the webhooks' Function URLs (the voice one, when deployed).
    const webhookBase = (path: string) => {
      const fn = routes.find((r) => r.path === path)?.function;
      const url = fn ? this.webhookUrls[fn] : undefined;
      // The handler trims the Function URL's trailing slash before appending the route's path.
      return url ? url.url : publicBaseUrl;
    };
    for (const [name, spec] of entries<FunctionName, FunctionSpec>(functions)) {
      if (!spec.configuresNumbers) continue;
      this.functions[name].addEnvironment(commonEnv.voiceWebhookBaseUrl, webhookBase('/twilio/voice'));
      this.functions[name].addEnvironment(commonEnv.smsWebhookBaseUrl, webhookBase('/twilio/incoming'));
    }

    for (const [key, spec] of entries<QueueKey, QueueSpec>(queues)) {
      // The consumer defers records by changing their visibility (the event source's consume
      // grant covers it) and hands records it gives up on to the DLQ itself, with their outcome.
      const consumer = this.functions[spec.consumer];
      consumer.addEnvironment(spec.envVar, this.queues[key].queue.queueUrl);
      consumer.useQueue(this.queues[key].deadLetterQueue, spec.dlqEnvVar);
      consumer.function.addEventSource(
        new SqsEventSource(this.queues[key].queue, {
          batchSize: spec.batchSize,
          maxBatchingWindow: spec.maxBatchingWindowSeconds > 0 ? Duration.seconds(spec.maxBatchingWindowSeconds) : undefined,
          reportBatchItemFailures: true,
          maxConcurrency: spec.maxConcurrency,
        }),
      );
    }

    for (const [key, spec] of Object.entries(schedules)) {
      new events.Rule(this, `${pascal(key)}Schedule`, {
        description: `Runs ${spec.function} every ${spec.everyMinutes} minutes`,
        schedule: events.Schedule.rate(Duration.minutes(spec.everyMinutes)),
        targets: [new eventTargets.LambdaFunction(this.functions[spec.function].function, { retryAttempts: 2 })],
      });
    }

    // Events for other systems: each kind's publishers send it to its queue, a Pipe puts it on the default bus.
    this.busEventPipes = mapSpecs(busEvents, (key, spec) => new BusEventPipe(this, `${pascal(key)}Events`, { spec }));
    for (const [name, spec] of entries<FunctionName, FunctionSpec>(functions)) {
      for (const key of spec.publishes ?? []) this.functions[name].useQueue(this.busEventPipes[key].queue, busEvents[key].envVar);
    }

    this.httpApi.addTopologyRoutes(this.functions);

    this.observability = new Observability(this, 'Observability', {
      serviceName,
      alarmTopic: this.alarmTopic,
      functions: this.functions,
      queues: this.queues,
      twilioMps: Number(twilioMps),
    });

    new CfnOutput(this, 'ApiUrl', { value: publicBaseUrl });
    this.console.deploy(publicBaseUrl);
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.console.origin}/` });
    // The number's "A message comes in" webhook in the Twilio console.
    const incoming = routes.find((r) => r.path === '/twilio/incoming')!;
    new CfnOutput(this, 'TwilioIncomingWebhookUrl', { value: `${this.webhookUrls[incoming.function]!.url}twilio/incoming` });
    // The number's "A call comes in" webhook and call status callback (line creation sets both itself).
    const voice = routes.find((r) => r.path === '/twilio/voice')!;
    new CfnOutput(this, 'TwilioVoiceWebhookUrl', { value: `${this.webhookUrls[voice.function]!.url}twilio/voice` });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: userPoolClient.userPoolClientId });
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName });
    new CfnOutput(this, 'TwilioSecretArn', { value: this.twilioSecret.secretArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn });
    // Operators' DLQ commands (`npm run dlq`) find the queues through these.
    for (const [key, pair] of Object.entries(this.queues)) {
      new CfnOutput(this, `${pascal(key)}QueueUrl`, { value: pair.queue.queueUrl });
      new CfnOutput(this, `${pascal(key)}DeadLetterQueueUrl`, { value: pair.deadLetterQueue.queueUrl });
    }

    this.suppressFindings();
  }

  private createTable(spec: TableSpec): dynamodb.Table {
    const table = new dynamodb.Table(this, spec.name, {
      partitionKey: { name: spec.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: spec.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: spec.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of spec.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }

  private createAccessLogsBucket(): s3.Bucket {
    const accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(accessLogsBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: "This bucket receives the upload bucket's server access logs; logging it too would only log log deliveries.",
      },
    ]);
    return accessLogsBucket;
  }

  /**
   * Grants exactly what the spec declares, each grant setting the variable that names its resource,
   * and records why each wildcard those grants produce is acceptable.
   */
  private wire(fn: AppFunction, spec: FunctionSpec): void {
    const wildcards: NagPackSuppression[] = [];

    for (const [key, access] of entries<TableKey, Access | undefined>(spec.tables ?? {})) {
      if (!access) continue;
      const table = this.tables[key];
      // Batches write the files table's search-index items; deletes are declared per function.
      fn.useTable(table, access, tables[key].envVar, { delete: spec.deletes?.includes(key), batchWrite: key === 'files' });
      const indexes = tables[key].indexes.map((index) => index.name);
      if (indexes.length > 0) {
        wildcards.push({
          id: 'AwsSolutions-IAM5',
          appliesTo: [`Resource::<${this.logicalIdOf(table)}.Arn>/index/*`],
          reason: `${access} access to the global secondary indexes (${indexes.join(', ')}) of the ${tables[key].name} table, and no other table.`,
        });
      }
    }

    for (const key of spec.sendsTo ?? []) {
      fn.useQueue(this.queues[key].queue, queues[key].envVar);
    }

    wildcards.push(...this.uploads.grantAreas(fn, spec));

    if (spec.queueStats) {
      for (const [key, queueSpec] of entries<QueueKey, QueueSpec>(queues)) {
        fn.watchQueue(this.queues[key].queue, queueSpec.envVar);
        fn.watchQueue(this.queues[key].deadLetterQueue, queueSpec.dlqEnvVar);
      }
    }

    if (spec.twilio) fn.useSecret(this.twilioSecret, commonEnv.twilioSecretId);
    if (spec.pages) fn.useSecret(this.cursorSecret, commonEnv.cursorSecretId);
    if (spec.handoffs) fn.useSecret(this.handoffSecret, commonEnv.handoffSecretId);

    NagSuppressions.addResourceSuppressions(fn.role, wildcards, true);
  }

  private logicalIdOf(construct: Construct): string {
    return this.getLogicalId(construct.node.defaultChild as CfnElement);
  }

  private suppressFindings(): void {
    NagSuppressions.addResourceSuppressions(this.handoffSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'The hand-off key is shared with the receivers of hand-off events; it is rotated by replacing the value together with them, and needs no rotation Lambda.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.cursorSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Rotating the cursor key only invalidates the cursors in flight (clients restart a list); it is rotated by replacing the value, and needs no rotation Lambda.',
      },
    ]);
    NagSuppressions.addResourceSuppressions(this.twilioSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason:
          'Twilio auth tokens cannot be rotated by a rotation Lambda: Twilio has no API to issue a new primary token. Operators rotate it in the Twilio console and put the new value.',
      },
    ]);
  }
}

/** Builds one value per entry of a topology record, keeping the record's keys. */
function mapSpecs<K extends string, S, R>(specs: Record<K, S>, build: (key: K, spec: S) => R): Record<K, R> {
  return Object.fromEntries(entries<K, S>(specs).map(([key, spec]) => [key, build(key, spec)])) as Record<K, R>;
}

function entries<K extends string, V>(record: Partial<Record<K, V>>): [K, V][] {
  return Object.entries(record) as [K, V][];
}
