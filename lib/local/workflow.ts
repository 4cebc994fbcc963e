/**
 * The template's state machines, run in-process by aws-local-stepfunctions, with every Lambda task
 * sent to the local function of the same ARN. Executions are kept on disk, so `phonekey reconcile`
 * from another process can start one and read how it ended.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { resolve, resourcesOfType, logicalIdFor, arnOf, type Template } from './template.ts';
import type { LocalFunctions } from './functions.ts';

export interface Execution {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  startDate: string;
  stopDate?: string;
}

interface MachineSpec {
  arn: string;
  definition: any;
  /** Task state name → how to run it locally. */
  tasks: Record<string, { functionLogicalId: string; wrapPayload: boolean }>;
}

export class ExecutionAlreadyExists extends Error {
  override name = 'ExecutionAlreadyExists';
}

function collectTasks(template: Template, states: Record<string, any>, into: MachineSpec['tasks']): void {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') {
      // `lambda:invoke` integrations name the function in Parameters and wrap its result.
      const wrapPayload = String(state.Resource).startsWith('arn:aws:states:::lambda:invoke');
      const target = wrapPayload ? state.Parameters?.FunctionName : state.Resource;
      const functionLogicalId = logicalIdFor(template, String(target).replace(/:\$LATEST$/, ''));
      if (!functionLogicalId) throw new Error(`task ${name} runs ${state.Resource}, which the local cloud cannot run`);
      into[name] = { functionLogicalId, wrapPayload };
    }
    for (const branch of state.Branches ?? []) collectTasks(template, branch.States, into);
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) collectTasks(template, processor.States, into);
  }
}

export function stateMachineSpecs(template: Template): MachineSpec[] {
  return resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([logicalId, resource]) => {
    const p = resource.Properties ?? {};
    const raw = p.DefinitionString !== undefined ? resolve(template, p.DefinitionString) : JSON.stringify(resolve(template, p.Definition));
    const definition = JSON.parse(raw);
    const tasks: MachineSpec['tasks'] = {};
    collectTasks(template, definition.States, tasks);
    return { arn: arnOf(logicalId, resource), definition, tasks };
  });
}

export class LocalWorkflows {
  private readonly machines = new Map<string, MachineSpec>();
  private readonly dir: string;
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    template: Template,
    private readonly functions: LocalFunctions,
    dataDir: string,
    /** Told how each execution ended. */
    private readonly onEnd: (execution: Execution) => void = () => {},
  ) {
    for (const spec of stateMachineSpecs(template)) this.machines.set(spec.arn, spec);
    this.dir = join(dataDir, 'executions');
    mkdirSync(this.dir, { recursive: true });
    this.markInterrupted();
  }

  /** Executions left RUNNING by a stopped local cloud did not finish: say so instead of lying. */
  private markInterrupted(): void {
    for (const file of readdirSync(this.dir)) {
      const execution = JSON.parse(readFileSync(join(this.dir, file), 'utf8')) as Execution;
      if (execution.status !== 'RUNNING') continue;
      this.save({ ...execution, status: 'ABORTED', error: 'LocalCloudStopped', cause: 'the local cloud stopped during the execution', stopDate: new Date().toISOString() });
    }
  }

  private file(executionArn: string): string {
    return join(this.dir, `${encodeURIComponent(executionArn)}.json`);
  }

  private save(execution: Execution): void {
    writeFileSync(this.file(execution.executionArn), JSON.stringify(execution, null, 2));
  }

  describe(executionArn: string): Execution | undefined {
    const file = this.file(executionArn);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Execution) : undefined;
  }

  list(stateMachineArn: string): Execution[] {
    return readdirSync(this.dir)
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as Execution)
      .filter((e) => e.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.startDate.localeCompare(a.startDate));
  }

  start(stateMachineArn: string, input = '{}', name: string = randomUUID()): Execution {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) throw new Error(`State Machine Does Not Exist: ${stateMachineArn}`);
    const executionArn = stateMachineArn.replace(':stateMachine:', ':execution:') + `:${name}`;
    if (this.describe(executionArn)) throw new ExecutionAlreadyExists(`Execution Already Exists: '${executionArn}'`);
    const execution: Execution = { executionArn, stateMachineArn, name, status: 'RUNNING', input, startDate: new Date().toISOString() };
    this.save(execution);
    const run = this.run(machine, execution).finally(() => this.running.delete(run));
    this.running.add(run);
    return execution;
  }

  private async run(machine: MachineSpec, execution: Execution): Promise<void> {
    const { StateMachine } = await import('aws-local-stepfunctions');
    const handlers = Object.fromEntries(
      Object.entries(machine.tasks).map(([state, task]) => [
        state,
        async (input: any) => {
          const result = await this.functions.invoke(task.functionLogicalId, input);
          return (task.wrapPayload ? { StatusCode: 200, Payload: result } : result) as any;
        },
      ]),
    );
    const sm = new StateMachine(machine.definition, { validationOptions: { checkArn: false } });
    const name = machine.arn.split(':').pop()!;
    try {
      const output = await sm.run(JSON.parse(execution.input), {
        overrides: { taskResourceLocalHandlers: handlers },
        context: {
          Execution: { Id: execution.executionArn, Name: execution.name, Input: JSON.parse(execution.input), StartTime: execution.startDate, RoleArn: 'local' },
          StateMachine: { Id: machine.arn, Name: name },
        } as any,
      }).result;
      this.end({ ...execution, status: 'SUCCEEDED', output: JSON.stringify(output), stopDate: new Date().toISOString() });
    } catch (error: any) {
      const cause = error?.cause ?? error;
      this.end({
        ...execution,
        status: 'FAILED',
        error: cause?.name ?? 'States.Runtime',
        cause: String(cause?.message ?? error?.message ?? error),
        stopDate: new Date().toISOString(),
      });
    }
  }

  private end(execution: Execution): void {
    this.save(execution);
    this.onEnd(execution);
  }

  /** Waits for executions in flight, so a stopping cloud does not cut a run in half. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }
}
