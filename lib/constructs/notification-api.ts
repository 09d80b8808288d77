import { Duration } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as logs from 'aws-cdk-lib/aws-logs';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { routes, type FunctionName } from '../../shared/topology.ts';
import type { AppFunction } from './app-function.ts';
import { pascal } from './construct-ids.ts';

/** Requests per second and burst the API takes in all, before any function runs. */
const apiThrottle = { rateLimit: 50, burstLimit: 100 } as const;
/**
 * Twilio's webhooks get their own, higher limit: a burst of status callbacks is normal (two or
 * three per message sent), and a 429 would make Twilio drop the callback.
 */
const twilioThrottle = { rateLimit: 1_000, burstLimit: 2_000 } as const;

export interface NotificationApiProps {
  /** The one origin browsers call the API from (the console's). */
  readonly allowedOrigin: string;
  /**
   * Where the stage writes its access logs. The stack owns the log group, so that it keeps the
   * logical id it had before the API became a construct.
   */
  readonly accessLogs: logs.ILogGroup;
  /** The pool whose JWTs the user routes accept, from the `userPoolClients` only. */
  readonly userPool: cognito.IUserPool;
  readonly userPoolClients: cognito.IUserPoolClient[];
}

/**
 * The HTTP API: CORS for the console's origin, one auto-deployed `$default` stage with JSON
 * access logs and throttling (higher on Twilio's routes), and, once the functions exist, every
 * route of the topology on its function, behind the user-pool authorizer unless Twilio calls it.
 */
export class NotificationApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  private readonly userAuthorizer: HttpUserPoolAuthorizer;

  constructor(scope: Construct, id: string, props: NotificationApiProps) {
    super(scope, id);

    // 'Default' is left out of logical ids: the API, its stage, routes and authorizer keep the
    // ids they had when the stack declared the API directly.
    this.api = new apigw.HttpApi(this, 'Default', {
      // The name it had as the stack's own child (an API is named after its construct id by default).
      apiName: id,
      description: 'Twilio notifications API',
      // The stage is created below, because only an explicit stage takes access-log settings.
      createDefaultStage: false,
      corsPreflight: {
        // Browsers call the API from the console only.
        allowOrigins: [props.allowedOrigin],
        allowHeaders: ['authorization', 'content-type'],
        allowMethods: [...new Set(routes.map((route) => apigw.CorsHttpMethod[route.method]))],
        maxAge: Duration.hours(1),
      },
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: apiThrottle,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(props.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            method: '$context.httpMethod',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
    });
    // RouteSettings is a free-form map in CloudFormation, so its keys are written in its own casing.
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = Object.fromEntries(
      routes
        .filter((route) => route.auth === 'twilio')
        .map((route) => [`${route.method} ${route.path}`, { ThrottlingRateLimit: twilioThrottle.rateLimit, ThrottlingBurstLimit: twilioThrottle.burstLimit }]),
    );

    this.userAuthorizer = new HttpUserPoolAuthorizer('UserAuthorizer', props.userPool, { userPoolClients: props.userPoolClients });
  }

  /** Routes every route of the topology to its function, one Lambda integration per function. */
  addTopologyRoutes(functions: Record<FunctionName, AppFunction>): void {
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of routes) {
      let integration = integrations.get(route.function);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${pascal(route.function)}Integration`, functions[route.function].function);
        integrations.set(route.function, integration);
      }
      const [httpRoute] = this.api.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration,
        // Twilio cannot present a JWT; it signs each request and the handler verifies X-Twilio-Signature.
        authorizer: route.auth === 'user' ? this.userAuthorizer : undefined,
      });
      if (route.auth === 'twilio' && httpRoute) {
        NagSuppressions.addResourceSuppressions(httpRoute, [
          {
            id: 'AwsSolutions-APIG4',
            reason: `${route.method} ${route.path} is called by Twilio, which cannot obtain a JWT; the handler rejects requests without a valid X-Twilio-Signature.`,
          },
        ]);
      }
    }
  }
}
