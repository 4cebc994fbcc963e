/**
 * The steps of an import fanned out by Step Functions (lib/stack/import-fanout.ts), over the same
 * use case as a direct import (functions/app/import-fanout.ts):
 *   { step: 'split',  job }                      → { status, chunks }
 *   { step: 'chunk',  job, chunk }               → { chunk, status, counts }
 *   { step: 'finish', job, chunks, failure? }    → { importId, status, counts, reportKey }
 * Chunks and their own reports live in the raw bucket under `fanout/<importId>/` (outside
 * `incoming/`, so they start no import); the file's report goes to the reports bucket as usual.
 */
import { identityStore, profileStore, rawFiles } from '../adapters/wiring.ts';
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ImportJob } from '../app/import-file.ts';
import { finishFanout, importChunk, splitImport, type ChunkRef } from '../app/import-fanout.ts';
import { matchOnArrival } from '../app/identity/match-on-arrival.ts';
import { standingPolicy } from '../core/identity/index.ts';
import { configurePhoneCache } from '../core/clean/phone.ts';

const logger = createLogger();
// A file of distinct customers seldom repeats a number, so the cleaner's phone memo (100,000
// entries by default, ~45 MB when full) would mostly hold memory: an import keeps 20,000.
configurePhoneCache({ maxEntries: 20_000 });
const store = profileStore(process.env.TABLE_NAME!);
const identity = identityStore(process.env.TABLE_NAME!);
const files = rawFiles();
const RAW = () => process.env.RAW_BUCKET!;
const REPORTS = () => process.env.REPORTS_BUCKET!;
const chunkPrefix = (importId: string, chunk: number) => `fanout/${importId}/c${String(chunk).padStart(5, '0')}`;

export type FanoutEvent =
  | { step: 'split'; job: ImportJob }
  | { step: 'chunk'; job: ImportJob; chunk: ChunkRef }
  | { step: 'finish'; job: ImportJob; chunks: ChunkRef[]; failure?: { Error?: string; Cause?: string } };

async function run(event: FanoutEvent): Promise<unknown> {
  const { job } = event;
  const putReport = (name: string, body: string, type: string) => files.put(REPORTS(), `imports/${job.importId}/${name}`, body, type);
  switch (event.step) {
    case 'split': {
      const out = await splitImport(job, {
        store,
        sourceConfig: await store.getSourceConfig(job.source),
        open: () => files.open(job.bucket, job.key, job.versionId),
        chunkRows: Number(process.env.IMPORT_CHUNK_ROWS) || 200_000,
        putChunk: (chunk, body) => files.put(RAW(), `${chunkPrefix(job.importId, chunk)}.ndjson`, body, 'application/x-ndjson'),
        putReport,
      });
      logger.info('import split', { importId: job.importId, status: out.status, chunks: out.chunks.length });
      return out;
    }
    case 'chunk': {
      const rules = await identity.matchRules();
      const out = await importChunk(job, event.chunk, {
        store,
        open: () => files.open(RAW(), event.chunk.key),
        onRecordsStored: (records, outcomes) => matchOnArrival(identity, records, outcomes, { actor: 'import', rules }),
        standing: standingPolicy(rules),
        putReport: (name, body, type) => files.put(RAW(), `${chunkPrefix(job.importId, event.chunk.chunk)}/${name}`, body, type),
      });
      logger.info('import chunk done', { importId: job.importId, ...out });
      return out;
    }
    case 'finish': {
      const state = await finishFanout(
        job,
        event.chunks ?? [],
        {
          store,
          chunkReport: (chunk, name) => files.getText(RAW(), `${chunkPrefix(job.importId, chunk)}/${name}`),
          putReport,
        },
        event.failure,
      );
      logger.info('import finished', { importId: job.importId, status: state.status, counts: state.counts });
      return { importId: job.importId, status: state.status, counts: state.counts, reportKey: state.reportKey };
    }
    default:
      throw new Error(`unknown step ${JSON.stringify((event as { step?: unknown }).step)}`);
  }
}

export const handler = middy(run).use(injectLambdaContext(logger));
