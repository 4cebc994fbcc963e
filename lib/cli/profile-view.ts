/**
 * The profile room's adapter for CLI commands, and the human rendering of a whole profile. The
 * export shape (SPEC §5) is functions/app/profiles/read.ts `profileDocument`.
 */
import { profileViews } from '../../functions/adapters/wiring.ts';
import type { ProfileDocument } from '../../functions/app/profiles/index.ts';
import { centsText } from '../../functions/core/profile/index.ts';
import type { NumberFacts } from '../../functions/core/clean/index.ts';
import type { Target } from './target.ts';

export function viewsFor(target: Target): ReturnType<typeof profileViews> {
  return profileViews(target.outputs.TableName);
}

/** `+8613812345678 (mobile, 广东省深圳市, 中国移动)` */
function aboutNumber(n: NumberFacts): string {
  const about = [n.type, n.location, n.carrier].filter(Boolean).join(', ');
  return about ? `${n.phone} (${about})` : n.phone;
}

/** Country, province, city, district, detail; an address that could not be read so stays whole. */
function locationParts(l: ProfileDocument['view']['basic']['location']): string[] {
  const parts = [l.country, l.province, l.city === l.province ? undefined : l.city, l.district, l.detail].filter((x): x is string => !!x);
  return l.address && !l.detail ? [...parts, l.address] : parts;
}

/** One line per fact, the four dimensions in order. */
export function renderProfile(doc: ProfileDocument): string {
  const v = doc.view;
  const b = v.basic;
  const c = v.consumption;
  const h = v.behaviour;
  const d = v.demand;
  const g = v.derived;
  const list = (xs: string[]) => (xs.length ? xs.join(', ') : '—');
  const consent = Object.entries(v.consent).map(([ch, s]) => `${ch} ${s.granted ? 'yes' : 'no'}${s.at ? ` (${s.at}${s.source ? `, ${s.source}` : ''})` : ''}`);
  return [
    `profile ${doc.profileId}  ${doc.phone ?? '(keyed by no number)'}   [${doc.viewSource} view, ${doc.computedAt}]`,
    `  ${doc.summary}`,
    `  tags:        ${list(v.tags.map((t) => `${t.tag} (${t.rule})`))}`,
    `basic`,
    `  name:        ${b.name ?? '—'}   gender: ${b.gender ?? '—'}   age: ${b.age ?? '—'}${b.birthDate ? ` (${b.birthDate})` : ''}`,
    `  phones:      ${list(doc.numbers.map(aboutNumber))}`,
    `  emails:      ${list(b.contacts.emails)}`,
    `  location:    ${list(locationParts(b.location))}`,
    `  consent:     ${list(consent)}`,
    `  from:        ${list(Object.entries(b.lineage ?? {}).map(([field, l]) => `${field} ← ${l.source}/${l.recordId}${l.at ? ` (${l.at.slice(0, 10)})` : ''}${l.pinnedBy ? ` chosen by ${l.pinnedBy}` : ''}`))}`,
    `consumption`,
    `  spend:       ${c.totalSpend} ${c.currency} over ${c.orderCount} order(s), average ${c.averageOrderValue}${c.refundCents ? `, refunds ${centsText(c.refundCents)}` : ''}${c.ordersReportedTwice ? `, ${c.ordersReportedTwice} order(s) reported by two channels counted once` : ''}`,
    `  purchases:   ${c.purchasesPerMonth}/month, first ${c.firstPurchaseAt ?? '—'}, last ${c.lastPurchaseAt ?? '—'}`,
    `  categories:  ${list(c.categories.map((x) => `${x.category} ${centsText(x.spendCents)} (${x.orders})`))}`,
    `  products:    ${list(c.products.slice(0, 10).map((x) => `${x.productId}×${x.quantity}`))}`,
    `behaviour`,
    `  interactions: ${h.interactions} (90 days: ${h.interactionsLast90d}); views ${h.views}, searches ${h.searches}, carts ${h.carts}, logins ${h.logins}`,
    `  by channel:  ${list(Object.entries(h.byChannel).map(([k, n]) => `${k} ${n}`))}`,
    `  by tag:      ${list(Object.entries(h.byTag).map(([k, n]) => `${k} ${n}`))}`,
    `  searches:    ${list(h.topSearches.map((s) => `${s.keyword} (${s.count})`))}`,
    `  last seen:   ${h.lastSeenAt ?? '—'}`,
    `demand`,
    `  feedback:    ${d.feedback.count ? `${d.feedback.count}, average ${d.feedback.averageRating}` : '—'}`,
    `  interests:   ${list(d.interests.map((i) => `${i.category} ${i.score}`))}`,
    `derived`,
    `  spending power: ${g.spendingPower}   activity: ${g.activityLevel}   lifecycle: ${g.lifecycle}   RFM: ${g.rfm?.score ?? '—'}   (${g.basedOn.replace('_', ' ')})`,
    `  preferences: ${list(g.categoryPreferences.map((p) => `${p.category} ${p.score}`))}`,
    `members (${doc.members.length}): ${list(doc.members.map((m) => `${m.source}/${m.recordId}`))}`,
  ].join('\n');
}
