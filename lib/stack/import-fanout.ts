import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ServiceFunction } from './functions.ts';
import { grantKeyUse } from './security.ts';
import type { Storage } from './storage.ts';
import { acknowledge, pinLogicalId } from './util.ts';

/**
 * Files above this size are fanned out instead of imported in one run. A direct import streams at
 * a few thousand rows/s, so 256 MB (≈ 2.5M CSV rows) stays well inside the 15-minute limit.
 * `PHONEKEY_IMPORT_FANOUT_BYTES` at synth time overrides it (the tests use a tiny value).
 */
export const DEFAULT_FANOUT_BYTES = 256 * 1024 * 1024;
/** Rows per chunk: one chunk is one function run (≈ 200k rows in a few minutes). */
export const DEFAULT_CHUNK_ROWS = 200_000;
/** Chunks imported at once. */
export const FANOUT_CONCURRENCY = 8;

export interface ImportFanoutProps {
  readonly key: kms.IKey;
  readonly storage: Storage;
  /** The S3-triggered import function: it starts the fan-out for big files. */
  readonly importFunction: ServiceFunction;
}

/**
 * The fan-out of one big import (functions/app/import-fanout.ts):
 *
 *   SplitFile → ImportChunks (Map over the chunk list, ≤ FANOUT_CONCURRENCY at once: ImportChunk)
 *             → FinishImport → Done;   any failure → FinishFailedImport → Failed
 *
 * A regular (inline) Map over a chunk list written by a split step, not a Distributed Map with an
 * S3 ItemReader: the local runner (aws-local-stepfunctions) does not support ItemReader /
 * ItemBatcher / ResultWriter, and with one item per 200k-row chunk the list stays small (a
 * 100M-row file is 500 items, well inside the 256 KB state and 25,000-event history limits), so
 * the same definition runs on AWS and locally. Every task is the fan-out function, invoked with
 * `{ step, job, … }`; chunk imports resume after their own checkpoints when retried.
 */
export class ImportFanout extends Construct {
  readonly fn: ServiceFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ImportFanoutProps) {
    super(scope, id);
    const { key, storage } = props;
    const fanoutBytes = Number(process.env.PHONEKEY_IMPORT_FANOUT_BYTES ?? DEFAULT_FANOUT_BYTES);
    const chunkRows = Number(process.env.PHONEKEY_IMPORT_CHUNK_ROWS ?? DEFAULT_CHUNK_ROWS);

    this.fn = new ServiceFunction(this, 'ImportFanoutFunction', {
      entry: 'functions/handlers/import-fanout.ts',
      description: 'Steps of a fanned-out import: split a big file into chunks, import one chunk, finish the report',
      key,
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: {
        TABLE_NAME: storage.table.tableName,
        RAW_BUCKET: storage.rawBucket.bucketName,
        REPORTS_BUCKET: storage.reportsBucket.bucketName,
        IMPORT_CHUNK_ROWS: String(chunkRows),
      },
    });
    const role = this.fn.role;
    storage.grantTableReadWrite(role);
    storage.grantRawRead(role);
    storage.grantReportsPut(role);
    // Chunks and the chunks' own reports: only under fanout/ in the raw bucket.
    iam.Grant.addToPrincipal({ grantee: role, actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resourceArns: [storage.rawBucket.arnForObjects('fanout/*')] });
    grantKeyUse(key, role, 'encryptDecrypt');
    acknowledge(role, {
      'AwsSolutions-IAM5[Resource::<RawBucket.Arn>/incoming/*]':
        'Object-level S3 actions can only be scoped by key; the fan-out reads (GetObject/GetObjectVersion, read-only) the big file an import names, anywhere under incoming/.',
      'AwsSolutions-IAM5[Resource::<RawBucket.Arn>/fanout/*]': 'The fan-out reads and writes its chunk objects and their reports under fanout/<importId>/ only.',
      'AwsSolutions-IAM5[Resource::<ReportsBucket.Arn>/*]':
        'Object-level S3 actions can only be scoped by key; the reports bucket exists only for PhoneKey reports and the role may only put objects there.',
    });

    const invoke = (stateName: string, payload: Record<string, unknown>, resultPath: string) => {
      const task = new tasks.LambdaInvoke(this, stateName, {
        stateName,
        lambdaFunction: this.fn.fn,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject(payload),
        resultPath,
        taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
      });
      task.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 2, interval: Duration.seconds(5), backoffRate: 2 });
      return task;
    };
    const job = sfn.JsonPath.objectAt('$.job');

    const failed = new sfn.Fail(this, 'Failed', { stateName: 'Failed', error: 'ImportFanoutFailed', cause: 'A step failed; FinishFailedImport marked the import failed.' });
    const finishFailed = invoke(
      'FinishFailedImport',
      { step: 'finish', job, chunks: sfn.JsonPath.objectAt('$.split.chunks'), failure: sfn.JsonPath.objectAt('$.failure') },
      '$.finish',
    ).next(failed);
    const noChunks = new sfn.Pass(this, 'NoChunks', { stateName: 'NoChunks', result: sfn.Result.fromObject({ chunks: [] }), resultPath: '$.split' }).next(finishFailed);

    const split = invoke('SplitFile', { step: 'split', job }, '$.split');
    split.addCatch(noChunks, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });

    const chunks = new sfn.Map(this, 'ImportChunks', {
      stateName: 'ImportChunks',
      itemsPath: '$.split.chunks',
      itemSelector: { job: sfn.JsonPath.objectAt('$.job'), chunk: sfn.JsonPath.objectAt('$$.Map.Item.Value') },
      maxConcurrency: FANOUT_CONCURRENCY,
      resultPath: sfn.JsonPath.DISCARD,
    });
    chunks.itemProcessor(invoke('ImportChunk', { step: 'chunk', job, chunk: sfn.JsonPath.objectAt('$.chunk') }, '$.result'));
    chunks.addCatch(finishFailed, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });

    const finish = invoke('FinishImport', { step: 'finish', job, chunks: sfn.JsonPath.objectAt('$.split.chunks') }, '$.finish');
    const definition = split.next(chunks).next(finish).next(new sfn.Succeed(this, 'Done', { stateName: 'Done' }));

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-ImportFanout`,
      encryptionKey: key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'PhoneKey import of a big file: split, import the chunks, finish the report',
      timeout: Duration.hours(24),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    pinLogicalId(this.stateMachine, 'ImportFanoutStateMachine');
    acknowledge(this.stateMachine.role, {
      'AwsSolutions-IAM5[Resource::*]':
        'Added by CDK for logging and tracing: the CloudWatch Logs log-delivery actions and X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* do not support resource-level permissions, so AWS requires Resource "*" for them.',
      'AwsSolutions-IAM5[Resource::<ImportFanoutFunction.Arn>:*]':
        'lambda:InvokeFunction on the fan-out function and its versions/aliases (ARN suffix :*), as LambdaInvoke grants it; no other function is reachable.',
    });

    // The S3-triggered import function starts the fan-out for files above the threshold.
    const importFn = props.importFunction;
    importFn.fn.addEnvironment('IMPORT_FANOUT_ARN', this.stateMachine.stateMachineArn);
    importFn.fn.addEnvironment('IMPORT_FANOUT_BYTES', String(fanoutBytes));
    this.stateMachine.grantStartExecution(importFn.role);
  }
}
