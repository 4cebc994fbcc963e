import { describe, it, expect, beforeAll } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { createApp, type PhoneKeyStack } from '../../lib/stack/app.ts';

// One synth for the whole file (bundling takes seconds); every test reads the shared result.
let app: App;
let stack: PhoneKeyStack;
let assembly: CloudAssembly | undefined;
let synthError: unknown;
let synthesized: { template: Template; json: TemplateJson } | undefined;

type TemplateJson = { Resources: Record<string, CfnRes>; Outputs: Record<string, unknown> };

/** The shared template; when the synth failed, each template test fails with the synth's error. */
function synthesizedOrThrow(): { template: Template; json: TemplateJson } {
  if (!synthesized) throw new Error(`no template, the synth failed: ${String(synthError).slice(0, 2000)}`);
  return synthesized;
}
const tpl = () => synthesizedOrThrow().template;
const res = () => synthesizedOrThrow().json.Resources;

interface CfnRes {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
  DeletionPolicy?: string;
}

beforeAll(() => {
  ({ app, stack } = createApp({ outdir: mkdtempSync(join(tmpdir(), 'phonekey-stack-')) }));
  try {
    assembly = app.synth();
  } catch (err) {
    synthError = err;
    return;
  }
  const template = Template.fromStack(stack); // reuses the cached assembly, no second synth
  synthesized = { template, json: template.toJSON() as TemplateJson };
}, 180_000);

const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });
const ref = (id: string) => ({ Ref: id });
const keyArn = getAtt('DataKey');

function ofType(type: string): [string, CfnRes][] {
  return Object.entries(res()).filter(([, r]) => r.Type === type);
}

/** Flattens Fn::Join / Ref / Fn::GetAtt into a string, e.g. for the state machine definition. */
function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref) return `<${v.Ref}>`;
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** Every IAM statement in the template: identity policies, role inline policies, resource policies. */
function allStatements(): { where: string; statement: Record<string, any> }[] {
  const found: { where: string; statement: Record<string, any> }[] = [];
  const walk = (node: unknown, where: string) => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, where));
    if (!node || typeof node !== 'object') return;
    const obj = node as Record<string, any>;
    if (Array.isArray(obj.Statement)) {
      for (const statement of obj.Statement) found.push({ where, statement });
      return;
    }
    for (const v of Object.values(obj)) walk(v, where);
  };
  for (const [id, r] of Object.entries(res())) walk(r.Properties, id);
  return found;
}

const asList = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

describe('synthesis and cdk-nag', () => {
  it('synthesizes in-process without an unacknowledged AwsSolutions error', () => {
    // cdk-nag 3 runs as a validation plugin: an unacknowledged error makes app.synth() throw.
    expect(synthError).toBeUndefined();
    expect(assembly).toBeDefined();
  });

  it('leaves no AwsSolutions finding at all, errors or warnings, in the validation report', () => {
    const report = JSON.parse(readFileSync(join(assembly!.directory, 'validation-report.json'), 'utf8'));
    const findings = (report.pluginReports as any[]).flatMap((r) =>
      (r.violations as any[]).map((v) => `${r.pluginName}: ${v.ruleName} @ ${v.violatingConstructs.map((c: any) => c.constructPath)}`),
    );
    expect(findings).toEqual([]);
  });

  it('passes a fresh AwsSolutions run over the construct tree (acknowledgements included)', () => {
    const result = new AwsSolutionsChecks().validateScope(app);
    expect(result.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual([]);
    expect(result.success).toBe(true);
  });
});

describe('PhoneKeyStack template', () => {
  it('has one customer-managed KMS key with rotation, and no kms:* in its policy', () => {
    tpl().resourceCountIs('AWS::KMS::Key', 1);
    tpl().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    const actions = res().DataKey!.Properties!.KeyPolicy.Statement.flatMap((s: any) => asList(s.Action));
    expect(actions).not.toContain('kms:*');
    expect(actions).not.toContain('*');
  });

  it('has the single table as docs/architecture.md describes it', () => {
    tpl().resourceCountIs('AWS::DynamoDB::Table', 1);
    tpl().hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn },
        GlobalSecondaryIndexes: Match.arrayWith([
          Match.objectLike({
            IndexName: 'byProfile',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
          }),
          Match.objectLike({
            IndexName: 'profiles',
            KeySchema: [
              { AttributeName: 'pshard', KeyType: 'HASH' },
              { AttributeName: 'profileId', KeyType: 'RANGE' },
            ],
          }),
        ]),
      },
    });
    const table = res().Table!.Properties!;
    expect(table.GlobalSecondaryIndexes).toHaveLength(2);
    const attrs = Object.fromEntries(table.AttributeDefinitions.map((a: any) => [a.AttributeName, a.AttributeType]));
    expect(attrs).toEqual({ pk: 'S', sk: 'S', gsi1pk: 'S', gsi1sk: 'S', pshard: 'S', profileId: 'S' });
  });

  it.each(['RawBucket', 'ReportsBucket'])('hardens %s: versioned, CMK, public access blocked, access logs', (id) => {
    const props = res()[id]!.Properties!;
    expect(props.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(props.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({
      SSEAlgorithm: 'aws:kms',
      KMSMasterKeyID: keyArn,
    });
    expect(props.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(props.LoggingConfiguration.DestinationBucketName).toEqual(ref('AccessLogBucket'));
  });

  it.each(['RawBucket', 'ReportsBucket', 'AccessLogBucket'])('%s policy denies requests without TLS', (id) => {
    const policies = ofType('AWS::S3::BucketPolicy').filter(([, p]) => JSON.stringify(p.Properties!.Bucket) === JSON.stringify(ref(id)));
    expect(policies).toHaveLength(1);
    const denies = policies[0]![1].Properties!.PolicyDocument.Statement.filter(
      (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false',
    );
    expect(denies).toHaveLength(1);
    expect(denies[0].Principal).toEqual({ AWS: '*' });
  });

  it('starts the import function for objects created under incoming/ in the raw bucket', () => {
    const notifications = ofType('Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    const props = notifications[0]![1].Properties!;
    expect(props.BucketName).toEqual(ref('RawBucket'));
    expect(props.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'incoming/' }] } },
          LambdaFunctionArn: getAtt('ImportFunction'),
        },
      ],
    });
    tpl().hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: getAtt('ImportFunction'),
      Principal: 's3.amazonaws.com',
      SourceArn: getAtt('RawBucket'),
    });
  });

  it('routes GET /v1/profiles/{phone} to the API function behind the token authorizer', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties!.RouteKey === 'GET /v1/profiles/{phone}');
    expect(routes).toHaveLength(1);
    const route = routes[0]![1].Properties!;
    expect(route.AuthorizationType).toBe('CUSTOM');
    const authorizerId = route.AuthorizerId.Ref as string;
    const authorizer = res()[authorizerId]!;
    expect(authorizer.Type).toBe('AWS::ApiGatewayV2::Authorizer');
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
    });
    expect(flatten(authorizer.Properties!.AuthorizerUri)).toContain('<AuthorizerFunction.Arn>');
    const integrationId = flatten(route.Target).replace(/^integrations\/<(.*)>$/, '$1');
    expect(res()[integrationId]!.Properties!.IntegrationUri).toEqual(getAtt('ApiFunction'));
  });

  it('writes API access logs to a KMS-encrypted log group', () => {
    const stages = ofType('AWS::ApiGatewayV2::Stage');
    expect(stages).toHaveLength(1);
    const stage = stages[0]![1].Properties!;
    expect(stage.StageName).toBe('$default');
    const logGroupId = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(res()[logGroupId]!.Properties!.KmsKeyId).toEqual(keyArn);
  });

  it('schedules the nightly state machine at 02:00 Asia/Shanghai', () => {
    tpl().resourceCountIs('AWS::Scheduler::Schedule', 1);
    tpl().hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: ref('NightlyStateMachine') }),
    });
    const roleId = res().NightlySchedule!.Properties!.Target.RoleArn['Fn::GetAtt'][0] as string;
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([ref(roleId)]));
    expect(policies.flatMap(([, p]) => p.Properties!.PolicyDocument.Statement)).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: ref('NightlyStateMachine') },
    ]);
  });

  it('defines Plan → Snapshot (Map) → Rematch → ProfilePlan → Measure (Map) → Quantiles → Recompute (Map) → Report → Done, with retries and a catch to RecordFailure → Failed', () => {
    const sm = res().NightlyStateMachine!.Properties!;
    expect(sm.StateMachineType).toBe('STANDARD');
    expect(sm.LoggingConfiguration.Level).toBe('ALL');
    expect(sm.TracingConfiguration).toEqual({ Enabled: true });
    const asl = JSON.parse(flatten(sm.DefinitionString));
    expect(asl.StartAt).toBe('Plan');
    const { Plan, Snapshot, Rematch, ProfilePlan, Measure, Quantiles, Recompute, Report, Done, RecordFailure, Failed } = asl.States;
    expect([Plan.Next, Snapshot.Next, Rematch.Next, ProfilePlan.Next, Measure.Next, Quantiles.Next, Recompute.Next, Report.Next]).toEqual([
      'Snapshot',
      'Rematch',
      'ProfilePlan',
      'Measure',
      'Quantiles',
      'Recompute',
      'Report',
      'Done',
    ]);
    expect(Done.Type).toBe('Succeed');
    expect(RecordFailure.Next).toBe('Failed');
    expect(Failed.Type).toBe('Fail');
    // Fan-out: scan segments and profile chunks are Map iterations, bounded in concurrency.
    expect(Snapshot).toMatchObject({ Type: 'Map', ItemsPath: '$.plan.segments', MaxConcurrency: 8 });
    expect(Snapshot.ItemSelector).toMatchObject({ 'runId.$': '$.plan.runId', 'segment.$': '$$.Map.Item.Value' });
    expect(Recompute).toMatchObject({ Type: 'Map', ItemsPath: '$.profilePlan.chunks', MaxConcurrency: 8 });
    const SnapshotSegment = Snapshot.ItemProcessor.States.SnapshotSegment;
    const RecomputeChunk = Recompute.ItemProcessor.States.RecomputeChunk;
    expect(Measure).toMatchObject({ Type: 'Map', ItemsPath: '$.profilePlan.measureChunks', MaxConcurrency: 8 });
    const MeasureChunk = Measure.ItemProcessor.States.MeasureChunk;
    for (const [state, step] of [
      [Plan, 'plan'],
      [SnapshotSegment, 'snapshot'],
      [Rematch, 'rematch'],
      [ProfilePlan, 'profile-plan'],
      [MeasureChunk, 'measure'],
      [Quantiles, 'quantiles'],
      [RecomputeChunk, 'recompute'],
      [Report, 'report'],
      [RecordFailure, 'failed'],
    ] as const) {
      expect(state.Type).toBe('Task');
      expect(state.Resource).toBe('<NightlyFunction.Arn>'); // plain function ARN, not lambda:invoke
      expect(state.Parameters).toMatchObject({ step, 'execution.$': '$$.Execution.Name', 'input.$': '$' });
      expect(state.TimeoutSeconds).toBe(900);
      expect(state.Retry).toContainEqual(expect.objectContaining({ ErrorEquals: ['States.ALL'], MaxAttempts: 2, BackoffRate: 2 }));
    }
    expect(RecordFailure.Parameters['error.$']).toBe('$.error');
    for (const state of [Plan, Snapshot, Rematch, ProfilePlan, Measure, Quantiles, Recompute, Report]) {
      expect(state.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordFailure' }]);
    }
  });

  it('builds every function as nodejs22.x on arm64 with a KMS-encrypted log group', () => {
    const ids = ['ImportFunction', 'ImportFanoutFunction', 'ApiFunction', 'WebhookFunction', 'StaticFunction', 'AuthorizerFunction', 'NightlyFunction'];
    for (const id of ids) {
      const fn = res()[id]!;
      expect(fn.Type).toBe('AWS::Lambda::Function');
      expect(fn.Properties!.Runtime).toBe('nodejs22.x');
      expect(fn.Properties!.Architectures).toEqual(['arm64']);
      expect(fn.Properties!.Handler).toBe('index.handler');
      const logGroup = res()[fn.Properties!.LoggingConfig.LogGroup.Ref]!.Properties!;
      expect(logGroup.KmsKeyId).toEqual(keyArn);
      expect(logGroup.RetentionInDays).toBe(365);
      // the bundle is in the assembly, named by the asset metadata the local runner reads
      const bundle = join(assembly!.directory, fn.Metadata!['aws:asset:path']);
      expect(existsSync(join(bundle, 'index.js'))).toBe(true);
      expect(existsSync(join(bundle, 'index.js.map'))).toBe(true);
    }
    // every application function (not CDK's own custom-resource handlers) is one of these
    const nodeFunctions = ofType('AWS::Lambda::Function').filter(([, f]) => String(f.Properties!.Runtime).startsWith('nodejs'));
    expect(nodeFunctions.map(([id]) => id).sort()).toEqual([...ids].sort());
  });

  it('gives each function only the environment it needs', () => {
    const env = (id: string) => res()[id]!.Properties!.Environment.Variables;
    const base = { POWERTOOLS_SERVICE_NAME: 'phonekey', NODE_OPTIONS: '--enable-source-maps' };
    expect(env('ImportFunction')).toEqual({
      ...base,
      TABLE_NAME: ref('Table'),
      RAW_BUCKET: ref('RawBucket'),
      REPORTS_BUCKET: ref('ReportsBucket'),
      // files above this size go to the fan-out state machine
      IMPORT_FANOUT_ARN: ref('ImportFanoutStateMachine'),
      IMPORT_FANOUT_BYTES: String(256 * 1024 * 1024),
    });
    expect(env('ImportFanoutFunction')).toEqual({
      ...base,
      TABLE_NAME: ref('Table'),
      RAW_BUCKET: ref('RawBucket'),
      REPORTS_BUCKET: ref('ReportsBucket'),
      IMPORT_CHUNK_ROWS: '200000',
    });
    expect(env('ApiFunction')).toEqual({ ...base, TABLE_NAME: ref('Table'), REPORTS_BUCKET: ref('ReportsBucket') });
    expect(res().StaticFunction!.Properties!.Environment.Variables).toEqual(base);
    expect(env('WebhookFunction')).toEqual({ ...base, TABLE_NAME: ref('Table'), WEBHOOK_SECRETS_ARN: ref('WebhookSecrets') });
    expect(env('AuthorizerFunction')).toEqual({ ...base, API_TOKEN_SECRET_ARN: ref('ApiToken') });
    expect(env('NightlyFunction')).toEqual({ ...base, TABLE_NAME: ref('Table'), REPORTS_BUCKET: ref('ReportsBucket') });
  });

  it('sends failed async imports to a KMS-encrypted, TLS-only DLQ after 2 retries', () => {
    const fn = res().ImportFunction!.Properties!;
    expect(fn.Timeout).toBe(900);
    expect(fn.MemorySize).toBe(1024);
    expect(fn.DeadLetterConfig).toEqual({ TargetArn: getAtt('ImportDeadLetterQueue') });
    tpl().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref('ImportFunction'),
      MaximumRetryAttempts: 2,
    });
    expect(res().ImportDeadLetterQueue!.Properties!.KmsMasterKeyId).toEqual(keyArn);
    tpl().hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref('ImportDeadLetterQueue')],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(res().NightlyFunction!.Properties!.Timeout).toBe(900);
  });

  it('generates a 40-character API token secret encrypted with the CMK', () => {
    tpl().hasResourceProperties('AWS::SecretsManager::Secret', {
      KmsKeyId: keyArn,
      GenerateSecretString: Match.objectLike({ PasswordLength: 40 }),
    });
  });

  it('routes POST /webhooks/{channel} to the webhook function without the token authorizer (HMAC in the function)', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').filter(([, r]) => r.Properties!.RouteKey === 'POST /webhooks/{channel}');
    expect(routes).toHaveLength(1);
    const route = routes[0]![1].Properties!;
    expect(route.AuthorizationType).toBe('NONE');
    expect(route.AuthorizerId).toBeUndefined();
    const integrationId = flatten(route.Target).replace(/^integrations\/<(.*)>$/, '$1');
    expect(res()[integrationId]!.Properties!.IntegrationUri).toEqual(getAtt('WebhookFunction'));
  });

  it('generates the webhook secrets as JSON with a "default" key, encrypted with the CMK, readable by the webhook function', () => {
    expect(res().WebhookSecrets!.Properties).toMatchObject({
      KmsKeyId: keyArn,
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'default' },
    });
    const roleId = res().WebhookFunction!.Properties!.Role['Fn::GetAtt'][0] as string;
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([ref(roleId)]))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement);
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: ref('WebhookSecrets') }),
    );
  });

  it('has the nine outputs', () => {
    expect(Object.keys(synthesizedOrThrow().json.Outputs).sort()).toEqual(
      ['ApiTokenSecretArn', 'ApiUrl', 'ConsoleUrl', 'ImportDeadLetterQueueUrl', 'RawBucketName', 'ReportsBucketName', 'StateMachineArn', 'TableName', 'WebhookSecretsArn'].sort(),
    );
    // `phonekey retry --target aws` reads the failed imports from here.
    expect(synthesizedOrThrow().json.Outputs.ImportDeadLetterQueueUrl).toEqual({ Value: ref('ImportDeadLetterQueue') });
    expect(synthesizedOrThrow().json.Outputs.WebhookSecretsArn).toEqual({ Value: ref('WebhookSecrets') });
    expect(synthesizedOrThrow().json.Outputs.TableName).toEqual({ Value: ref('Table') });
    expect(synthesizedOrThrow().json.Outputs.StateMachineArn).toEqual({ Value: ref('NightlyStateMachine') });
  });
});

describe('least privilege', () => {
  it('allows no "*" or "service:*" action in any policy statement', () => {
    const statements = allStatements().filter(({ statement }) => statement.Effect === 'Allow');
    expect(statements.length).toBeGreaterThan(10);
    const offenders = statements.flatMap(({ where, statement }) =>
      asList<string>(statement.Action)
        .filter((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a))
        .map((a) => `${where}: ${a}`),
    );
    expect(offenders).toEqual([]);
  });

  it('uses Resource "*" in identity policies only for logs delivery and X-Ray', () => {
    const offenders = ofType('AWS::IAM::Policy').flatMap(([id, p]) =>
      (p.Properties!.PolicyDocument.Statement as any[])
        .filter((s) => asList(s.Resource).includes('*'))
        .flatMap((s) => asList<string>(s.Action).filter((a) => !/^(logs|xray):/.test(a)).map((a) => `${id}: ${a}`)),
    );
    expect(offenders).toEqual([]);
  });

  it("does not grant the import function's role dynamodb:* or any DynamoDB wildcard", () => {
    const roleId = res().ImportFunction!.Properties!.Role['Fn::GetAtt'][0] as string;
    const policies = ofType('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties!.Roles) === JSON.stringify([ref(roleId)]));
    expect(policies).toHaveLength(1);
    const actions = (policies[0]![1].Properties!.PolicyDocument.Statement as any[]).flatMap((s) => asList<string>(s.Action));
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions.filter((a) => a.startsWith('dynamodb:') && a.includes('*'))).toEqual([]);
    expect(res()[roleId]!.Properties!.ManagedPolicyArns).toBeUndefined();
  });

  it('attaches no AWS-managed policy to the application roles', () => {
    const withManaged = ofType('AWS::IAM::Role')
      .filter(([id]) => !id.startsWith('BucketNotificationsHandler'))
      .filter(([, r]) => r.Properties!.ManagedPolicyArns !== undefined);
    expect(withManaged.map(([id]) => id)).toEqual([]);
  });
});
