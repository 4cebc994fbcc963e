import { CfnOutput, CfnResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { HttpMethod, HttpNoneAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import { Functions } from './functions.ts';
import { ImportFanout } from './import-fanout.ts';
import { createDataKey } from './security.ts';
import { Storage } from './storage.ts';
import { acknowledge, pinLogicalId } from './util.ts';
import { NightlyWorkflow } from './workflow.ts';

/** Key prefix in the raw bucket whose new objects start an import. */
export const INCOMING_PREFIX = 'incoming/';

/** Pinned CloudFormation logical ids of the resources other tools look up in the template. */
export const LOGICAL_IDS = {
  key: 'DataKey',
  table: 'Table',
  rawBucket: 'RawBucket',
  reportsBucket: 'ReportsBucket',
  accessLogBucket: 'AccessLogBucket',
  apiTokenSecret: 'ApiToken',
  webhookSecrets: 'WebhookSecrets',
  webhookFunction: 'WebhookFunction',
  importDeadLetterQueue: 'ImportDeadLetterQueue',
  importFunction: 'ImportFunction',
  apiFunction: 'ApiFunction',
  authorizerFunction: 'AuthorizerFunction',
  nightlyFunction: 'NightlyFunction',
  httpApi: 'HttpApi',
  stateMachine: 'NightlyStateMachine',
  schedule: 'NightlySchedule',
} as const;

/** The whole PhoneKey system: the single source of truth for what deploys and what runs locally. */
export class PhoneKeyStack extends Stack {
  readonly storage: Storage;
  readonly functions: Functions;
  readonly api: Api;
  readonly nightly: NightlyWorkflow;
  readonly importFanout: ImportFanout;
  readonly apiTokenSecret: secretsmanager.Secret;
  readonly webhookSecrets: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const key = createDataKey(this, 'DataKey');
    pinLogicalId(key, LOGICAL_IDS.key);

    this.storage = new Storage(this, 'Storage', { key });

    this.apiTokenSecret = new secretsmanager.Secret(this, 'ApiToken', {
      description: 'Bearer token for the PhoneKey HTTP API (Authorization header)',
      encryptionKey: key,
      generateSecretString: { passwordLength: 40, excludePunctuation: true, includeSpace: false },
    });
    pinLogicalId(this.apiTokenSecret, LOGICAL_IDS.apiTokenSecret);
    acknowledge(this.apiTokenSecret, {
      'AwsSolutions-SMG4':
        'The API token is a static bearer credential shared with the CLI and integrators; rotating it needs a coordinated hand-over, so it is rotated by an operator (put-secret-value) rather than by a rotation Lambda. The authorizer reads the current value on each cache miss.',
    });

    // Webhook signing secrets, one JSON object: `{ "default": "<generated>" }` at first; a company
    // adds a key per channel (`{ "app": "…", "default": "…" }`) with PutSecretValue. A channel
    // without its own key is verified with `default`. The previous version (AWSPREVIOUS) stays
    // valid too, so a rotation has a grace period.
    this.webhookSecrets = new secretsmanager.Secret(this, 'WebhookSecrets', {
      description: 'PhoneKey webhook signing secrets: JSON { "<channel>": "<secret>", "default": "<secret>" }',
      encryptionKey: key,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'default',
        passwordLength: 48,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    pinLogicalId(this.webhookSecrets, LOGICAL_IDS.webhookSecrets);
    acknowledge(this.webhookSecrets, {
      'AwsSolutions-SMG4':
        'Webhook secrets are shared with each channel (app, website, mini-program, …); a new value needs a hand-over with that channel, so an operator rotates it with put-secret-value and the receiver keeps accepting the previous value (AWSPREVIOUS) as the grace period.',
    });

    this.functions = new Functions(this, 'Functions', {
      key,
      storage: this.storage,
      apiTokenSecret: this.apiTokenSecret,
      webhookSecrets: this.webhookSecrets,
    });

    // Files too big for one import run: split and imported by Step Functions (issue 4).
    this.importFanout = new ImportFanout(this, 'ImportFanout', { key, storage: this.storage, importFunction: this.functions.importFn });

    this.storage.rawBucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.LambdaDestination(this.functions.importFn.fn),
      { prefix: INCOMING_PREFIX },
    );
    // CDK's singleton custom resource that writes the bucket's notification configuration: its
    // logs go to a log group of ours, encrypted with the data key and kept a year like the others.
    for (const child of this.node.children) {
      if (child.node.id.startsWith('BucketNotificationsHandler')) {
        const logGroup = new logs.LogGroup(this, 'BucketNotificationsHandlerLogs', { encryptionKey: key, retention: logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
        (child.node.defaultChild as CfnResource).addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
        child.node.addDependency(logGroup);
        acknowledge(child, {
          'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
            "CDK's internal BucketNotificationsHandler (a deploy-time custom resource, not application code) ships with this role; it only lets the handler write its own CloudWatch logs, and its other permission is s3:PutBucketNotification on the raw bucket alone.",
        });
      }
    }

    this.api = new Api(this, 'Api', { key, authorizerFunction: this.functions.authorizerFn.fn });
    this.api.addRoute(HttpMethod.GET, '/v1/profiles', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/profiles/{phone}', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/segments', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/reports', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/numbers', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/export', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/reports/{kind}/{id}/{file}', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.DELETE, '/v1/profiles/{phone}', this.functions.apiFn.fn);
    // identity (issue 6): check on entry, review queue, unmerge, merge history
    this.api.addRoute(HttpMethod.POST, '/v1/match', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/reviews', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.POST, '/v1/reviews/{id}/approve', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.POST, '/v1/reviews/{id}/reject', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.POST, '/v1/profiles/{phone}/unmerge', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/profiles/{phone}/merges', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.GET, '/v1/profiles/{phone}/splits', this.functions.apiFn.fn);
    this.api.addRoute(HttpMethod.POST, '/v1/splits/{id}/undo', this.functions.apiFn.fn);
    for (const route of this.api.addRoute(HttpMethod.POST, '/webhooks/{channel}', this.functions.webhookFn.fn, { authorizer: new HttpNoneAuthorizer() })) {
      acknowledge(route, {
        'AwsSolutions-APIG4':
          "Channels cannot hold the API token: every webhook request is authenticated by the function itself with an HMAC-SHA256 signature over timestamp + body under the channel's secret (stale, missing or wrong signatures get 401 and store nothing).",
      });
    }

    for (const path of ['/console', '/console/{asset}', '/openapi.json']) {
      for (const route of this.api.addRoute(HttpMethod.GET, path, this.functions.staticFn.fn, { authorizer: new HttpNoneAuthorizer() })) {
        acknowledge(route, {
          'AwsSolutions-APIG4':
            'The console page and script and the OpenAPI document hold no data; everything the console shows comes from /v1/* routes, which require the API token (or JWT) the steward enters.',
        });
      }
    }

    this.nightly = new NightlyWorkflow(this, 'Nightly', { key, nightlyFunction: this.functions.nightlyFn.fn });

    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'RawBucketName', { value: this.storage.rawBucket.bucketName });
    new CfnOutput(this, 'ReportsBucketName', { value: this.storage.reportsBucket.bucketName });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'ConsoleUrl', { value: `${this.api.url}console` });
    new CfnOutput(this, 'StateMachineArn', { value: this.nightly.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ApiTokenSecretArn', { value: this.apiTokenSecret.secretArn });
    new CfnOutput(this, 'WebhookSecretsArn', { value: this.webhookSecrets.secretArn });
    // `phonekey retry` reads (and after a successful re-drive, deletes) the failed imports here.
    new CfnOutput(this, 'ImportDeadLetterQueueUrl', { value: this.functions.importDeadLetterQueue.queueUrl });
  }
}
