import { Duration, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { pinLogicalId } from './util.ts';

export interface ApiProps {
  readonly key: kms.IKey;
  /** Lambda authorizer (simple responses) guarding every route unless a route says otherwise. */
  readonly authorizerFunction: lambda.IFunction;
}

/**
 * CDK context that switches /v1/* from the API token to a JWT authorizer (AWS only; the local
 * cloud runs the token authorizer): `cdk deploy -c jwtIssuer=https://issuer/ -c jwtAudience=a,b`.
 */
export const JWT_CONTEXT = { issuer: 'jwtIssuer', audience: 'jwtAudience' } as const;

/** The JWT settings from context, or undefined for the token authorizer; half a setting is an error. */
export function jwtSettings(scope: Construct): { issuer: string; audience: string[] } | undefined {
  const issuer = scope.node.tryGetContext(JWT_CONTEXT.issuer) as string | undefined;
  const audienceText = scope.node.tryGetContext(JWT_CONTEXT.audience) as string | string[] | undefined;
  const audience = (Array.isArray(audienceText) ? audienceText : String(audienceText ?? '').split(',')).map((a) => a.trim()).filter(Boolean);
  if (!issuer && !audience.length) return undefined;
  if (!issuer || !/^https:\/\//.test(issuer)) throw new Error(`context ${JWT_CONTEXT.issuer} must be the issuer's https:// URL (got ${JSON.stringify(issuer)})`);
  if (!audience.length) throw new Error(`context ${JWT_CONTEXT.audience} must name at least one audience (comma-separated) when ${JWT_CONTEXT.issuer} is set`);
  return { issuer, audience };
}

/** Requests per second the stage serves, steady and in a burst; beyond them API Gateway answers 429. */
export const API_RATE_LIMIT = 1_000;
export const API_BURST_LIMIT = 2_000;

export interface RouteOptions {
  /** Overrides the API token authorizer, e.g. `new HttpNoneAuthorizer()` for signed webhooks. */
  readonly authorizer?: apigw.IHttpRouteAuthorizer;
}

/**
 * The HTTP API: a `$default` stage with KMS-encrypted access logs, and a Lambda authorizer
 * (identity source `$request.header.Authorization`) as the default for every route.
 * Adding a route is one line: `api.addRoute(HttpMethod.GET, '/v1/things/{id}', fn)`.
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  /** The default authorizer of every route: the API token (Lambda), or a JWT authorizer when configured. */
  readonly authorizer: HttpLambdaAuthorizer | HttpJwtAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  private readonly integrations = new Map<lambda.IFunction, HttpLambdaIntegration>();

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const jwt = jwtSettings(this);
    this.authorizer = jwt
      ? new HttpJwtAuthorizer('ApiJwtAuthorizer', jwt.issuer, { jwtAudience: jwt.audience, identitySource: ['$request.header.Authorization'] })
      : new HttpLambdaAuthorizer('ApiTokenAuthorizer', props.authorizerFunction, {
          responseTypes: [HttpLambdaResponseType.SIMPLE],
          identitySource: ['$request.header.Authorization'],
          // With the authorizer's own 20 s, a revoked token stops working within 50 s.
          resultsCacheTtl: Duration.seconds(30),
        });
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'PhoneKey HTTP API',
      createDefaultStage: false,
      defaultAuthorizer: this.authorizer,
    });
    pinLogicalId(this.httpApi, 'HttpApi');

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      encryptionKey: props.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(this.accessLogGroup) },
      // A flood (the webhook route needs no token) is refused at the door, not billed through.
      throttle: { rateLimit: API_RATE_LIMIT, burstLimit: API_BURST_LIMIT },
    });
  }

  /** The invoke URL of the `$default` stage (ends with `/`). */
  get url(): string {
    return this.stage.url;
  }

  /** Routes `method path` to `handler` (payload format 2.0), behind the token authorizer by default. */
  addRoute(method: apigw.HttpMethod, path: string, handler: lambda.IFunction, options: RouteOptions = {}): apigw.HttpRoute[] {
    let integration = this.integrations.get(handler);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${Names.nodeUniqueId(handler.node)}Integration`, handler);
      this.integrations.set(handler, integration);
    }
    return this.httpApi.addRoutes({ path, methods: [method], integration, authorizer: options.authorizer });
  }
}
