/**
 * The local cloud: synthesizes the CDK app, then runs what the template says — tables and buckets
 * on embedded servers, functions from their bundles, S3 notifications, HTTP routes, state machines
 * and schedules — against one data folder.
 */
import { appendFileSync, createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { join, resolve as resolvePath } from 'node:path';
import type { Server } from 'node:http';
import { createApp, STACK_NAME } from '../stack/app.ts';
import { resolve, resolvedOutputs, resourcesOfType, logicalIdFor, type Template } from './template.ts';
import { startStorage, createResources, type S3EventRecord } from './storage.ts';
import { clientEnvFor, cloudInfoFile, runningCloud, type CloudInfo } from './cloud-info.ts';
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

export interface CloudCpu {
  /** The whole process. */
  total: number;
  /** The main thread: the HTTP API, S3, the control plane and whatever else the process runs there. */
  mainThread: number;
  /** The DynamoDB server's thread (its LevelDB work in libuv's pool is in `other`). */
  store: number;
  /** Each function's live containers, by logical id. */
  functions: Record<string, number>;
  /** The rest: V8's and libuv's helper threads, containers that ended. */
  other: number;
}

/** The function containers' CPU together (µs). */
export const containersMicros = (cpu: Pick<CloudCpu, 'functions'>) => Object.values(cpu.functions).reduce((sum, v) => sum + v, 0);

export interface LocalCloud {
  info: CloudInfo;
  /** The current API token (the bearer token of `/v1/*`). */
  apiToken: string;
  /** The environment an SDK client (the CLI, a test) needs to talk to this cloud. */
  clientEnv: Record<string, string>;
  /** Resolves when no asynchronous invocation or execution is in flight. */
  idle(): Promise<void>;
  startExecution(stateMachineArn: string, input?: unknown, name?: string): string;
  /** Where this process's CPU time has gone so far (µs, user + system). */
  cpuUsage(): Promise<CloudCpu>;
  /** Fault injection for tests: kill a function's running containers; drop or restore DynamoDB. */
  faults: { killFunction(logicalId: string): void; setDynamoDown(down: boolean): void; redeliverS3Event(record: S3EventRecord): void };
  stop(): Promise<void>;
}

/**
 * Synthesizes the app into `outdir`. CDK writes its bundling progress straight to stderr; `log`
 * (default: stderr) receives it instead, so `phonekey up` can keep it out of the console.
 */
export function synthesize(outdir: string, log?: (text: string) => void): { template: Template; cdkOutDir: string } {
  rmSync(outdir, { recursive: true, force: true });
  // Bundling runs while the stack is built, so both steps write through `log`.
  const write = process.stderr.write;
  if (log) process.stderr.write = ((chunk: string | Uint8Array) => (log(String(chunk)), true)) as typeof write;
  let built;
  try {
    const { app, stack } = createApp({ outdir });
    built = { stack, assembly: app.synth() };
  } finally {
    process.stderr.write = write;
  }
  const { stack, assembly } = built;
  // The bundles are CommonJS `index.js` files; inside a checkout whose package.json says
  // "type": "module" (the default data folder) Node would load them as ES modules.
  writeFileSync(join(assembly.directory, 'package.json'), JSON.stringify({ type: 'commonjs' }) + '\n');
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
  /** Also copy the functions' logs (kept in `<dataDir>/functions.log`) to stderr. */
  verbose?: boolean;
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
  // What CloudWatch Logs holds on AWS: the functions' JSON lines, and the synth's bundling output.
  const logFile = createWriteStream(join(dataDir, 'functions.log'), { flags: 'a' });
  const logs = new PassThrough();
  logs.pipe(logFile);
  if (opts.verbose) logs.pipe(process.stderr, { end: false });

  const { template, cdkOutDir } = opts.assemblyDir ? readAssembly(opts.assemblyDir) : synthesize(join(dataDir, 'cdk.out'), (text) => logs.write(text));
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
  }, logs);
  const workflows = new LocalWorkflows(template, functions, dataDir, (execution) =>
    log(`workflow ${execution.name}: ${execution.status}${execution.cause ? ` — ${execution.cause}` : ''}`),
  );
  const secrets = new LocalSecrets(template, dataDir);
  control.server.on('request', controlPlane(workflows, secrets));
  api.server.on('request', httpApi(template, functions, log));

  // Asynchronous invocations behave like Lambda's: retried, then sent to the dead-letter file.
  const deadLetterFile = join(dataDir, 'dead-letters.ndjson');
  const inFlight = new Set<Promise<void>>();
  const retryDelayMs = (opts.retryDelaySeconds ?? 1) * 1000;
  const invokeAsync = (functionLogicalId: string, event: unknown, what: string) => {
    const attempts = 1 + retryAttempts(template, functionLogicalId);
    const run = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await functions.invoke(functionLogicalId, event);
          log(`${what}: ${functionLogicalId} done`);
          return;
        } catch (error) {
          log(`${what}: ${functionLogicalId} failed (attempt ${attempt}/${attempts}): ${(error as Error).message}`);
          if (attempt >= attempts) {
            log(`${what}: dead-lettered to ${deadLetterFile} (phonekey retry re-drives it)`);
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
  const deliver = (record: S3EventRecord) => {
    const what = `s3://${record.s3.bucket.name}/${record.s3.object.key}`;
    for (const { functionLogicalId, event } of routeS3Event(routes, record)) invokeAsync(functionLogicalId, event, what);
  };
  storage.onS3Event(deliver);

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
    apiToken: secrets.get(outputs.ApiTokenSecretArn)?.version.value ?? '',
    clientEnv,
    idle,
    startExecution: (arn, input = {}, name) => workflows.start(arn, JSON.stringify(input), name).executionArn,
    cpuUsage: async () => {
      const [store, byFunction] = await Promise.all([storage.dynamoCpuMicros(), functions.cpuMicros()]);
      const main = process.threadCpuUsage();
      const all = process.cpuUsage(); // last: every part was read before it
      const parts = { mainThread: main.user + main.system, store, functions: Object.fromEntries(byFunction) };
      const total = all.user + all.system;
      return { total, ...parts, other: Math.max(0, total - parts.mainThread - store - containersMicros(parts)) };
    },
    faults: {
      killFunction: (id) => functions.kill(id),
      setDynamoDown: (down) => storage.setDynamoDown(down),
      // S3 delivers at least once and in no particular order: the same record can come again, late.
      redeliverS3Event: deliver,
    },
    stop: async () => {
      stopSchedules();
      await idle();
      await Promise.all([api.server, control.server].map((s: Server) => new Promise((r) => s.close(r))));
      await functions.stop();
      await storage.stop();
      logs.end();
      await new Promise<void>((r) => logFile.once('close', () => r()));
      if (runningCloud(dataDir)?.pid === process.pid) rmSync(cloudInfoFile(dataDir), { force: true });
    },
  };
}
