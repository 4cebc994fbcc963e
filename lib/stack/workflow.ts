import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { acknowledge, pinLogicalId } from './util.ts';

/** When the nightly reconciliation starts: 02:00 every day, China time. */
export const NIGHTLY_CRON = 'cron(0 2 * * ? *)';
export const NIGHTLY_TIME_ZONE = TimeZone.ASIA_SHANGHAI;

export interface NightlyWorkflowProps {
  readonly key: kms.IKey;
  readonly nightlyFunction: lambda.IFunction;
}

/** Snapshot segments and recompute chunks run at most this many at once. */
export const NIGHTLY_MAP_CONCURRENCY = 8;

/**
 * The nightly state machine and the EventBridge Scheduler schedule that starts it:
 *
 *   Plan → Snapshot (Map over scan segments) → Rematch → ProfilePlan → Measure (Map over chunks
 *   of never-computed profiles) → Quantiles → Recompute (Map over profile-id chunks) → Report →
 *   Done; any failure → RecordFailure → Failed.
 *
 * Every task invokes the nightly function directly (`payloadResponseOnly`, so each Task's Resource
 * is the plain function ARN) with `{ step, execution: $$.Execution.Name, input: $ }`; inside a Map
 * the input is the item that the Map's ItemSelector builds. Each step keeps its output under
 * `nightly/<runId>/` in the reports bucket and skips work already done, so a failed run can be
 * resumed by starting a new execution with `{ "runId": "<the run>" }` (`phonekey reconcile --resume`).
 */
export class NightlyWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: NightlyWorkflowProps) {
    super(scope, id);
    const fn = props.nightlyFunction;

    const step = (stateId: string, stepName: string, opts: { resultPath?: string; extra?: Record<string, unknown> } = {}) => {
      const task = new tasks.LambdaInvoke(this, stateId, {
        stateName: stateId,
        lambdaFunction: fn,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject({
          step: stepName,
          execution: sfn.JsonPath.executionName,
          input: sfn.JsonPath.entirePayload,
          ...opts.extra,
        }),
        resultPath: opts.resultPath ?? sfn.JsonPath.DISCARD,
        // The function's own limit; also keeps a local ASL runner from using its 60 s default.
        taskTimeout: sfn.Timeout.duration(Duration.minutes(15)),
      });
      // A failure the run input asked for (tests of resuming) is not retried; anything else is.
      task.addRetry({ errors: ['NightlyInjectedFailure'], maxAttempts: 0 });
      task.addRetry({ errors: [sfn.Errors.ALL], maxAttempts: 2, interval: Duration.seconds(10), backoffRate: 2 });
      return task;
    };

    const failed = new sfn.Fail(this, 'Failed', {
      stateName: 'Failed',
      error: 'NightlyRunFailed',
      cause: 'A nightly step failed; RecordFailure stored the error under nightly/<runId>/failure.json. Resume with phonekey reconcile --resume <runId>.',
    });
    const recordFailure = step('RecordFailure', 'failed', { resultPath: '$.failure', extra: { error: sfn.JsonPath.objectAt('$.error') } }).next(failed);

    /**
     * A Map state: one iteration per element of `itemsPath`, each running the nightly function's
     * `stepName` on `{ runId, <itemName>: element, failAt, ...extra }`, at most
     * NIGHTLY_MAP_CONCURRENCY at once; results are discarded (the steps keep theirs in S3).
     */
    const fanOut = (stateId: string, taskId: string, stepName: string, opts: { comment: string; itemsPath: string; itemName: string; extra?: Record<string, string> }) => {
      const map = new sfn.Map(this, stateId, {
        stateName: stateId,
        comment: opts.comment,
        itemsPath: opts.itemsPath,
        itemSelector: {
          runId: sfn.JsonPath.stringAt('$.plan.runId'),
          [opts.itemName]: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
          ...Object.fromEntries(Object.entries(opts.extra ?? {}).map(([k, path]) => [k, sfn.JsonPath.stringAt(path)])),
          failAt: sfn.JsonPath.stringAt('$.plan.failAt'),
        },
        maxConcurrency: NIGHTLY_MAP_CONCURRENCY,
        resultPath: sfn.JsonPath.DISCARD,
      });
      map.itemProcessor(step(taskId, stepName, { resultPath: '$' }));
      return map;
    };

    const plan = step('Plan', 'plan', { resultPath: '$.plan' });
    const snapshot = fanOut('Snapshot', 'SnapshotSegment', 'snapshot', {
      comment: 'Parallel scan: each segment of the table is written as NDJSON under nightly/<runId>/snapshot/, its members grouped by profile chunk',
      itemsPath: '$.plan.segments',
      itemName: 'segment',
      extra: { totalSegments: '$.plan.totalSegments', buckets: '$.plan.buckets' },
    });
    const rematch = step('Rematch', 'rematch', { resultPath: '$.rematch' });
    const profilePlan = step('ProfilePlan', 'profile-plan', { resultPath: '$.profilePlan' });
    const measure = fanOut('Measure', 'MeasureChunk', 'measure', {
      comment: 'Profiles never computed yet (new since the last night) are measured from their chunk of the snapshot, so the base quantiles cover them',
      itemsPath: '$.profilePlan.measureChunks',
      itemName: 'chunk',
    });
    const quantiles = step('Quantiles', 'quantiles', { resultPath: sfn.JsonPath.DISCARD });
    const recompute = fanOut('Recompute', 'RecomputeChunk', 'recompute', {
      comment: 'Profiles, derived fields and tags, one chunk of the snapshot per iteration, with the base quantiles of Quantiles',
      itemsPath: '$.profilePlan.chunks',
      itemName: 'chunk',
    });
    const report = step('Report', 'report', { resultPath: '$.report' });
    for (const state of [plan, snapshot, rematch, profilePlan, measure, quantiles, recompute, report]) {
      state.addCatch(recordFailure, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }
    const definition = plan
      .next(snapshot)
      .next(rematch)
      .next(profilePlan)
      .next(measure)
      .next(quantiles)
      .next(recompute)
      .next(report)
      .next(new sfn.Succeed(this, 'Done', { stateName: 'Done', outputPath: '$.report' }));

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy small.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-Nightly`,
      encryptionKey: props.key,
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'PhoneKey nightly reconciliation',
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    pinLogicalId(this.stateMachine, 'NightlyStateMachine');
    acknowledge(this.stateMachine.role, {
      'AwsSolutions-IAM5[Resource::*]':
        'Added by CDK for logging and tracing: the CloudWatch Logs log-delivery actions (logs:CreateLogDelivery, logs:PutResourcePolicy, ...) and X-Ray PutTraceSegments/PutTelemetryRecords/GetSampling* do not support resource-level permissions, so AWS requires Resource "*" for them.',
      'AwsSolutions-IAM5[Resource::<NightlyFunction.Arn>:*]':
        'lambda:InvokeFunction on the nightly function and its versions/aliases (ARN suffix :*), as LambdaInvoke grants it; no other function is reachable.',
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: 'Starts the PhoneKey nightly reconciliation',
      schedule: scheduler.ScheduleExpression.expression(NIGHTLY_CRON, NIGHTLY_TIME_ZONE),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
      }),
    });
    pinLogicalId(this.schedule, 'NightlySchedule');
  }
}
