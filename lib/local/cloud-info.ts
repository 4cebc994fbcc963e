/**
 * What a running local cloud leaves in its data folder (`cloud.json`) and what a client needs to
 * reach it. Kept apart from the cloud itself so that a command talking to a running cloud does not
 * load the CDK app.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface CloudInfo {
  pid: number;
  dataDir: string;
  startedAt: string;
  endpoints: { api: string; s3: string; dynamodb: string; control: string };
  /** The stack's CloudFormation outputs, resolved to their local values. */
  outputs: Record<string, string>;
  secretsFile: string;
  deadLetterFile: string;
}

export function cloudInfoFile(dataDir: string): string {
  return join(dataDir, 'cloud.json');
}

/** The running cloud of a data folder, if its process is alive. */
export function runningCloud(dataDir: string): CloudInfo | undefined {
  const file = cloudInfoFile(dataDir);
  if (!existsSync(file)) return undefined;
  const info = JSON.parse(readFileSync(file, 'utf8')) as CloudInfo;
  try {
    process.kill(info.pid, 0);
    return info;
  } catch {
    return undefined;
  }
}

export function clientEnvFor(endpoints: CloudInfo['endpoints']): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SFN: endpoints.control,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoints.control,
    // Field notes: without this the SDK stores streamed uploads with their aws-chunked framing.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}
