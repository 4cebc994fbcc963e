/**
 * Survivorship: the golden record of a cluster, field by field, by the strategies configured in
 * `rules.survivorship` (applied in order, each breaking the ties of the one before; the input
 * order of the records breaks the last ties):
 * - `sourcePriority`: the value from the most trusted source (`sourcePriority`, first = best);
 * - `mostRecent`: the value from the record observed last (`observedAt`);
 * - `mostComplete`: the longest value (a full date beats a year, a full address a district);
 * - `mostFrequent`: the value most records agree on.
 * A field pinned to a member record (a steward's choice) takes that record's value first.
 * `name` carries its `nameKey`/`namePinyin` from the same record. `externalIds` survive per
 * name. `phones` are all non-generic numbers of the members; the primary follows
 * `survivorship.primaryPhone` (`mobile` prefers a Chinese mobile number +861[3-9]…).
 */
import type { CleanRecord } from '../model.ts';
import type { GoldenField, MatchRules, Strategy } from './rules.ts';

export interface GoldenResult {
  golden: Partial<CleanRecord>;
  phones: string[];
  primaryPhone?: string;
  /**
   * Where each golden field came from: field (`name`, `email`, …, `externalIds.<name>`,
   * `primaryPhone`) → record key `${source}#${recordId}`. Filled for clusters of two or more.
   */
  sources?: Record<string, string>;
}

const keyOf = (r: CleanRecord) => `${r.source}#${r.recordId}`;

const CN_MOBILE = /^\+861[3-9]\d{9}$/;
const SCALAR_FIELDS = ['email', 'gender', 'birthDate', 'address', 'province', 'city', 'memberId'] as const;

interface Cand {
  value: string;
  rec: CleanRecord;
  order: number;
}

function sourceRank(rules: MatchRules, source: string): number {
  const i = rules.survivorship.sourcePriority.indexOf(source);
  return i < 0 ? rules.survivorship.sourcePriority.length : i;
}

function pick(cands: Cand[], strategies: readonly Strategy[], rules: MatchRules): Cand | undefined {
  if (cands.length <= 1) return cands[0];
  const freq = new Map<string, number>();
  if (strategies.includes('mostFrequent')) for (const c of cands) freq.set(c.value, (freq.get(c.value) ?? 0) + 1);
  let best = cands[0]!;
  for (let i = 1; i < cands.length; i++) {
    const c = cands[i]!;
    let cmp = 0;
    for (const s of strategies) {
      switch (s) {
        case 'sourcePriority':
          cmp = sourceRank(rules, best.rec.source) - sourceRank(rules, c.rec.source);
          break;
        case 'mostRecent': {
          const a = c.rec.observedAt ?? '';
          const b = best.rec.observedAt ?? '';
          cmp = a > b ? 1 : a < b ? -1 : 0;
          break;
        }
        case 'mostComplete':
          cmp = c.value.length - best.value.length;
          break;
        case 'mostFrequent':
          cmp = freq.get(c.value)! - freq.get(best.value)!;
          break;
      }
      if (cmp !== 0) break;
    }
    if (cmp > 0) best = c;
  }
  return best;
}

function strategiesFor(rules: MatchRules, field: GoldenField): readonly Strategy[] {
  return rules.survivorship.fields[field] ?? rules.survivorship.default;
}

/**
 * Builds the golden record of a cluster. `genericPhones` are left out of the profile's numbers;
 * `pinned` maps a field to the member key (`source#recordId`) a steward chose it from.
 */
export function goldenRecord(members: readonly CleanRecord[], rules: MatchRules, genericPhones: ReadonlySet<string>, pinned: Readonly<Record<string, string>> = {}): GoldenResult {
  if (members.length === 1) return single(members[0]!, genericPhones);
  const choose = (field: GoldenField, cands: Cand[]) => (pinned[field] && cands.find((c) => keyOf(c.rec) === pinned[field])) || pick(cands, strategiesFor(rules, field), rules);
  const golden: Partial<CleanRecord> = {};
  const sources: Record<string, string> = {};
  // names are counted and compared by their key, so 王偉 and 王伟 vote together
  const names: Cand[] = [];
  members.forEach((rec, order) => {
    if (rec.name) names.push({ value: rec.nameKey || rec.name, rec, order });
  });
  const name = choose('name', names);
  if (name) {
    golden.name = name.rec.name;
    sources.name = keyOf(name.rec);
    if (name.rec.nameKey) golden.nameKey = name.rec.nameKey;
    if (name.rec.namePinyin) golden.namePinyin = name.rec.namePinyin;
  }
  for (const f of SCALAR_FIELDS) {
    const cands: Cand[] = [];
    members.forEach((rec, order) => {
      const v = rec[f];
      if (v) cands.push({ value: v, rec, order });
    });
    const c = choose(f, cands);
    if (c) {
      (golden as Record<string, string>)[f] = c.value;
      sources[f] = keyOf(c.rec);
    }
  }
  const ext = new Map<string, Cand[]>();
  members.forEach((rec, order) => {
    for (const k in rec.externalIds ?? {}) {
      const v = rec.externalIds![k];
      if (!v) continue;
      let l = ext.get(k);
      if (!l) ext.set(k, (l = []));
      l.push({ value: v, rec, order });
    }
  });
  if (ext.size > 0) {
    golden.externalIds = {};
    for (const [k, cands] of ext) {
      const c = pick(cands, strategiesFor(rules, 'externalIds'), rules)!;
      golden.externalIds[k] = c.value;
      sources[`externalIds.${k}`] = keyOf(c.rec);
    }
  }
  let observedAt: string | undefined;
  for (const m of members) if (m.observedAt && (!observedAt || m.observedAt > observedAt)) observedAt = m.observedAt;
  if (observedAt) golden.observedAt = observedAt;

  const phoneCands: Cand[] = [];
  const seen = new Set<string>();
  members.forEach((rec, order) => {
    for (const p of rec.phones) {
      if (genericPhones.has(p)) continue;
      phoneCands.push({ value: p, rec, order });
    }
  });
  const phones: string[] = [];
  for (const c of phoneCands) if (!seen.has(c.value)) (seen.add(c.value), phones.push(c.value));
  let primaryPhone: string | undefined;
  if (phones.length === 1) primaryPhone = phones[0];
  else if (phones.length > 1) primaryPhone = pickPhone(phoneCands, rules);
  if (primaryPhone) {
    phones.splice(phones.indexOf(primaryPhone), 1);
    phones.unshift(primaryPhone);
  }
  golden.phones = phones;
  if (primaryPhone) {
    const from = phoneCands.find((c) => c.value === primaryPhone);
    if (from) sources.primaryPhone = keyOf(from.rec);
  }
  return { golden, phones, primaryPhone, sources };
}

/** A record alone is its own golden record (fast path: most clusters of a batch are single). */
function single(r: CleanRecord, genericPhones: ReadonlySet<string>): GoldenResult {
  const golden: Partial<CleanRecord> = {};
  if (r.name) golden.name = r.name;
  if (r.nameKey) golden.nameKey = r.nameKey;
  if (r.namePinyin) golden.namePinyin = r.namePinyin;
  for (const f of SCALAR_FIELDS) if (r[f]) (golden as Record<string, string>)[f] = r[f];
  if (r.externalIds) {
    const ext: Record<string, string> = {};
    let any = false;
    for (const k in r.externalIds) if (r.externalIds[k]) (ext[k] = r.externalIds[k]), (any = true);
    if (any) golden.externalIds = ext;
  }
  if (r.observedAt) golden.observedAt = r.observedAt;
  const phones: string[] = [];
  for (const p of r.phones) if (!genericPhones.has(p) && !phones.includes(p)) phones.push(p);
  golden.phones = phones;
  return phones.length > 0 ? { golden, phones, primaryPhone: phones[0] } : { golden, phones };
}

function pickPhone(cands: Cand[], rules: MatchRules): string {
  const stats = new Map<string, { count: number; recent: string; rank: number; first: number }>();
  for (const c of cands) {
    const s = stats.get(c.value);
    const recent = c.rec.observedAt ?? '';
    const rank = sourceRank(rules, c.rec.source);
    if (!s) stats.set(c.value, { count: 1, recent, rank, first: c.order });
    else {
      s.count++;
      if (recent > s.recent) s.recent = recent;
      if (rank < s.rank) s.rank = rank;
    }
  }
  let best: string | undefined;
  for (const [p, s] of stats) {
    if (best === undefined) {
      best = p;
      continue;
    }
    const b = stats.get(best)!;
    let cmp = 0;
    for (const st of rules.survivorship.primaryPhone) {
      if (st === 'mobile') cmp = Number(CN_MOBILE.test(p)) - Number(CN_MOBILE.test(best));
      else if (st === 'mostFrequent') cmp = s.count - b.count;
      else if (st === 'mostRecent') cmp = s.recent > b.recent ? 1 : s.recent < b.recent ? -1 : 0;
      else cmp = b.rank - s.rank;
      if (cmp !== 0) break;
    }
    if (cmp > 0) best = p;
  }
  return best!;
}
