/**
 * The nightly workflow's steps, one function dispatching on `step`. The state machine
 * (lib/stack/workflow.ts) passes `{ step, execution: $$.Execution.Name, input: $ }`; inside a Map
 * the input is the item (`{ runId, segment | chunk, … }`). Each step is idempotent per run id:
 * what it did is kept under `nightly/<runId>/` in the reports bucket and a re-run returns it.
 */
import { identityStore, nightlyTable, numberDirectory, profileStore, profileViews, runFiles, viewWriter } from '../adapters/wiring.ts';
import middy from '@middy/core';
import { createLogger } from './logger.ts';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { splitGlued } from '../app/identity/split-glued.ts';
import { everyListed } from '../app/numbers.ts';
import { applyResolution } from '../app/identity/apply-resolution.ts';
import { profilesPort } from '../app/profiles/recompute.ts';
import {
  measureChunk,
  plan,
  profilePlan,
  quantiles,
  recomputeChunk,
  recordFailure,
  rematch,
  report,
  runIdOf,
  snapshotSegment,
  type ApplySummary,
  type IdentityPort,
  type NightlyDeps,
  type PlanOutput,
  type RunInput,
} from '../app/nightly/steps.ts';

const logger = createLogger();
const TABLE = process.env.TABLE_NAME!;
const table = nightlyTable(TABLE);
const identities = identityStore(TABLE);
const numbers = profileStore(TABLE);
const directory = numberDirectory(TABLE);

const profiles = profilesPort(profileViews(TABLE), viewWriter(TABLE));

const identity: IdentityPort = {
  decisions: async () => {
    const all = await identities.listPairDecisions();
    const pairs = (d: string) => all.filter((x) => x.decision === d).map((x) => [x.a, x.b] as [string, string]);
    return { noMerge: pairs('noMerge'), approved: pairs('approved') };
  },
  apply: (result, ctx) => applyResolution(identities, ctx.assignment, result, { actor: 'nightly', rules: ctx.rules, records: ctx.records }) as unknown as Promise<ApplySummary>,
  pendingReviews: async () => (await identities.pendingReviews(Number.MAX_SAFE_INTEGER)).length,
  markGeneric: (phones) => numbers.markGeneric(phones),
  genericNumbers: () => everyListed(directory, 'generic'),
  splitGlued: (profileIds, clusterOf, ctx) => splitGlued(identities, profileIds, clusterOf, { ...ctx, actor: 'nightly' }),
  storeRules: (doc, actor) => identities.putRulesDoc('match', doc, actor),
};

export type NightlyStep = 'plan' | 'snapshot' | 'rematch' | 'profile-plan' | 'measure' | 'quantiles' | 'recompute' | 'report' | 'failed';

export interface StepEvent {
  step: NightlyStep;
  /** The execution's name: the run id unless the input names one (a resumed run). */
  execution?: string;
  input: RunInput & { segment?: number; totalSegments?: number; buckets?: number; chunk?: number; runId?: string };
  error?: { Error?: string; Cause?: string };
}

function deps(runId: string): NightlyDeps {
  return {
    table,
    files: runFiles(process.env.REPORTS_BUCKET!, runId),
    rules: () => identities.matchRules(),
    identity,
    profiles,
  };
}

function planOf(event: StepEvent): PlanOutput {
  const p = event.input.plan;
  if (!p) throw new Error(`step ${event.step} needs the plan step's output at $.plan`);
  return p;
}

export async function runStep(event: StepEvent): Promise<unknown> {
  switch (event.step) {
    case 'plan': {
      const runId = runIdOf(event.execution, event.input);
      return plan(deps(runId), event.execution ?? runId, event.input);
    }
    case 'snapshot': {
      const { runId, segment, totalSegments, buckets, failAt } = event.input;
      if (!runId || segment === undefined || !totalSegments) throw new Error('snapshot needs runId, segment and totalSegments');
      const out = await snapshotSegment(deps(runId), { runId, segment, totalSegments, buckets: Number(buckets) || 0, failAt: failAt ?? null });
      return { segment: out.segment, records: out.records, profiles: out.profiles, skipped: Boolean(out.skipped) };
    }
    case 'rematch': {
      const p = planOf(event);
      const { stats: _stats, mergesByRule: _rules, mergeScores: _scores, ...out } = await rematch(deps(p.runId), p);
      return out;
    }
    case 'profile-plan': {
      const p = planOf(event);
      const out = await profilePlan(deps(p.runId), p);
      return { profiles: out.profiles, chunks: out.chunks, measureChunks: out.measureChunks, skipped: Boolean(out.skipped) };
    }
    case 'measure': {
      const { runId, chunk, failAt } = event.input;
      if (!runId || chunk === undefined) throw new Error('measure needs runId and chunk');
      const out = await measureChunk(deps(runId), { runId, chunk, failAt: failAt ?? null });
      return { chunk: out.chunk, measured: out.recomputed, skipped: Boolean(out.skipped) };
    }
    case 'quantiles': {
      const p = planOf(event);
      return quantiles(deps(p.runId), p);
    }
    case 'recompute': {
      const { runId, chunk, failAt } = event.input;
      if (!runId || chunk === undefined) throw new Error('recompute needs runId and chunk');
      const out = await recomputeChunk(deps(runId), { runId, chunk, failAt: failAt ?? null });
      return { chunk: out.chunk, recomputed: out.recomputed, status: out.status, skipped: Boolean(out.skipped) };
    }
    case 'report': {
      const p = planOf(event);
      const out = await report(deps(p.runId), p);
      return { ...out, reportKey: `nightly/${p.runId}/${out.reportKey}`, htmlKey: `nightly/${p.runId}/${out.htmlKey}` };
    }
    case 'failed': {
      let runId: string;
      try {
        runId = runIdOf(event.execution, event.input);
      } catch {
        runId = 'unnamed-run';
      }
      logger.error('nightly run failed', { runId, error: event.error?.Error });
      const out = await recordFailure(deps(runId), runId, event.error);
      return { failureKey: `nightly/${runId}/${out.failureKey}` };
    }
    default:
      throw new Error(`unknown nightly step: ${String((event as { step?: unknown }).step)}`);
  }
}

export const handler = middy(async (event: StepEvent) => {
  const started = Date.now();
  const result = await runStep(event);
  logger.info('nightly step done', { step: event.step, ms: Date.now() - started });
  return result;
}).use(injectLambdaContext(logger));
