/**
 * The local cloud: synthesizes the CDK app, then runs what the template says — tables and buckets
 * on embedded servers, functions from their bundles, S3 notifications, HTTP routes, state machines
 * and schedules — against one data folder.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import type { Server } from 'node:http';
import { createApp, STACK_NAME } from '../stack/app.ts';
import { resolve, resolvedOutputs, resourcesOfType, logicalIdFor, type Template } from './template.ts';
import { startStorage, createResources, LOCAL_CREDENTIALS, type S3EventRecord } from './storage.ts';
import { functionSpecs, LocalFunctions } from './functions.ts';
import { notificationRoutes, routeS3Event } from './notifications.ts';
import { httpApi } from './http-api.ts';
import { listenHttp } from './listen.ts';
import { LocalWorkflows } from './workflow.ts';
import { LocalSecrets, controlPlane } from './control-plane.ts';
import { scheduleSpecs, startSchedules } from './scheduler.ts';

export interface CloudPorts {
  api: number;
  s3: number;
  dynamodb: number;
  control: number;
}

/** Fixed ports for `phonekey up` so people can bookmark them; tests ask for 0 (any free port). */
export const DEFAULT_PORTS: CloudPorts = { api: 4510, s3: 4511, dynamodb: 4512, control: 4513 };

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

export interface LocalCloud {
  info: CloudInfo;
  /** The environment an SDK client (the CLI, a test) needs to talk to this cloud. */
  clientEnv: Record<string, string>;
  /** Resolves when no asynchronous invocation or execution is in flight. */
  idle(): Promise<void>;
  startExecution(stateMachineArn: string, input?: unknown, name?: string): string;
  /** Fault injection for tests: kill a function's running containers; drop or restore DynamoDB. */
  faults: { killFunction(logicalId: string): void; setDynamoDown(down: boolean): void; redeliverS3Event(record: S3EventRecord): void };
  stop(): Promise<void>;
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

export function synthesize(outdir: string): { template: Template; cdkOutDir: string } {
  rmSync(outdir, { recursive: true, force: true });
  const { app, stack } = createApp({ outdir });
  const assembly = app.synth();
  return { template: assembly.getStackArtifact(stack.artifactId).template as Template, cdkOutDir: assembly.directory };
}

/** A cloud assembly synthesized earlier by `synthesize` (read-only: several clouds may share it). */
export function readAssembly(cdkOutDir: string): { template: Template; cdkOutDir: string } {
  return { template: JSON.parse(readFileSync(join(cdkOutDir, `${STACK_NAME}.template.json`), 'utf8')) as Template, cdkOutDir };
}

function retryAttempts(template: Template, functionLogicalId: string): number {
  for (const [, config] of resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig')) {
    const p = resolve(template, config.Properties ?? {});
    if (logicalIdFor(template, p.FunctionName) === functionLogicalId) return p.MaximumRetryAttempts ?? 2;
  }
  return 2;
}

export async function startLocalCloud(opts: {
  dataDir: string;
  ports?: Partial<CloudPorts>;
  schedules?: boolean;
  log?: (message: string) => void;
  /** Seconds between retries of a failed asynchronous invocation (AWS waits minutes). */
  retryDelaySeconds?: number;
  /**
   * Run this already synthesized assembly instead of synthesizing the app again (test suites
   * synthesize once and share it; `up` and the CLI always synthesize, so they run the code as it is).
   */
  assemblyDir?: string;
}): Promise<LocalCloud> {
  const dataDir = resolvePath(opts.dataDir);
  const ports = { ...DEFAULT_PORTS, ...opts.ports };
  const log = opts.log ?? (() => {});
  mkdirSync(dataDir, { recursive: true });

  const { template, cdkOutDir } = opts.assemblyDir ? readAssembly(opts.assemblyDir) : synthesize(join(dataDir, 'cdk.out'));
  const storage = await startStorage(dataDir, ports);
  await createResources(template, storage);

  // Endpoints first: the functions' environment names them, and the servers need the functions.
  const control = await listenHttp(ports.control);
  const api = await listenHttp(ports.api);
  const endpoints = { api: api.url, s3: storage.s3Endpoint, dynamodb: storage.dynamoEndpoint, control: control.url };
  const clientEnv = clientEnvFor(endpoints);
  const functions = new LocalFunctions(functionSpecs(template, cdkOutDir), {
    ...clientEnv,
    PATH: process.env.PATH ?? '',
    TZ: 'UTC',
    NODE_OPTIONS: '--enable-source-maps',
  });
  const workflows = new LocalWorkflows(template, functions, dataDir);
  control.server.on('request', controlPlane(workflows, new LocalSecrets(template, dataDir)));
  api.server.on('request', httpApi(template, functions));

  // Asynchronous invocations behave like Lambda's: retried, then sent to the dead-letter file.
  const deadLetterFile = join(dataDir, 'dead-letters.ndjson');
  const inFlight = new Set<Promise<void>>();
  const retryDelayMs = (opts.retryDelaySeconds ?? 1) * 1000;
  const invokeAsync = (functionLogicalId: string, event: unknown) => {
    const attempts = 1 + retryAttempts(template, functionLogicalId);
    const run = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await functions.invoke(functionLogicalId, event);
          return;
        } catch (error) {
          log(`${functionLogicalId} failed (attempt ${attempt}/${attempts}): ${(error as Error).message}`);
          if (attempt >= attempts) {
            appendFileSync(deadLetterFile, JSON.stringify({ time: new Date().toISOString(), function: functionLogicalId, error: (error as Error).message, event }) + '\n');
            return;
          }
          await new Promise((r) => setTimeout(r, retryDelayMs * attempt));
        }
      }
    })().finally(() => inFlight.delete(run));
    inFlight.add(run);
  };

  const routes = notificationRoutes(template);
  storage.onS3Event((record) => {
    for (const { functionLogicalId, event } of routeS3Event(routes, record)) invokeAsync(functionLogicalId, event);
  });

  const outputs = resolvedOutputs(template);
  if ('ApiUrl' in outputs) outputs.ApiUrl = api.url;
  const stopSchedules =
    opts.schedules === false
      ? () => {}
      : startSchedules(scheduleSpecs(template), (spec) => {
          const execution = workflows.start(spec.targetArn, spec.input ?? '{}', `scheduled-${new Date().toISOString().replace(/[:.]/g, '-')}`);
          log(`schedule ${spec.name} started ${execution.executionArn}`);
        });

  const info: CloudInfo = {
    pid: process.pid,
    dataDir,
    startedAt: new Date().toISOString(),
    endpoints,
    outputs,
    secretsFile: join(dataDir, 'secrets.json'),
    deadLetterFile,
  };
  writeFileSync(cloudInfoFile(dataDir), JSON.stringify(info, null, 2));

  const idle = async () => {
    while (inFlight.size) await Promise.allSettled([...inFlight]);
    await workflows.drain();
  };

  return {
    info,
    clientEnv,
    idle,
    startExecution: (arn, input = {}, name) => workflows.start(arn, JSON.stringify(input), name).executionArn,
    faults: {
      killFunction: (id) => functions.kill(id),
      setDynamoDown: (down) => storage.setDynamoDown(down),
      // S3 delivers at least once and in no particular order: the same record can come again, late.
      redeliverS3Event: (record) => {
        for (const { functionLogicalId, event } of routeS3Event(routes, record)) invokeAsync(functionLogicalId, event);
      },
    },
    stop: async () => {
      stopSchedules();
      await idle();
      await Promise.all([api.server, control.server].map((s: Server) => new Promise((r) => s.close(r))));
      await functions.stop();
      await storage.stop();
      if (runningCloud(dataDir)?.pid === process.pid) rmSync(cloudInfoFile(dataDir), { force: true });
    },
  };
}
