/**
 * What a re-match changes, read against the snapshot: clusters that span several current profiles
 * are merges, profiles whose records fall into several clusters are splits. Pure, and a function
 * of the snapshot alone, so a re-run of the same run id finds the same changes whether or not
 * they were applied already.
 */
import type { MergeExplanation } from '../../core/match/index.ts';
import type { NightlyMerge } from '../../core/report/nightly-report.ts';

export interface ClusterLike {
  members: string[];
  merges: MergeExplanation[];
}

export interface ProfileChanges {
  merges: NightlyMerge[];
  /** Profile ids whose records the rules now put in more than one cluster. */
  splits: string[];
}

export function profileChanges(clusters: ClusterLike[], profileOf: (recordKey: string) => string | undefined): ProfileChanges {
  const merges: NightlyMerge[] = [];
  const clustersOfProfile = new Map<string, number>();
  const splits = new Set<string>();
  clusters.forEach((cluster, index) => {
    const sizes = new Map<string, number>();
    for (const member of cluster.members) {
      const profile = profileOf(member);
      if (!profile) continue;
      sizes.set(profile, (sizes.get(profile) ?? 0) + 1);
      const seen = clustersOfProfile.get(profile);
      if (seen === undefined) clustersOfProfile.set(profile, index);
      else if (seen !== index) splits.add(profile);
    }
    if (sizes.size < 2) return;
    // The profile holding most of the cluster first (ties: the smaller id), as a survivor would be.
    const profiles = [...sizes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([p]) => p);
    const reasons = cluster.merges
      .filter((m) => profileOf(m.a) !== profileOf(m.b))
      .map((m) => ({ a: m.a, b: m.b, rule: m.rule, score: m.score, fieldScores: m.fieldScores }));
    merges.push({ profiles, members: [...cluster.members].sort(), reasons });
  });
  return { merges, splits: [...splits].sort() };
}
