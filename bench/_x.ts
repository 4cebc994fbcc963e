import { cleanIdentity } from '../functions/core/clean/index.ts';
import { defaultMatchRules, resolve } from '../functions/core/match/index.ts';
import { generateCustomers } from '../test/support/generate-customers.ts';
const g = generateCustomers({ people: 2000, seed: 2026, recycled: 0.01, stores: 3, orders: true });
const recs = g.records.map((r) => cleanIdentity(r.raw, { source: r.source, recordId: r.recordId, observedAt: r.observedAt }).record);
const res = resolve(recs, defaultMatchRules);
const cl = new Map<string, number>();
res.clusters.forEach((c, i) => c.members.forEach((m) => cl.set(m, i)));
const truth = new Map(g.records.map((r) => [`${r.source}#${r.recordId}`, r.personId]));
for (const ph of ['+8618130182970', '+8618035318930', '+8613537397831']) {
  const rs = recs.filter((r) => r.phones.includes(ph));
  console.log(ph, rs.map((r) => `${r.source}#${r.recordId} ${r.name ?? '-'} c${cl.get(`${r.source}#${r.recordId}`)} ${truth.get(`${r.source}#${r.recordId}`)}`).join(' | '));
  for (const rv of res.reviews.filter((v) => rs.some((r) => `${r.source}#${r.recordId}` === v.a || `${r.source}#${r.recordId}` === v.b))) console.log('  review', rv.a, rv.b, rv.reason);
}
const reasons = new Map<string, number>();
for (const rv of res.reviews) { const k = rv.reason.replace(/[a-z]+#[\w-]+/g, 'X').replace(/\d+/g, 'N'); reasons.set(k, (reasons.get(k) ?? 0) + 1); }
console.log([...reasons].sort((a, b) => b[1] - a[1]).slice(0, 10));
