/**
 * The template's Lambda functions, run from their bundles in cdk.out. Each function gets a small
 * pool of worker threads (warm containers) with its own resolved environment and its timeout.
 */
import { Worker } from 'node:worker_threads';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolve, resourcesOfType, physicalName, type Template } from './template.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('./function-worker.mjs', import.meta.url));
const MAX_CONTAINERS = 4;

export interface FunctionSpec {
  logicalId: string;
  name: string;
  bundlePath: string;
  handlerName: string;
  timeoutMs: number;
  memoryMb: number;
  environment: Record<string, string>;
}

/**
 * The old space a Lambda container of `memoryMb` gets: the Node.js runtime's bootstrap starts node
 * with `--max-old-space-size` = memory less a tenth, so a function that outgrows its MemorySize
 * fails here as it would there (a worker thread otherwise may grow to V8's 4 GB). V8 grows a
 * smaller heap more cautiously, so this costs CPU here as it does there. Lambda's young generation
 * (`--max-semi-space-size` = memory / 20) is not copied: it changes only speed, and cost the local
 * cloud a tenth more CPU per webhook event (a 51 MB nursery for 1 GB, against V8's cache-sized one).
 */
export function lambdaOldSpaceMb(memoryMb: number): number {
  return memoryMb - Math.floor(memoryMb / 10);
}

export class InvocationError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly functionName: string,
  ) {
    super(message);
    this.name = errorType;
  }
}

interface Container {
  worker: Worker;
  busy: boolean;
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

class FunctionPool {
  private containers: Container[] = [];
  private queue: Array<() => void> = [];
  private pending = new Map<number, Pending>();
  private nextId = 0;
  private stopped = false;

  constructor(
    readonly spec: FunctionSpec,
    private readonly sharedEnv: Record<string, string>,
    private readonly logs: Writable,
  ) {}

  async invoke(event: unknown): Promise<unknown> {
    const container = await this.acquire();
    const id = this.nextId++;
    try {
      return await new Promise((resolvePromise, rejectPromise) => {
        const timer = setTimeout(() => {
          // A timed-out Lambda container is discarded, exactly like the real service does.
          this.discard(container);
          rejectPromise(
            new InvocationError('TimeoutError', `Task timed out after ${this.spec.timeoutMs / 1000} seconds`, this.spec.name),
          );
        }, this.spec.timeoutMs);
        this.pending.set(id, {
          resolve: (v) => (clearTimeout(timer), resolvePromise(v)),
          reject: (e) => (clearTimeout(timer), rejectPromise(e)),
        });
        container.worker.postMessage({ id, event });
      });
    } finally {
      this.pending.delete(id);
      this.release(container);
    }
  }

  private async acquire(): Promise<Container> {
    for (;;) {
      if (this.stopped) throw new InvocationError('Runtime.Stopped', 'the local cloud is stopping', this.spec.name);
      const idle = this.containers.find((c) => !c.busy);
      if (idle) {
        idle.busy = true;
        return idle;
      }
      if (this.containers.length < MAX_CONTAINERS) {
        const container = { worker: this.spawn(), busy: true };
        this.containers.push(container);
        return container;
      }
      await new Promise<void>((r) => this.queue.push(r));
    }
  }

  private release(container: Container): void {
    container.busy = false;
    this.queue.shift()?.();
  }

  private discard(container: Container): void {
    this.containers = this.containers.filter((c) => c !== container);
    void container.worker.terminate();
  }

  private spawn(): Worker {
    const { spec } = this;
    const worker = new Worker(WORKER_SCRIPT, {
      env: { ...this.sharedEnv, ...spec.environment, AWS_LAMBDA_FUNCTION_NAME: spec.name },
      workerData: {
        bundlePath: spec.bundlePath,
        handlerName: spec.handlerName,
        functionName: spec.name,
        timeoutMs: spec.timeoutMs,
        memoryMb: spec.memoryMb,
      },
      resourceLimits: { maxOldGenerationSizeMb: lambdaOldSpaceMb(spec.memoryMb) },
      // A function's console (its JSON log lines, the SDK's warnings) goes where CloudWatch would.
      stdout: true,
      stderr: true,
    });
    worker.stdout.pipe(this.logs, { end: false });
    worker.stderr.pipe(this.logs, { end: false });
    worker.on('message', (msg: { id: number; ok: boolean; result?: unknown; error?: { errorType: string; errorMessage: string } }) => {
      const pending = this.pending.get(msg.id);
      if (!pending) return;
      if (msg.ok) pending.resolve(msg.result);
      else pending.reject(new InvocationError(msg.error!.errorType, msg.error!.errorMessage, spec.name));
    });
    worker.on('error', (error) => {
      // A crashed container fails whatever it was running and is replaced on the next call.
      this.containers = this.containers.filter((c) => c.worker !== worker);
      for (const p of this.pending.values()) p.reject(new InvocationError('Runtime.ExitError', error.message, spec.name));
    });
    return worker;
  }

  /** CPU time of the live containers so far (µs, user + system); one that ended took its share with it. */
  async cpuMicros(): Promise<number> {
    const used = await Promise.all(this.containers.map((c) => c.worker.cpuUsage().catch(() => ({ user: 0, system: 0 }))));
    return used.reduce((sum, u) => sum + u.user + u.system, 0);
  }

  /** Fault hook (tests): every container dies mid-invocation, as if its process were killed. */
  kill(): void {
    for (const container of this.containers) void container.worker.terminate();
    this.containers = [];
    for (const p of this.pending.values()) p.reject(new InvocationError('Runtime.ExitError', 'the function container was killed mid-invocation', this.spec.name));
  }

  /**
   * Ends every container. Calls still running or waiting for a container fail (their timers are
   * cleared), and none may start a new container: a woken waiter would keep the process alive.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.pending.values()) p.reject(new InvocationError('Runtime.Stopped', 'the local cloud stopped mid-invocation', this.spec.name));
    for (const wake of this.queue.splice(0)) wake();
    await Promise.all(this.containers.map((c) => c.worker.terminate()));
    this.containers = [];
  }
}

/**
 * The application's functions: those with a bundle in the assembly. CDK's own deployment helpers
 * (inline code behind custom resources such as bucket notifications) are skipped, because the
 * local cloud applies those resources itself.
 */
export function functionSpecs(template: Template, cdkOutDir: string): FunctionSpec[] {
  const bundled = resourcesOfType(template, 'AWS::Lambda::Function').filter(([, r]) => r.Metadata?.['aws:asset:path']);
  return bundled.map(([logicalId, resource]) => {
    const assetPath = resource.Metadata!['aws:asset:path'];
    const props = resource.Properties ?? {};
    const [file, handlerName] = String(props.Handler ?? 'index.handler').split('.');
    const environment = resolve(template, props.Environment?.Variables ?? {}) as Record<string, string>;
    return {
      logicalId,
      name: physicalName(logicalId),
      bundlePath: join(cdkOutDir, assetPath, `${file}.js`),
      handlerName,
      timeoutMs: Number(props.Timeout ?? 3) * 1000,
      memoryMb: Number(props.MemorySize ?? 128),
      environment,
    };
  });
}

export class LocalFunctions {
  private pools = new Map<string, FunctionPool>();

  /** `logs` receives every function's standard output and error. */
  constructor(specs: FunctionSpec[], sharedEnv: Record<string, string>, logs: Writable) {
    for (const spec of specs) this.pools.set(spec.logicalId, new FunctionPool(spec, sharedEnv, logs));
  }

  has(logicalId: string): boolean {
    return this.pools.has(logicalId);
  }

  /** Synchronous (RequestResponse) invocation: resolves with the handler's result. */
  invoke(logicalId: string, event: unknown): Promise<unknown> {
    const pool = this.pools.get(logicalId);
    if (!pool) throw new Error(`no function ${logicalId} in the template`);
    return pool.invoke(event);
  }

  /** Each function's live containers' CPU time so far (µs), by logical id. */
  async cpuMicros(): Promise<Map<string, number>> {
    return new Map(await Promise.all([...this.pools].map(async ([id, pool]) => [id, await pool.cpuMicros()] as const)));
  }

  /** Fault hook (tests): kills the function's running containers; their invocations fail. */
  kill(logicalId: string): void {
    this.pools.get(logicalId)?.kill();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.stop()));
  }
}
