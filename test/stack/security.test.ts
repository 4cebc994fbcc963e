/**
 * Security properties of the synthesized template (issue 8), for both authorizer variants of
 * /v1/* — the API token (default) and the JWT authorizer chosen by `-c jwtIssuer=… -c
 * jwtAudience=…` — each with cdk-nag AwsSolutions attached (an unacknowledged finding fails the
 * synth). Bundling is skipped (`aws:cdk:bundling-stacks: []`): it does not change the template's
 * security-relevant shape, and it keeps this file to seconds.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, LOGICAL_IDS } from '../../lib/stack/app.ts';
import { API_BURST_LIMIT, API_RATE_LIMIT } from '../../lib/stack/api.ts';
import { WEBHOOK_RESERVED_CONCURRENCY } from '../../lib/stack/functions.ts';
import { TABLE_EVENT_WRITER_ACTIONS } from '../../lib/stack/storage.ts';

type Resource = { Type: string; Properties?: Record<string, any> };
type Template = { Resources: Record<string, Resource> };

const NO_BUNDLING = { 'aws:cdk:bundling-stacks': [] };
const JWT = { jwtIssuer: 'https://auth.example.com/', jwtAudience: 'phonekey-api,phonekey-cli' };

function synth(context: Record<string, unknown>): { template: Template; nagViolations: number } {
  const outdir = mkdtempSync(join(tmpdir(), 'phonekey-security-'));
  const { app, stack } = createApp({ outdir, context: { ...NO_BUNDLING, ...context } });
  app.synth(); // throws on an unacknowledged AwsSolutions error
  const template = JSON.parse(readFileSync(join(outdir, stack.templateFile), 'utf8')) as Template;
  let nagViolations = 0;
  try {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    for (const plugin of report.pluginReports ?? []) nagViolations += (plugin.violations ?? []).length;
  } catch {
    // no report file: no violations were written
  }
  return { template, nagViolations };
}

const of = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const refersToKey = (value: unknown): boolean => JSON.stringify(value ?? null).includes(`"${LOGICAL_IDS.key}"`);
const UNSIGNED_ROUTE = 'POST /webhooks/{channel}';
const STATIC_ROUTES = ['GET /console', 'GET /console/{asset}', 'GET /openapi.json'];
/**
 * Actions AWS supports only on `"Resource": "*"` (no resource-level permissions): Step Functions'
 * log delivery to CloudWatch Logs and X-Ray tracing. Any other action on `*` fails the test.
 */
const RESOURCE_STAR_ONLY = new Set([
  'logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery',
  'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery',
  'xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments',
]);

const variants: Record<string, { template: Template; nagViolations: number }> = {};
beforeAll(() => {
  variants.token = synth({});
  variants.jwt = synth(JWT);
}, 240_000);

describe.each(['token', 'jwt'])('the %s variant', (name) => {
  const t = () => variants[name]!.template;

  it('synthesizes with cdk-nag AwsSolutions clean', () => {
    expect(variants[name]!.nagViolations).toBe(0);
    expect(of(t(), 'AWS::ApiGatewayV2::Route').length).toBeGreaterThan(2);
  });

  it('puts an authorizer on every route except the HMAC-signed webhook and the static console and API document, whose function reads no data', () => {
    const routes = of(t(), 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!);
    const open = routes.filter((r) => !r.AuthorizationType || r.AuthorizationType === 'NONE').map((r) => r.RouteKey);
    expect(open.sort()).toEqual([UNSIGNED_ROUTE, ...STATIC_ROUTES].sort());
    // the static function may write its logs and nothing else: no table, bucket or secret
    const staticRole = (t().Resources.StaticFunction!.Properties!.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const staticActions = of(t(), 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties!.Roles as Array<{ Ref: string }>).some((r) => r.Ref === staticRole))
      .flatMap(([, p]) => [p.Properties!.PolicyDocument.Statement].flat().flatMap((st: { Action: string | string[] }) => [st.Action].flat()));
    expect(staticActions.length).toBeGreaterThan(0);
    expect(staticActions.every((a) => a.startsWith('logs:'))).toBe(true);
    for (const r of routes.filter((r) => r.RouteKey !== UNSIGNED_ROUTE && !STATIC_ROUTES.includes(r.RouteKey))) {
      expect(r.AuthorizationType, r.RouteKey).toBe(name === 'jwt' ? 'JWT' : 'CUSTOM');
      expect(r.AuthorizerId, r.RouteKey).toBeDefined();
    }
    expect(routes.map((r) => r.RouteKey)).toContain('DELETE /v1/profiles/{phone}');
  });

  it('grants no IAM action with a wildcard, and "*" resources only to actions that have no resource-level permissions', () => {
    const offending: string[] = [];
    const check = (where: string, doc: any) => {
      for (const st of [doc?.Statement ?? []].flat()) {
        for (const action of [st.Action ?? []].flat()) if (typeof action === 'string' && action.includes('*')) offending.push(`${where}: action ${action}`);
        const starResource = [st.Resource ?? []].flat().includes('*');
        const needsStar = [st.Action ?? []].flat().every((a: string) => RESOURCE_STAR_ONLY.has(a));
        if (starResource && !needsStar) offending.push(`${where}: resource * for ${JSON.stringify(st.Action)}`);
      }
    };
    for (const [id, r] of of(t(), 'AWS::IAM::Policy')) check(id, r.Properties!.PolicyDocument);
    for (const [id, r] of of(t(), 'AWS::IAM::Role')) {
      for (const p of r.Properties!.Policies ?? []) check(`${id}/${p.PolicyName}`, p.PolicyDocument);
      expect(JSON.stringify(r.Properties!.ManagedPolicyArns ?? []), id).not.toMatch(/AdministratorAccess|PowerUser|FullAccess/);
    }
    expect(offending).toEqual([]);
  });

  it('encrypts the table, data buckets, log groups, secrets and queues with the customer-managed key', () => {
    const tables = of(t(), 'AWS::DynamoDB::Table');
    expect(tables.length).toBe(1);
    for (const [, r] of tables) {
      expect(r.Properties!.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(refersToKey(r.Properties!.SSESpecification.KMSMasterKeyId)).toBe(true);
      expect(r.Properties!.PointInTimeRecoverySpecification).toMatchObject({ PointInTimeRecoveryEnabled: true });
    }
    for (const [id, r] of of(t(), 'AWS::S3::Bucket')) {
      const sse = r.Properties!.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault;
      if (id === LOGICAL_IDS.accessLogBucket) {
        // S3 server access logs cannot be delivered to an SSE-KMS bucket (documented exception).
        expect(sse.SSEAlgorithm).toBe('AES256');
        continue;
      }
      expect(sse.SSEAlgorithm, id).toBe('aws:kms');
      expect(refersToKey(sse.KMSMasterKeyID), id).toBe(true);
    }
    for (const type of ['AWS::Logs::LogGroup']) for (const [id, r] of of(t(), type)) expect(refersToKey(r.Properties!.KmsKeyId), id).toBe(true);
    for (const [id, r] of of(t(), 'AWS::SecretsManager::Secret')) expect(refersToKey(r.Properties!.KmsKeyId), id).toBe(true);
    for (const [id, r] of of(t(), 'AWS::SQS::Queue')) expect(refersToKey(r.Properties!.KmsMasterKeyId), id).toBe(true);
    expect(of(t(), 'AWS::Logs::LogGroup').length).toBeGreaterThan(3);
    expect(of(t(), 'AWS::SecretsManager::Secret').length).toBe(2);
    const [[, key]] = of(t(), 'AWS::KMS::Key');
    expect(key!.Properties!.EnableKeyRotation).toBe(true);
  });

  it('blocks public access and denies non-TLS requests on every bucket', () => {
    const policies = of(t(), 'AWS::S3::BucketPolicy').map(([, r]) => r.Properties!);
    for (const [id, r] of of(t(), 'AWS::S3::Bucket')) {
      expect(r.Properties!.PublicAccessBlockConfiguration, id).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      const policy = policies.find((p) => p.Bucket?.Ref === id);
      expect(policy, id).toBeDefined();
      const denyTls = policy!.PolicyDocument.Statement.find(
        (s: any) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false' && [s.Action].flat().includes('s3:*'),
      );
      expect(denyTls, `${id} has no TLS-only statement`).toBeDefined();
    }
  });
});

describe('the JWT variant', () => {
  it('uses a JWT authorizer with the issuer and audiences from context, and no Lambda authorizer', () => {
    const authorizers = of(variants.jwt!.template, 'AWS::ApiGatewayV2::Authorizer').map(([, r]) => r.Properties!);
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: JWT.jwtIssuer, Audience: ['phonekey-api', 'phonekey-cli'] },
    });
  });

  it('refuses half a JWT setting with a message naming the missing value', () => {
    expect(() => createApp({ outdir: mkdtempSync(join(tmpdir(), 'phonekey-security-')), context: { ...NO_BUNDLING, jwtIssuer: JWT.jwtIssuer } })).toThrow(/jwtAudience/);
    expect(() => createApp({ outdir: mkdtempSync(join(tmpdir(), 'phonekey-security-')), context: { ...NO_BUNDLING, jwtIssuer: 'http://plain', jwtAudience: 'a' } })).toThrow(/https/);
  });
});

describe('the token variant', () => {
  it('uses the Lambda request authorizer on the Authorization header', () => {
    const authorizers = of(variants.token!.template, 'AWS::ApiGatewayV2::Authorizer').map(([, r]) => r.Properties!);
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]).toMatchObject({ AuthorizerType: 'REQUEST', IdentitySource: ['$request.header.Authorization'], EnableSimpleResponses: true });
  });
});

describe('hardening', () => {
  const t = () => variants.token!.template;
  /** Every IAM statement attached to the role of the function with this logical id. */
  const statementsOf = (functionId: string) => {
    const role = JSON.stringify(t().Resources[functionId]!.Properties!.Role).match(/"Fn::GetAtt":\["([^"]+)"/)![1]!;
    return of(t(), 'AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(`"${role}"`))
      .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>);
  };
  const actions = (s: { Action: string | string[] }) => [s.Action].flat();

  it('throttles the API stage', () => {
    const [[, stage]] = of(t(), 'AWS::ApiGatewayV2::Stage');
    expect(stage!.Properties!.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: API_RATE_LIMIT, ThrottlingBurstLimit: API_BURST_LIMIT });
  });

  it('caps the unauthenticated webhook function with reserved concurrency, and grants it only the table actions it uses', () => {
    expect(t().Resources[LOGICAL_IDS.webhookFunction]!.Properties!.ReservedConcurrentExecutions).toBe(WEBHOOK_RESERVED_CONCURRENCY);
    const table = statementsOf(LOGICAL_IDS.webhookFunction).flatMap(actions).filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(table)).toEqual(new Set(TABLE_EVENT_WRITER_ACTIONS));
    for (const never of ['dynamodb:Scan', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) expect(table).not.toContain(never);
  });

  it('lets imports read the raw bucket only under incoming/ and fanout/', () => {
    const fanoutFunction = of(t(), 'AWS::Lambda::Function').find(([id]) => id.includes('Fanout'))![0];
    for (const fn of [LOGICAL_IDS.importFunction, fanoutFunction]) {
      const reads = statementsOf(fn).filter((s) => actions(s).includes('s3:GetObject'));
      const resources = JSON.stringify(reads.map((s) => s.Resource));
      expect(resources).toContain('/incoming/*');
      expect(resources, fn).not.toMatch(/RawBucket[^\]]*?"\/\*"/);
      for (const s of reads) expect(JSON.stringify(s.Resource)).not.toMatch(/"\/\*"/);
    }
  });

  it('keeps the table from being deleted, and gives the bucket notification handler an encrypted log group with retention', () => {
    expect(t().Resources[LOGICAL_IDS.table]!.Properties!.DeletionProtectionEnabled).toBe(true);
    const [[, handler]] = of(t(), 'AWS::Lambda::Function').filter(([id]) => id.startsWith('BucketNotificationsHandler'));
    const logGroupId = JSON.stringify(handler!.Properties!.LoggingConfig).match(/"Ref":"([^"]+)"/)![1]!;
    const logGroup = t().Resources[logGroupId]!;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties!.RetentionInDays).toBe(365);
    expect(refersToKey(logGroup.Properties!.KmsKeyId)).toBe(true);
  });

  it('keeps an API token verdict at most 30 s, so a revoked token stops working within a minute', () => {
    const [[, authorizer]] = of(t(), 'AWS::ApiGatewayV2::Authorizer');
    expect(authorizer!.Properties!.AuthorizerResultTtlInSeconds).toBeLessThanOrEqual(30);
  });
});
