/**
 * Resolves one generated batch (with people's decisions) in this thread and on 2 and 3 threads
 * (`tsx test/support/resolve-threads.ts <records>`), and prints what each gave: a digest of the
 * whole result and its counts. Worker threads load TypeScript only through tsx, so the test runs
 * this in a process of its own.
 */
import { createHash } from 'node:crypto';
import { resolveInParallel } from '../../functions/app/identity/resolve-in-parallel.ts';
import { defaultMatchRules, recordKey, resolve, type Resolution } from '../../functions/core/match/index.ts';
import { generateCleanRecords } from './generate-customers.ts';

const { records } = generateCleanRecords({ records: Number(process.argv[2] ?? 30000), seed: 11 });
const noMerge: Array<[string, string]> = [];
const approved: Array<[string, string]> = [];
for (let i = 0; i < 200; i++) (i % 2 ? noMerge : approved).push([recordKey(records[i * 13]!), recordKey(records[i * 13 + 5]!)]);
const opts = { noMerge, approved };

// the clusters' members and merges, the reviews and the figures: what every thread count returns
const summary = (r: Resolution) => ({
  digest: createHash('sha256').update(JSON.stringify({ ...r, clusters: r.clusters.map(({ members, merges }) => ({ members, merges })) })).digest('hex'),
  clusters: r.clusters.length,
  merges: r.stats.autoMerged,
  reviews: r.reviews.length,
  pairs: r.stats.pairsCompared,
});
const out = {
  inThread: summary(resolve(records, defaultMatchRules, opts)),
  twoThreads: summary(await resolveInParallel(records, defaultMatchRules, { ...opts, threads: 2 })),
  threeThreads: summary(await resolveInParallel(records, defaultMatchRules, { ...opts, threads: 3 })),
};
process.stdout.write(JSON.stringify(out));
