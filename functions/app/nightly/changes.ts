/**
 * What a re-match changes, read against the snapshot: profiles whose records fall into several
 * clusters are splits (and merged with nothing, as planResolution plans it); clusters that span
 * several other current profiles are merges. Pure, and a function
 * of the snapshot alone, so a re-run of the same run id finds the same changes whether or not
 * they were applied already.
 */
import type { Cluster } from '../../core/match/index.ts';
import type { NightlyMerge } from '../../core/report/nightly-report.ts';

export interface ProfileChanges {
  merges: NightlyMerge[];
  /** Profile ids whose records the rules now put in more than one cluster. */
  splits: string[];
}

export function profileChanges(clusters: readonly Cluster[], profileOf: (recordKey: string) => string | undefined): ProfileChanges {
  const merges: NightlyMerge[] = [];
  const clusterOfProfile = new Map<string, number>();
  const splits = new Set<string>();
  clusters.forEach((cluster, index) => {
    for (const member of cluster.members) {
      const profile = profileOf(member);
      if (!profile) continue;
      const seen = clusterOfProfile.get(profile);
      if (seen === undefined) clusterOfProfile.set(profile, index);
      else if (seen !== index) splits.add(profile);
    }
  });
  for (const cluster of clusters) {
    const sizes = new Map<string, number>();
    for (const member of cluster.members) {
      const profile = profileOf(member);
      // a profile the rules split is merged with nothing (planResolution says why)
      if (profile && !splits.has(profile)) sizes.set(profile, (sizes.get(profile) ?? 0) + 1);
    }
    if (sizes.size < 2) continue;
    // The profile holding most of the cluster first (ties: the smaller id), as a survivor would be.
    const profiles = [...sizes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([p]) => p);
    const joined = new Set(profiles);
    const reasons = cluster.merges
      .filter((m) => profileOf(m.a) !== profileOf(m.b) && joined.has(profileOf(m.a)!) && joined.has(profileOf(m.b)!))
      .map((m) => ({ a: m.a, b: m.b, rule: m.rule, score: m.score, fieldScores: m.fieldScores }));
    merges.push({ profiles, members: cluster.members.filter((m) => joined.has(profileOf(m)!)).sort(), reasons });
  }
  return { merges, splits: [...splits].sort() };
}
