/**
 * Batch identity-resolution benchmark: synthetic CleanRecords (generated directly, no cleaning)
 * resolved with the default rules, at several sizes, each in a fresh child process so its peak
 * RSS is its own.
 *
 *   npx tsx bench/resolve.bench.ts                         # 100k, 250k, 500k, 1M records
 *   npx tsx bench/resolve.bench.ts --sizes 100000,1000000
 *
 * Prints per size: resolve time, peak RSS of the process (input records included), pairs
 * compared, clusters, reviews, µs per record and its growth against the smallest size, and the
 * quality against the generator's truth. Targets: 1M records ≤ 60 s and ≤ 2 GB peak.
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defaultMatchRules, resolve } from '../functions/core/match/index.ts';
import { evaluate } from '../test/core/match/metrics.ts';
import { generateCleanRecords } from '../test/support/generate-customers.ts';

interface Row {
  size: number;
  generateMs: number;
  resolveMs: number;
  /** CPU time (user + system, all threads) of the resolve call: steadier than wall time on a shared machine. */
  resolveCpuMs: number;
  peakRssMb: number;
  pairs: number;
  blocks: number;
  clusters: number;
  reviews: number;
  generic: number;
  pairwiseF1: number;
  perfect: number;
}

function one(size: number): Row {
  const t0 = performance.now();
  const { records, personOf } = generateCleanRecords({ records: size, seed: 42 });
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const res = resolve(records, defaultMatchRules);
  const cpu = process.cpuUsage(cpu0);
  const t2 = performance.now();
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  // quality against the generator's truth (after the peak-RSS reading, so it costs the figure nothing)
  const truth = new Map<string, string>();
  records.forEach((r, i) => truth.set(`${r.source}#${r.recordId}`, String(personOf[i])));
  const quality = evaluate(res.clusters.map((c) => c.members), truth);
  return {
    size,
    generateMs: t1 - t0,
    resolveMs: t2 - t1,
    resolveCpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb,
    pairs: res.stats.pairsCompared,
    blocks: res.stats.blocks,
    clusters: res.clusters.length,
    reviews: res.reviews.length,
    generic: res.stats.genericValues.length,
    pairwiseF1: quality.pairwise.f1,
    perfect: quality.perfect,
  };
}

const args = process.argv.slice(2);
const oneIdx = args.indexOf('--one');
if (oneIdx >= 0) {
  process.stdout.write(JSON.stringify(one(Number(args[oneIdx + 1]))));
} else {
  const sIdx = args.indexOf('--sizes');
  const sizes = (sIdx >= 0 ? args[sIdx + 1]! : '100000,250000,500000,1000000').split(',').map(Number);
  const self = fileURLToPath(import.meta.url);
  const rows: Row[] = [];
  console.log(`resolve benchmark: synthetic CleanRecords (~1.6 records per person), default rules, ${process.version}, one process per size`);
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} CPUs (wall time suffers when the machine is shared; CPU time less)`);
  console.log('records     wall s    cpu s   peak RSS MB   pairs compared   clusters   reviews   cpu µs/record   growth vs first (cpu / wall)   pairwise F1   perfect');
  for (const size of sizes) {
    const r = spawnSync(process.execPath, [...process.execArgv, self, '--one', String(size)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) {
      console.error(r.stderr);
      process.exitCode = 1;
      break;
    }
    const row = JSON.parse(r.stdout) as Row;
    rows.push(row);
    const perRec = (row.resolveMs * 1000) / row.size;
    const base = (rows[0]!.resolveMs * 1000) / rows[0]!.size;
    const cpuPerRec = (row.resolveCpuMs * 1000) / row.size;
    const cpuBase = (rows[0]!.resolveCpuMs * 1000) / rows[0]!.size;
    console.log(
      [
        String(row.size).padEnd(11),
        (row.resolveMs / 1000).toFixed(2).padStart(6),
        (row.resolveCpuMs / 1000).toFixed(2).padStart(8),
        row.peakRssMb.toFixed(0).padStart(13),
        String(row.pairs).padStart(16),
        String(row.clusters).padStart(10),
        String(row.reviews).padStart(9),
        cpuPerRec.toFixed(2).padStart(15),
        `${(cpuPerRec / cpuBase).toFixed(2)}x / ${(perRec / base).toFixed(2)}x`.padStart(30),
        row.pairwiseF1.toFixed(4).padStart(13),
        `${(row.perfect * 100).toFixed(1)}%`.padStart(9),
      ].join(' '),
    );
  }
  const big = rows.find((r) => r.size === 1_000_000);
  if (big) {
    const ok = big.resolveMs <= 60_000 && big.peakRssMb <= 2048;
    console.log(`1M records: ${(big.resolveMs / 1000).toFixed(1)} s wall, ${(big.resolveCpuMs / 1000).toFixed(1)} s CPU, peak ${big.peakRssMb.toFixed(0)} MB → ${ok ? 'within' : 'OVER'} the 60 s / 2 GB target (wall time)`);
    if (!ok) process.exitCode = 1;
  }
}
