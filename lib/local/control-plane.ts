/**
 * The two AWS control-plane APIs the functions and the CLI call besides storage, answered locally
 * in their own JSON protocols so the SDK clients need nothing but an endpoint:
 * Step Functions (StartExecution, DescribeExecution, ListExecutions) and Secrets Manager
 * (GetSecretValue, PutSecretValue). Secrets live in the data folder.
 */
import type { RequestListener } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { arnOf, physicalName, resolve, resourcesOfType, type Template } from './template.ts';
import { ExecutionAlreadyExists, type LocalWorkflows } from './workflow.ts';

interface SecretVersion {
  versionId: string;
  value: string;
  stages: string[];
  created: string;
}

export class LocalSecrets {
  private readonly file: string;
  private secrets: Record<string, { name: string; versions: SecretVersion[] }>;

  constructor(template: Template, dataDir: string) {
    this.file = join(dataDir, 'secrets.json');
    this.secrets = existsSync(this.file) ? JSON.parse(readFileSync(this.file, 'utf8')) : {};
    for (const [logicalId, resource] of resourcesOfType(template, 'AWS::SecretsManager::Secret')) {
      const arn = arnOf(logicalId, resource);
      if (this.secrets[arn]) continue;
      const p = resolve(template, resource.Properties ?? {});
      this.secrets[arn] = { name: physicalName(logicalId), versions: [] };
      this.put(arn, p.SecretString ?? generateSecret(p.GenerateSecretString ?? {}));
    }
    this.persist();
  }

  private persist(): void {
    writeFileSync(this.file, JSON.stringify(this.secrets, null, 2), { mode: 0o600 });
  }

  private find(id: string): string | undefined {
    if (this.secrets[id]) return id;
    return Object.keys(this.secrets).find((arn) => this.secrets[arn].name === id);
  }

  get(id: string, stage = 'AWSCURRENT'): { arn: string; name: string; version: SecretVersion } | undefined {
    const arn = this.find(id);
    const version = arn && this.secrets[arn].versions.find((v) => v.stages.includes(stage));
    return arn && version ? { arn, name: this.secrets[arn].name, version } : undefined;
  }

  /** A new value becomes AWSCURRENT; the one before it stays readable as AWSPREVIOUS. */
  put(id: string, value: string): SecretVersion {
    const arn = this.find(id);
    if (!arn) throw new Error(`Secrets Manager can't find the specified secret: ${id}`);
    const versions = this.secrets[arn].versions;
    for (const v of versions) v.stages = v.stages.includes('AWSCURRENT') ? ['AWSPREVIOUS'] : [];
    const version = { versionId: randomUUID(), value, stages: ['AWSCURRENT'], created: new Date().toISOString() };
    this.secrets[arn].versions = [...versions.filter((v) => v.stages.length), version];
    this.persist();
    return version;
  }
}

function generateSecret(opts: { PasswordLength?: number; ExcludePunctuation?: boolean; SecretStringTemplate?: string; GenerateStringKey?: string }): string {
  const length = opts.PasswordLength ?? 32;
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789' + (opts.ExcludePunctuation ? '' : '-_.~');
  const bytes = randomBytes(length);
  const secret = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  if (opts.SecretStringTemplate && opts.GenerateStringKey) {
    return JSON.stringify({ ...JSON.parse(opts.SecretStringTemplate), [opts.GenerateStringKey]: secret });
  }
  return secret;
}

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const toEpoch = (iso?: string) => (iso ? Date.parse(iso) / 1000 : undefined);

export function controlPlane(workflows: LocalWorkflows, secrets: LocalSecrets): RequestListener {
  const operations: Record<string, (input: any) => unknown> = {
    'AWSStepFunctions.StartExecution': (input) => {
      try {
        const e = workflows.start(input.stateMachineArn, input.input ?? '{}', input.name);
        return { executionArn: e.executionArn, startDate: toEpoch(e.startDate) };
      } catch (error) {
        if (error instanceof ExecutionAlreadyExists) throw new ApiError('ExecutionAlreadyExists', error.message);
        throw new ApiError('StateMachineDoesNotExist', (error as Error).message);
      }
    },
    'AWSStepFunctions.DescribeExecution': (input) => {
      const e = workflows.describe(input.executionArn);
      if (!e) throw new ApiError('ExecutionDoesNotExist', `Execution Does Not Exist: '${input.executionArn}'`);
      return { ...e, startDate: toEpoch(e.startDate), stopDate: toEpoch(e.stopDate) };
    },
    'AWSStepFunctions.ListExecutions': (input) => ({
      executions: workflows
        .list(input.stateMachineArn)
        .filter((e) => !input.statusFilter || e.status === input.statusFilter)
        .slice(0, input.maxResults || 100)
        .map((e) => ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: toEpoch(e.startDate), stopDate: toEpoch(e.stopDate) })),
    }),
    'secretsmanager.GetSecretValue': (input) => {
      const s = secrets.get(input.SecretId, input.VersionStage);
      if (!s) throw new ApiError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
      return { ARN: s.arn, Name: s.name, SecretString: s.version.value, VersionId: s.version.versionId, VersionStages: s.version.stages, CreatedDate: toEpoch(s.version.created) };
    },
    'secretsmanager.PutSecretValue': (input) => {
      try {
        const v = secrets.put(input.SecretId, input.SecretString);
        return { ARN: secrets.get(input.SecretId)!.arn, VersionId: v.versionId, VersionStages: v.stages };
      } catch (error) {
        throw new ApiError('ResourceNotFoundException', (error as Error).message);
      }
    },
  };

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const contentType = target.startsWith('secretsmanager') ? 'application/x-amz-json-1.1' : 'application/x-amz-json-1.0';
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': contentType });
        res.end(JSON.stringify(body));
      };
      const operation = operations[target];
      if (!operation) return reply(400, { __type: 'UnknownOperationException', message: `${target} is not available locally` });
      try {
        reply(200, operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
      } catch (error) {
        if (error instanceof ApiError) return reply(400, { __type: error.type, message: error.message });
        reply(500, { __type: 'InternalFailure', message: (error as Error).message });
      }
    });
  };
}
