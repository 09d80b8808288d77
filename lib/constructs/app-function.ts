import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { lambdaBundling, onDemandPackages, onDemandPackagesOf, onDemandStagingDir, writeOnDemandPackage } from '../bundling.ts';
import type { Access } from '../../shared/topology.ts';
import type { FunctionSpec } from '../../shared/function-specs.ts';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * After esbuild, copies the function's on-demand packages beside its bundle, from where
 * `stageOnDemandPackages` built them under the project: a plain copy, which runs alike in local
 * and in Docker bundling (where the project is /asset-input).
 */
function onDemandHooks(packages: readonly string[]) {
  return {
    beforeBundling: (): string[] => [],
    beforeInstall: (): string[] => [],
    afterBundling: (inputDir: string, outputDir: string): string[] => [
      `mkdir -p "${outputDir}/node_modules"`,
      ...packages.map((name) => `cp -R "${inputDir}/${onDemandStagingDir}/node_modules/${name}" "${outputDir}/node_modules/"`),
    ],
  };
}

const staged = new Set<string>();

/** Builds each on-demand package once per synth into the project's staging folder (`onDemandStagingDir`). */
function stageOnDemandPackages(packages: readonly string[]): void {
  for (const name of packages.filter((p) => !staged.has(p))) {
    writeOnDemandPackage(name, path.join(projectRoot, onDemandStagingDir));
    staged.add(name);
  }
}

/** What the adapters read with: single items, queries, and batches of gets. */
const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
/** What every writer writes with: conditional puts and updates. */
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
/**
 * Concurrent executions set aside for each function Twilio calls: a flood of webhooks (signed
 * or not) is throttled there instead of taking the whole account's concurrency from the API.
 */
export const WEBHOOK_RESERVED_CONCURRENCY = 20;

export interface AppFunctionProps {
  readonly spec: FunctionSpec;
  /** Powertools service name shared by every function of the application. */
  readonly serviceName: string;
  /** Prebuilt code instead of bundling `spec.entry`, so synth does not depend on the handler sources. */
  readonly code?: lambda.Code;
}

/**
 * A Node.js 24 arm64 Lambda function bundled from `spec.entry`, with its own role and log group.
 *
 * The role starts empty (no AWSLambdaBasicExecutionRole) and may write only to the function's
 * own log group; everything else comes from the `use*` methods, which grant and set the matching
 * environment variable together so a permission never exists without its configuration.
 */
export class AppFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    const { spec } = props;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: spec.description,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_MONTH });
    this.logGroup.grantWrite(this.role);

    const onDemand = props.code ? [] : onDemandPackagesOf(spec);
    stageOnDemandPackages(onDemand);
    this.function = new NodejsFunction(this, 'Function', {
      description: spec.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      // No active tracing: the X-Ray SDK would cost more cold start than the traces would tell
      // beyond the correlated logs and the metrics (README, "Observability").
      tracing: lambda.Tracing.DISABLED,
      ...(spec.webhook ? { reservedConcurrentExecutions: WEBHOOK_RESERVED_CONCURRENCY } : {}),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
      },
      ...(props.code
        ? { code: props.code, handler: 'index.handler' }
        : {
            entry: path.join(projectRoot, spec.entry),
            handler: 'handler',
            projectRoot,
            depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
            bundling: {
              minify: lambdaBundling.minify,
              sourceMap: true,
              // Stack traces need only the mappings; leaving the sources out roughly halves the package.
              sourcesContent: false,
              target: lambdaBundling.target,
              format: OutputFormat.ESM,
              mainFields: [...lambdaBundling.mainFields],
              banner: lambdaBundling.banner,
              // Bundle the AWS SDK too, so the deployed version is the one in package-lock.json;
              // only the on-demand packages stay out, and ship beside the bundles that use them.
              externalModules: [...onDemandPackages],
              ...(onDemand.length > 0 ? { commandHooks: onDemandHooks(onDemand) } : {}),
              // esbuild's per-file size table, five lines a function, drowns what synth has to say.
              logLevel: LogLevel.WARNING,
            },
          }),
    });
  }

  addEnvironment(name: string, value: string): void {
    this.function.addEnvironment(name, value);
  }

  /**
   * Grants `access` to the table's items and indexes and passes its name in `envVar`: only the
   * item actions the code uses (no Scan anywhere); DeleteItem and BatchWriteItem only when asked
   * for, as few functions delete or write in batches.
   */
  useTable(table: dynamodb.ITable, access: Access, envVar: string, extra: { delete?: boolean; batchWrite?: boolean } = {}): void {
    const actions = [
      ...(access !== 'write' ? TABLE_READ_ACTIONS : []),
      ...(access !== 'read' ? TABLE_WRITE_ACTIONS : []),
      ...(access !== 'read' && extra.delete ? ['dynamodb:DeleteItem'] : []),
      ...(access !== 'read' && extra.batchWrite ? ['dynamodb:BatchWriteItem'] : []),
    ];
    table.grant(this.function, ...actions);
    this.addEnvironment(envVar, table.tableName);
  }

  /**
   * Lets the function keep per-user token buckets in `table`, reading and updating only the items
   * of `partition` (a condition on the leading key), and passes the table and the limits on.
   */
  useUserRateLimit(table: dynamodb.ITable, envVar: string, partition: string, rate: { perSecond: number; burst: number }): void {
    this.function.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [partition] } },
      }),
    );
    this.addEnvironment(envVar, table.tableName);
    this.addEnvironment('USER_RATE_PER_SECOND', String(rate.perSecond));
    this.addEnvironment('USER_RATE_BURST', String(rate.burst));
  }

  /** Lets the function send to the queue and passes its URL in `envVar`. */
  useQueue(queue: sqs.IQueue, envVar: string): void {
    queue.grantSendMessages(this.function);
    this.addEnvironment(envVar, queue.queueUrl);
  }

  /** Lets the function read the queue's attributes (its depth) and passes its URL in `envVar`. */
  watchQueue(queue: sqs.IQueue, envVar: string): void {
    queue.grant(this.function, 'sqs:GetQueueAttributes');
    this.addEnvironment(envVar, queue.queueUrl);
  }

  /** Grants `access` to the objects matching `keyPattern` and passes the bucket name in `envVar`. */
  useBucket(bucket: s3.IBucket, access: Access, keyPattern: string, envVar: string): void {
    if (access !== 'write') bucket.grantRead(this.function, keyPattern);
    if (access !== 'read') bucket.grantPut(this.function, keyPattern);
    this.addEnvironment(envVar, bucket.bucketName);
  }

  /** Lets the function delete the objects matching `keyPattern` (the bucket's name comes with a `useBucket` grant). */
  deleteFromBucket(bucket: s3.IBucket, keyPattern: string): void {
    bucket.grantDelete(this.function, keyPattern);
  }

  /** Lets the function read the secret's value and passes its ARN in `envVar`. */
  useSecret(secret: secretsmanager.ISecret, envVar: string): void {
    secret.grantRead(this.function);
    this.addEnvironment(envVar, secret.secretArn);
  }
}
