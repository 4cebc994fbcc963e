/**
 * Batch resolution on every core. Scoring the candidate pairs is most of the work and each pair
 * needs only its two records, so the pairs are cut into ranges, one per thread: this thread
 * scores the first range while worker threads score the others, each sent only the fields the
 * rules compare of the records its range reaches. Blocking before and clustering after run here,
 * in the batch's pair order, so the clusters, merges and reviews are the same whatever the thread
 * count (test/app/resolve-in-parallel.test.ts compares them).
 *
 * A worker thread runs this very file (the TypeScript under tsx, the function's bundle on Lambda
 * and in the local cloud): loaded with the worker role, it scores the one range it is sent. A
 * Lambda function has as many cores as its memory buys (about one per 1,769 MB).
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { packRecords, scorePairs, unpackRecords, type PackedRecords, type PairScores, type ScoreInput } from '../../core/match/cluster.ts';
import { finish, planResolve, scoreInput } from '../../core/match/resolve.ts';
import { joinOutcomes } from '../../core/match/outcomes.ts';
import type { MatchRules, Resolution, ResolveOptions } from '../../core/match/index.ts';
import type { CleanRecord } from '../../core/model.ts';

const ROLE = 'phonekey-resolve-part';
/** Below this many candidate pairs per thread, starting a thread costs more than it saves. */
const MIN_PAIRS_PER_THREAD = 100_000;
/**
 * Nor does a thread pay while pairs are few per record: sending a record's fields to a thread
 * (pack, copy, unpack) costs about two pairs' scoring. At 1M generated records two threads took
 * 0.82–1.16× one thread's time at 1.9 pairs a record (six interleaved runs of
 * bench/resolve.bench.ts), 1.01× at 1.4, and 300 MB more.
 */
const MIN_PAIRS_PER_RECORD = 4;

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
  parentPort!.once('message', ({ packed, ...input }: Sent) => {
    const out = scorePairs({ ...input, records: unpackRecords(packed) });
    const kept = out.outcomes ? Object.values(out.outcomes).map((x: ArrayBufferView) => x.buffer as ArrayBuffer) : [];
    parentPort!.postMessage(out, [out.scores.buffer as ArrayBuffer, out.flags.buffer as ArrayBuffer, ...kept]);
  });
}

/** A range as sent to a worker: its records packed into columns. */
type Sent = Omit<ScoreInput, 'records'> & { packed: PackedRecords };

function thisFile(): string {
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

function inWorker({ records, ...input }: ScoreInput): Promise<PairScores> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(thisFile(), { workerData: { role: ROLE } });
    let settled = false;
    worker.once('message', (out: PairScores) => {
      settled = true;
      resolve(out);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`a resolve worker thread exited with code ${code} before answering`));
    });
    worker.postMessage({ ...input, packed: packRecords(records, input.rules) } satisfies Sent);
  });
}

export interface ThreadOptions {
  /** Threads to use, this one included; default: every core, when the batch has enough pairs, in all and per record. */
  threads?: number;
}

/**
 * resolve()'s clusters, merges and reviews with the pairs scored on several threads (the same for
 * any thread count), without golden records: the nightly re-match builds each profile's own.
 */
export async function resolveInParallel(records: CleanRecord[], rules: MatchRules, opts: ResolveOptions & ThreadOptions = {}): Promise<Resolution> {
  const plan = planResolve(records, rules, opts);
  const m = plan.a.length;
  const worthIt = m >= MIN_PAIRS_PER_RECORD * records.length;
  const threads = Math.max(1, opts.threads ?? (worthIt ? Math.min(availableParallelism(), Math.floor(m / MIN_PAIRS_PER_THREAD)) : 1));
  // this thread starts scoring at once while the others unpack their records: it takes a fifth more
  const own = Math.min(1, 1.2 / threads);
  const cut = (t: number): number => (t === 0 ? 0 : Math.round(m * (own + ((1 - own) * (t - 1)) / Math.max(1, threads - 1))));
  // the other ranges are sent first, so their threads start while this one scores its own
  const others = Promise.all(Array.from({ length: threads - 1 }, (_, t) => inWorker(scoreInput(plan, cut(t + 1), cut(t + 2)))));
  const first = scorePairs(scoreInput(plan, 0, cut(1)));
  const rest = await others;
  const scores = new Float32Array(m);
  const flags = new Uint8Array(m);
  const parts = [first, ...rest];
  parts.forEach((part, t) => {
    scores.set(part.scores, cut(t));
    flags.set(part.flags, cut(t));
  });
  const kept = parts.every((p) => p.outcomes) ? joinOutcomes(parts.map((p, t) => ({ outcomes: p.outcomes!, from: cut(t) }))) : undefined;
  return finish(plan, kept ? { scores, flags, outcomes: kept } : { scores, flags });
}
