import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scorePairs, packRecords, unpackRecords } from '../../functions/core/match/cluster.ts';
import { defaultMatchRules } from '../../functions/core/match/index.ts';
import { planResolve, scoreInput } from '../../functions/core/match/resolve.ts';
import { generateCleanRecords } from '../support/generate-customers.ts';
import { REPO_ROOT } from '../support/local-cloud.ts';

describe('batch resolution on several threads', () => {
  it('scores any range of pairs as the whole batch does, from the records it reaches packed into columns', () => {
    const { records } = generateCleanRecords({ records: 3000, seed: 5 });
    const plan = planResolve(records, defaultMatchRules);
    const m = plan.a.length;
    const whole = scorePairs(scoreInput(plan, 0, m));
    const cuts = [0, Math.floor(m / 3), Math.floor((2 * m) / 3), m];
    for (let t = 0; t < 3; t++) {
      const input = scoreInput(plan, cuts[t]!, cuts[t + 1]!);
      expect(input.records.length).toBeLessThanOrEqual(records.length - input.offset);
      const part = scorePairs({ ...input, records: unpackRecords(structuredClone(packRecords(input.records, defaultMatchRules))) });
      expect(Array.from(part.scores)).toEqual(Array.from(whole.scores.subarray(cuts[t], cuts[t + 1])));
      expect(Array.from(part.flags)).toEqual(Array.from(whole.flags.subarray(cuts[t], cuts[t + 1])));
    }
    expect(m).toBeGreaterThan(1000);
  });

  it('gives the same clusters, merges and reviews on one, two and three threads', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/support/resolve-threads.ts'), '30000'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as Record<'inThread' | 'twoThreads' | 'threeThreads', { digest: string; clusters: number; merges: number; reviews: number; pairs: number }>;
    expect(out.inThread.merges).toBeGreaterThan(5000);
    expect(out.inThread.reviews).toBeGreaterThan(10);
    expect(out.twoThreads).toEqual(out.inThread);
    expect(out.threeThreads).toEqual(out.inThread);
  });
});
