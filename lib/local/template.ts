/**
 * Reads a synthesized CloudFormation template and resolves the intrinsic functions the stack
 * uses into local values, so the local cloud runs exactly what would deploy.
 */

export interface Resource {
  Type: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, Resource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';

/** Local physical names: deterministic, lower-case, valid for buckets and tables alike. */
export function physicalName(logicalId: string): string {
  return `phonekey-${logicalId.toLowerCase()}`.slice(0, 63);
}

/** What `Ref` and `Fn::GetAtt` give for each resource type, locally. */
function refOf(logicalId: string, resource: Resource | undefined): string {
  const name = physicalName(logicalId);
  switch (resource?.Type) {
    case 'AWS::SecretsManager::Secret':
    case 'AWS::StepFunctions::StateMachine':
    case 'AWS::SQS::Queue':
    case 'AWS::SNS::Topic':
      return arnOf(logicalId, resource);
    default:
      return name;
  }
}

export function arnOf(logicalId: string, resource: Resource | undefined): string {
  const name = physicalName(logicalId);
  const prefix = `${LOCAL_REGION}:${LOCAL_ACCOUNT}`;
  switch (resource?.Type) {
    case 'AWS::Lambda::Function':
      return `arn:aws:lambda:${prefix}:function:${name}`;
    case 'AWS::DynamoDB::Table':
      return `arn:aws:dynamodb:${prefix}:table/${name}`;
    case 'AWS::S3::Bucket':
      return `arn:aws:s3:::${name}`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${prefix}:stateMachine:${name}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${prefix}:secret:${name}`;
    case 'AWS::SQS::Queue':
      return `arn:aws:sqs:${prefix}:${name}`;
    case 'AWS::IAM::Role':
      return `arn:aws:iam::${LOCAL_ACCOUNT}:role/${name}`;
    case 'AWS::KMS::Key':
      return `arn:aws:kms:${prefix}:key/${name}`;
    default:
      return `arn:aws:local:${prefix}:${logicalId}`;
  }
}

function getAtt(template: Template, logicalId: string, attribute: string): string {
  const resource = template.Resources[logicalId];
  if (attribute === 'Arn') return arnOf(logicalId, resource);
  if (attribute === 'Name') return physicalName(logicalId);
  if (attribute === 'ApiEndpoint') return 'http://127.0.0.1';
  if (attribute === 'DomainName' || attribute === 'RegionalDomainName') return `${physicalName(logicalId)}.local`;
  return `${physicalName(logicalId)}.${attribute}`;
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'PhoneKey',
  'AWS::NoValue': '',
};

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split recursively. */
export function resolve(template: Template, value: unknown): any {
  if (Array.isArray(value)) return value.map((v) => resolve(template, v));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, any>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const [fn] = keys;
    const arg = obj[fn];
    switch (fn) {
      case 'Ref':
        return PSEUDO[arg] ?? refOf(arg, template.Resources[arg]);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split('.');
        return getAtt(template, id, attr);
      }
      case 'Fn::Join': {
        const [sep, parts] = arg;
        return (resolve(template, parts) as unknown[]).join(sep);
      }
      case 'Fn::Select': {
        const [index, list] = resolve(template, arg);
        return list[Number(index)];
      }
      case 'Fn::Split': {
        const [sep, source] = resolve(template, arg);
        return String(source).split(sep);
      }
      case 'Fn::Sub': {
        const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
        const bound = resolve(template, vars) as Record<string, string>;
        return String(text).replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in bound) return bound[name];
          if (name in PSEUDO) return PSEUDO[name];
          const [id, attr] = name.split('.');
          return attr ? getAtt(template, id, attr) : refOf(id, template.Resources[id]);
        });
      }
    }
  }
  return Object.fromEntries(keys.map((k) => [k, resolve(template, obj[k])]));
}

export function resourcesOfType(template: Template, type: string): Array<[string, Resource]> {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** Finds the logical id whose local ARN or name a resolved value points at. */
export function logicalIdFor(template: Template, resolvedRef: string): string | undefined {
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (arnOf(id, resource) === resolvedRef || physicalName(id) === resolvedRef) return id;
  }
  return undefined;
}

export function resolvedOutputs(template: Template): Record<string, string> {
  return Object.fromEntries(
    Object.entries(template.Outputs ?? {}).map(([k, o]) => [k, String(resolve(template, o.Value))]),
  );
}
