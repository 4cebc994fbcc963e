/**
 * The nightly workflow's steps, one function dispatching on `step` (the state machine passes
 * `{ step, runId, input }`). Each step is idempotent per run id: re-running a night rewrites the
 * same report keys.
 */
import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoProfileStore, documentClient } from '../adapters/dynamo-profile-store.ts';
import { S3Files } from '../adapters/s3-files.ts';

const logger = new Logger();
const store = new DynamoProfileStore(documentClient(), process.env.TABLE_NAME!);
const files = new S3Files();

interface StepEvent {
  step: 'snapshot' | 'report' | 'failed';
  runId: string;
  input: { snapshot?: { profiles: number; phones: number; takenAt: string } } & Record<string, unknown>;
  error?: { Error?: string; Cause?: string };
}

async function snapshot() {
  let profiles = 0;
  let phones = 0;
  for await (const profile of store.listProfiles()) {
    profiles++;
    phones += profile.phones.length;
  }
  return { profiles, phones, takenAt: new Date().toISOString() };
}

async function report(event: StepEvent) {
  const key = `nightly/${event.runId}/report.json`;
  await files.put(process.env.REPORTS_BUCKET!, key, JSON.stringify({ runId: event.runId, snapshot: event.input.snapshot }, null, 2), 'application/json');
  return { reportKey: key };
}

async function failed(event: StepEvent) {
  const key = `nightly/${event.runId}/failure.json`;
  await files.put(process.env.REPORTS_BUCKET!, key, JSON.stringify({ runId: event.runId, error: event.error, failedAt: new Date().toISOString() }, null, 2), 'application/json');
  logger.error('nightly run failed', { runId: event.runId, error: event.error?.Error });
  return { failureKey: key };
}

export const handler = middy(async (event: StepEvent) => {
  switch (event.step) {
    case 'snapshot':
      return snapshot();
    case 'report':
      return report(event);
    case 'failed':
      return failed(event);
    default:
      throw new Error(`unknown nightly step: ${String((event as { step?: unknown }).step)}`);
  }
}).use(injectLambdaContext(logger));
