/**
 * buildProfile(records, events, opts) → BuiltProfile: the four dimensions (basic, consumption,
 * behaviour, demand), consent, derived levels, tags (with the rule that set each) and the summary,
 * from a profile's members. Pure and deterministic for a given `opts.now`.
 *
 * Money is summed in integer cents (`<attr>_cents`, see core/events/money.ts). A purchase is an
 * order line (or a whole order); lines are grouped by `order_id`, and when several channels report
 * the same order id the order counts once: the report with the largest amount (then the most
 * product lines, then the channel name) is taken. Refunds reduce spend for orders seen, capped at
 * the order's amount.
 */
import { addressParts } from '../clean/address.ts';
import { parseMoney } from '../events/money.ts';
import { localTime } from '../events/datetime.ts';
import type { CleanRecord, Consent } from '../model.ts';
import { DEFAULT_PROFILE_CONFIG, type ProfileConfig } from './config.ts';
import { bandOf, cutAt, quantilesFit, quintileScore, type BaseQuantiles } from './quantiles.ts';
import { detectLanguage, summarize } from './summary.ts';
import { applyTagRules, DEFAULT_TAG_RULES, type TagRules } from './tag-rules.ts';
import { defaultMatchRules, goldenRecord, type MatchRules } from '../match/index.ts';
import { pinnedMembers, type Pin } from '../identity/pins.ts';
import type {
  BuiltProfile,
  CategoryBought,
  FieldLineage,
  ConsentState,
  EventMember,
  Language,
  Lifecycle,
  ProductLine,
  ProfileBasic,
  ProfileBehaviour,
  ProfileConsumption,
  ProfileDemand,
  ProfileDerived,
  ProfileMetrics,
  RecordMember,
  Rfm,
} from './types.ts';

export interface BuildOptions {
  /** The time the profile is computed at (ISO 8601 or Date): ages, recency and windows use it. */
  now: string | Date;
  /** Stored base quantiles; without them fixed thresholds from config are used. */
  baseQuantiles?: BaseQuantiles;
  tagRules?: TagRules;
  config?: ProfileConfig;
  /** Force the summary language. */
  lang?: Language;
  /** The profile item's numbers, primary first (merged in front of the members' numbers). */
  phones?: string[];
  /** The rules whose `survivorship` picks each golden field (default: the shipped match rules). */
  survivorship?: MatchRules;
  /** Fields a steward pinned to a member record (the profile item's `pins`). */
  pins?: Readonly<Record<string, Pin>>;
}

const DAY = 86_400_000;
const round2 = (n: number) => Math.round(n * 100) / 100;
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** When an event happened: occurredAt, never later than when it arrived. */
export function eventTime(e: EventMember): string | undefined {
  if (e.occurredAt && e.receivedAt) return e.occurredAt < e.receivedAt ? e.occurredAt : e.receivedAt;
  return e.occurredAt ?? e.receivedAt;
}

function cents(attrs: Record<string, unknown>, name: string): number | undefined {
  const c = attrs[`${name}_cents`];
  if (typeof c === 'number' && Number.isSafeInteger(c)) return c;
  if (attrs[name] === undefined || attrs[name] === null) return undefined;
  const m = parseMoney(attrs[name]);
  return m.ok ? m.cents : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined);

function ageAt(birthDate: string | undefined, now: Date): number | undefined {
  const m = birthDate && /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < mo || (now.getUTCMonth() + 1 === mo && now.getUTCDate() < d)) age--;
  return age >= 0 && age <= 130 ? age : undefined;
}

const daysBetween = (from: string, now: Date) => Math.max(0, Math.floor((now.getTime() - Date.parse(from)) / DAY));

// ---- basic ----

interface Identity {
  record: CleanRecord;
  at: string;
  fromEvent: boolean;
}

/**
 * The golden fields by survivorship (core/match/golden.ts, the rules' `survivorship`) over every
 * member: source records before the identities events carried, so a typed order never outranks
 * the CRM in a tie. Each field says where it came from.
 */
function buildBasic(ids: Identity[], opts: BuildOptions, now: Date): ProfileBasic {
  const ordered = [...ids].sort((a, b) => Number(a.fromEvent) - Number(b.fromEvent) || cmp(b.at, a.at));
  const members = ordered.map((i) => (i.record.observedAt || !i.at ? i.record : { ...i.record, observedAt: i.at }));
  const { golden, sources = {} } = goldenRecord(members, opts.survivorship ?? defaultMatchRules, new Set(), pinnedMembers(opts.pins));
  const byKey = new Map(members.map((r) => [`${r.source}#${r.recordId}`, r]));
  const phones = [...new Set([...(opts.phones ?? []), ...ordered.flatMap((i) => i.record.phones ?? [])])];
  const emails = [...new Set([golden.email, ...ordered.map((i) => i.record.email)].filter((e): e is string => !!e))];
  const memberIds = [...new Set([golden.memberId, ...ordered.map((i) => i.record.memberId)].filter((e): e is string => !!e))];
  const basic: ProfileBasic = { contacts: { phones, emails }, location: {}, memberIds };
  const lineage: Record<string, FieldLineage> = {};
  const from = (field: string, value: string) => {
    const r = byKey.get(sources[field] ?? '') ?? (members.length === 1 ? members[0] : undefined);
    const pin = opts.pins?.[field];
    const pinned = r && pin?.member === `${r.source}#${r.recordId}` ? { pinnedBy: pin.by, pinnedAt: pin.at } : {};
    if (r) lineage[field] = { value, source: r.source, recordId: r.recordId, ...(r.observedAt ? { at: r.observedAt } : {}), ...pinned };
  };
  if (golden.name) (basic.name = golden.name), from('name', golden.name);
  if (golden.gender) (basic.gender = golden.gender), from('gender', golden.gender);
  if (golden.birthDate) {
    basic.birthDate = golden.birthDate;
    from('birthDate', golden.birthDate);
    const age = ageAt(golden.birthDate, now);
    if (age !== undefined) basic.age = age;
  }
  if (golden.email) from('email', golden.email);
  for (const k of ['province', 'city', 'address'] as const) {
    const v = golden[k];
    if (v) from(k, v);
  }
  // country – province – city – district – detail, with the address as written
  basic.location = { ...addressParts(golden), ...(golden.address ? { address: golden.address } : {}) };
  if (Object.keys(lineage).length) basic.lineage = lineage;
  return basic;
}

// ---- consent ----

function buildConsent(ids: Identity[], events: EventMember[]): Record<string, ConsentState> {
  const out: Record<string, ConsentState> = {};
  /** Whether each entry's time was given by the source (true) or is the time the record arrived. */
  const explicit = new Map<string, boolean>();
  const offer = (channel: string, c: Consent, fallbackAt: string, fallbackSource: string, givenAt: boolean) => {
    const next: ConsentState = { granted: c.granted, at: c.at ?? fallbackAt, source: c.source ?? fallbackSource };
    const prev = out[channel];
    const later = !prev || cmp(next.at!, prev.at ?? '') > 0;
    let wins: boolean;
    if (!prev) wins = true;
    else if (next.granted === prev.granted) wins = later;
    // Opting out is sticky: a grant replaces a withdrawal only when the source said when it was
    // given, and that is later. A withdrawal replaces a grant when later, or when the grant's
    // time is only when its record arrived (a customer list imported today says nothing about today).
    else if (next.granted) wins = givenAt && later;
    else wins = later || !explicit.get(channel);
    if (wins) {
      out[channel] = next;
      explicit.set(channel, givenAt || !!c.at);
    }
  };
  for (const i of ids)
    for (const [ch, c] of Object.entries(i.record.consent ?? {})) if (c && typeof c.granted === 'boolean') offer(ch.toLowerCase(), c, i.at, i.record.source, !!c.at);
  for (const e of events) {
    if (e.tag !== 'consent_update') continue;
    const ch = str(e.attributes.channel)?.toLowerCase();
    const granted = e.attributes.granted;
    if (!ch || typeof granted !== 'boolean') continue;
    const at = eventTime(e);
    offer(ch, { granted, source: str(e.attributes.source) ?? e.channel, ...(at ? { at } : {}) }, at ?? '', e.channel, !!e.occurredAt);
  }
  return out;
}

/** Whether the profile may be contacted for marketing on `channel` (the later of `channel` and `all` decides). */
export function hasConsent(consent: Record<string, ConsentState> | undefined, channel: string): boolean {
  const own = consent?.[channel.toLowerCase()];
  const all = consent?.all;
  if (own && all) return cmp(all.at ?? '', own.at ?? '') > 0 ? all.granted : own.granted;
  return (own ?? all)?.granted === true;
}

// ---- consumption ----

interface Line {
  channel: string;
  orderId: string;
  productId?: string;
  name?: string;
  category?: string;
  quantity: number;
  amountCents: number;
  currency: string;
  /** ISO 8601 UTC (compared as text), and the UTC offset of the channel's clock then. */
  at?: string;
  utcOffset?: string;
}

interface Order {
  orderId: string;
  currency: string;
  amountCents: number;
  refundCents: number;
  lines: Line[];
  at?: string;
  utcOffset?: string;
  channels: number;
}

function purchaseOrders(events: EventMember[], productCategory: Map<string, string>, config: ProfileConfig): Order[] {
  const byOrder = new Map<string, Map<string, Line[]>>();
  const refunds = new Map<string, Map<string, number>>();
  for (const e of events) {
    const orderId = str(e.attributes.order_id);
    if (!orderId) continue;
    if (e.tag === 'purchase') {
      const amountCents = cents(e.attributes, 'amount');
      if (amountCents === undefined) continue;
      const productId = str(e.attributes.product_id);
      const line: Line = {
        channel: e.channel,
        orderId,
        productId,
        name: str(e.attributes.product_name),
        category: str(e.attributes.category) ?? (productId ? productCategory.get(productId) : undefined),
        quantity: typeof e.attributes.quantity === 'number' ? e.attributes.quantity : 1,
        amountCents,
        currency: str(e.attributes.currency)?.toUpperCase() ?? config.currency,
        at: eventTime(e),
        ...(e.utcOffset ? { utcOffset: e.utcOffset } : {}),
      };
      if (!byOrder.has(orderId)) byOrder.set(orderId, new Map());
      const reports = byOrder.get(orderId)!;
      reports.set(e.channel, [...(reports.get(e.channel) ?? []), line]);
    } else if (e.tag === 'refund') {
      const c = cents(e.attributes, 'amount');
      if (c === undefined) continue;
      if (!refunds.has(orderId)) refunds.set(orderId, new Map());
      const r = refunds.get(orderId)!;
      r.set(e.channel, (r.get(e.channel) ?? 0) + c);
    }
  }
  const orders: Order[] = [];
  for (const [orderId, reports] of byOrder) {
    const ranked = [...reports].map(([channel, lines]) => ({
      channel,
      lines,
      total: lines.reduce((s, l) => s + l.amountCents, 0),
      products: lines.filter((l) => l.productId).length,
    }));
    ranked.sort((a, b) => b.total - a.total || b.products - a.products || cmp(a.channel, b.channel));
    const chosen = ranked[0]!;
    const earliest = [...reports.values()]
      .flat()
      .filter((l) => l.at)
      .sort((a, b) => cmp(a.at!, b.at!))[0];
    const refunded = Math.max(0, ...[...(refunds.get(orderId)?.values() ?? [])]);
    orders.push({
      orderId,
      currency: chosen.lines[0]!.currency,
      amountCents: chosen.total,
      refundCents: Math.min(chosen.total, refunded),
      lines: chosen.lines,
      ...(earliest ? { at: earliest.at, utcOffset: earliest.utcOffset } : {}),
      channels: reports.size,
    });
  }
  return orders.sort((a, b) => cmp(a.at ?? '', b.at ?? '') || cmp(a.orderId, b.orderId));
}

function buildConsumption(orders: Order[], now: Date, config: ProfileConfig): ProfileConsumption {
  const main = orders.filter((o) => o.currency === config.currency);
  const other: Record<string, number> = {};
  for (const o of orders) if (o.currency !== config.currency) other[o.currency] = (other[o.currency] ?? 0) + o.amountCents - o.refundCents;
  const gross = main.reduce((s, o) => s + o.amountCents, 0);
  const refundCents = main.reduce((s, o) => s + o.refundCents, 0);
  const total = gross - refundCents;
  const products = new Map<string, ProductLine>();
  const categories = new Map<string, CategoryBought & { orderIds: Set<string> }>();
  for (const o of main)
    for (const l of o.lines) {
      if (l.productId) {
        const p = products.get(l.productId) ?? { productId: l.productId, quantity: 0, orders: 0, spendCents: 0 };
        p.quantity += l.quantity;
        p.orders += 1;
        p.spendCents += l.amountCents;
        if (l.category && !p.category) p.category = l.category;
        if (l.name && !p.name) p.name = l.name;
        products.set(l.productId, p);
      }
      if (l.category) {
        const c = categories.get(l.category) ?? { category: l.category, orders: 0, quantity: 0, spendCents: 0, orderIds: new Set<string>() };
        c.orderIds.add(o.orderId);
        c.orders = c.orderIds.size;
        c.quantity += l.quantity;
        c.spendCents += l.amountCents;
        categories.set(l.category, c);
      }
    }
  const firstOrder = main.find((o) => o.at);
  const lastOrder = [...main].reverse().find((o) => o.at);
  const first = firstOrder?.at;
  const aov = main.length ? Math.round(total / main.length) : 0;
  const months = first ? Math.max(1, daysBetween(first, now) / 30) : 1;
  const out: ProfileConsumption = {
    currency: config.currency,
    totalSpend: centsText(total),
    totalSpendCents: total,
    refundCents,
    orderCount: main.length,
    averageOrderValue: centsText(aov),
    averageOrderValueCents: aov,
    purchasesPerMonth: round2(main.length / months),
    products: [...products.values()].sort((a, b) => b.spendCents - a.spendCents || cmp(a.productId, b.productId)).slice(0, 50),
    categories: [...categories.values()]
      .map(({ orderIds: _, ...c }) => c)
      .sort((a, b) => b.spendCents - a.spendCents || cmp(a.category, b.category)),
    ordersReportedTwice: main.filter((o) => o.channels > 1).length,
  };
  // shown as the channel's clock read them: a 14:05 Shanghai sale is 14:05 +08:00
  if (firstOrder) out.firstPurchaseAt = localTime(firstOrder.at!, firstOrder.utcOffset);
  if (lastOrder) out.lastPurchaseAt = localTime(lastOrder.at!, lastOrder.utcOffset);
  if (Object.keys(other).length) out.otherCurrencies = other;
  return out;
}

export function centsText(c: number): string {
  const neg = c < 0;
  const a = Math.abs(c);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
}

// ---- behaviour and demand ----

function buildBehaviour(events: EventMember[], now: Date): ProfileBehaviour {
  const byChannel: Record<string, number> = {};
  const byTag: Record<string, number> = {};
  const searches = new Map<string, number>();
  let first: string | undefined;
  let last: string | undefined;
  let firstOffset: string | undefined;
  let lastOffset: string | undefined;
  const n = now.getTime();
  const windows = [0, 0, 0];
  let d30 = 0;
  let d90 = 0;
  for (const e of events) {
    byChannel[e.channel] = (byChannel[e.channel] ?? 0) + 1;
    byTag[e.tag] = (byTag[e.tag] ?? 0) + 1;
    if (e.tag === 'search') {
      const k = str(e.attributes.keyword)?.toLowerCase();
      if (k) searches.set(k, (searches.get(k) ?? 0) + 1);
    }
    const t = eventTime(e);
    if (!t) continue;
    if (!first || t < first) (first = t), (firstOffset = e.utcOffset);
    if (!last || t > last) (last = t), (lastOffset = e.utcOffset);
    const age = n - Date.parse(t);
    if (age < 0) continue;
    if (age < 30 * DAY) d30++;
    if (age < 90 * DAY) {
      d90++;
      windows[2 - Math.floor(age / (30 * DAY))]!++;
    }
  }
  // Only the 30-day windows that end after the customer was first seen.
  const since = first ? n - Date.parse(first) : 0;
  const keep = first ? Math.min(3, Math.floor(since / (30 * DAY)) + 1) : 0;
  const out: ProfileBehaviour = {
    interactions: events.length,
    views: (byTag.product_view ?? 0) + (byTag.view_page ?? 0),
    searches: byTag.search ?? 0,
    carts: byTag.add_to_cart ?? 0,
    logins: byTag.login ?? 0,
    byChannel,
    byTag,
    topSearches: [...searches]
      .sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))
      .slice(0, 5)
      .map(([keyword, count]) => ({ keyword, count })),
    interactionsLast30d: d30,
    interactionsLast90d: d90,
    monthlyInteractions: windows.slice(3 - keep),
  };
  if (first) out.firstSeenAt = localTime(first, firstOffset);
  if (last) out.lastSeenAt = localTime(last, lastOffset);
  return out;
}

function buildDemand(events: EventMember[], productCategory: Map<string, string>, config: ProfileConfig): ProfileDemand {
  const feedback = events
    .filter((e) => e.tag === 'feedback_submit' && typeof e.attributes.rating === 'number')
    .map((e) => ({ rating: e.attributes.rating as number, text: str(e.attributes.text), at: eventTime(e), channel: e.channel }))
    .sort((a, b) => cmp(b.at ?? '', a.at ?? ''));
  const interest = new Map<string, { views: number; carts: number }>();
  for (const e of events) {
    if (e.tag !== 'product_view' && e.tag !== 'add_to_cart') continue;
    const pid = str(e.attributes.product_id);
    const category = str(e.attributes.category) ?? (pid ? productCategory.get(pid) : undefined);
    if (!category) continue;
    const c = interest.get(category) ?? { views: 0, carts: 0 };
    if (e.tag === 'product_view') c.views++;
    else c.carts++;
    interest.set(category, c);
  }
  const raw = [...interest].map(([category, c]) => ({ category, ...c, raw: c.views * config.preferenceWeights.view + c.carts * config.preferenceWeights.cart }));
  const best = Math.max(0, ...raw.map((r) => r.raw));
  const demand: ProfileDemand = {
    feedback: { count: feedback.length, latest: feedback.slice(0, 5).map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as (typeof feedback)[number]) },
    interests: raw
      .map((r) => ({ category: r.category, score: best ? round2(r.raw / best) : 0, views: r.views, carts: r.carts }))
      .sort((a, b) => b.score - a.score || cmp(a.category, b.category)),
  };
  if (feedback.length) demand.feedback.averageRating = round2(feedback.reduce((s, f) => s + f.rating, 0) / feedback.length);
  return demand;
}

// ---- derived ----

function lifecycleOf(firstSeen: string | undefined, lastActive: string | undefined, now: Date, config: ProfileConfig): Lifecycle {
  if (!firstSeen || daysBetween(firstSeen, now) <= config.lifecycle.newDays) return 'new';
  const recency = lastActive ? daysBetween(lastActive, now) : Infinity;
  if (recency <= config.lifecycle.activeDays) return 'active';
  if (recency <= config.lifecycle.atRiskDays) return 'at_risk';
  return 'lapsed';
}

function fixedScore(value: number, cuts: number[]): number {
  return 1 + cuts.filter((c) => value > c).length;
}

function buildDerived(
  consumption: ProfileConsumption,
  behaviour: ProfileBehaviour,
  demand: ProfileDemand,
  metrics: ProfileMetrics,
  lifecycle: Lifecycle,
  q: BaseQuantiles | undefined,
  config: ProfileConfig,
): ProfileDerived {
  // Base quantiles serve a measure only when the base had values for it (a first night with no
  // buyers yet falls back to the fixed thresholds, rather than calling everyone low).
  const useQ = quantilesFit(q, config);
  const spendQ = useQ && q.buyers > 0;
  const activeQ = useQ && q.active > 0;
  const spend = consumption.totalSpendCents;
  const spendingPower = spendQ
    ? bandOf(spend, cutAt(q, q.spendCents, config.spendingPower.high), cutAt(q, q.spendCents, config.spendingPower.medium))
    : bandOf(spend, config.fixed.spendHighCents, config.fixed.spendMediumCents);
  const activityLevel = activeQ
    ? bandOf(metrics.interactions90d, cutAt(q, q.interactions90d, config.activityLevel.high), cutAt(q, q.interactions90d, config.activityLevel.medium))
    : bandOf(metrics.interactions90d, config.fixed.activityHigh, config.fixed.activityMedium);

  const w = config.preferenceWeights;
  const raw = new Map<string, number>();
  for (const c of consumption.categories) raw.set(c.category, (raw.get(c.category) ?? 0) + c.orders * w.purchase);
  for (const i of demand.interests) raw.set(i.category, (raw.get(i.category) ?? 0) + i.views * w.view + i.carts * w.cart);
  const best = Math.max(0, ...raw.values());
  const categoryPreferences = [...raw]
    .filter(([, v]) => v > 0)
    .map(([category, v]) => ({ category, score: round2(v / best) }))
    .sort((a, b) => b.score - a.score || cmp(a.category, b.category));

  let rfm: Rfm | null = null;
  if (consumption.orderCount > 0 && metrics.purchaseRecencyDays !== null) {
    const days = metrics.purchaseRecencyDays;
    const [r, f, m] =
      spendQ
        ? [quintileScore(-days, q, q.minusPurchaseRecencyDays), quintileScore(consumption.orderCount, q, q.orderCount), quintileScore(spend, q, q.spendCents)]
        : [6 - fixedScore(days, config.fixed.recencyDays), fixedScore(consumption.orderCount, config.fixed.orderCount), fixedScore(spend, config.fixed.spendCents)];
    rfm = { r, f, m, score: `${r}${f}${m}` };
  }
  void behaviour;
  return { spendingPower, activityLevel, categoryPreferences, lifecycle, rfm, basedOn: spendQ || activeQ ? 'base_quantiles' : 'fixed_thresholds' };
}

// ---- the whole profile ----

/** The newest storedAt / receivedAt of the members: what a stored view is compared with. */
export function newestMemberTime(records: RecordMember[], events: EventMember[]): string | undefined {
  let newest: string | undefined;
  for (const t of [...records.map((r) => r.storedAt), ...events.map((e) => e.receivedAt)]) if (t && (!newest || t > newest)) newest = t;
  return newest;
}

export function buildProfile(records: RecordMember[], events: EventMember[], opts: BuildOptions): BuiltProfile {
  const now = opts.now instanceof Date ? opts.now : new Date(opts.now);
  if (Number.isNaN(now.getTime())) throw new RangeError(`buildProfile: now is not a date: ${String(opts.now)}`);
  const computedAt = now.toISOString();
  const config = opts.config ?? DEFAULT_PROFILE_CONFIG;
  // Deterministic whatever order the index returned the members in.
  const evs = [...events].sort((a, b) => cmp(eventTime(a) ?? '', eventTime(b) ?? '') || cmp(a.channel, b.channel) || cmp(a.eventId, b.eventId));

  const ids: Identity[] = [
    ...records.map((r) => ({ record: r.record, at: r.record.observedAt ?? r.storedAt ?? '', fromEvent: false })),
    ...evs.filter((e) => e.record).map((e) => ({ record: e.record!, at: eventTime(e) ?? '', fromEvent: true })),
  ];
  const productCategory = new Map<string, string>();
  for (const e of evs) {
    const pid = str(e.attributes.product_id);
    const cat = str(e.attributes.category);
    if (pid && cat && !productCategory.has(pid)) productCategory.set(pid, cat);
  }

  const basic = buildBasic(ids, opts, now);
  const consent = buildConsent(ids, evs);
  const orders = purchaseOrders(evs, productCategory, config);
  const consumption = buildConsumption(orders, now, config);
  const behaviour = buildBehaviour(evs, now);
  const demand = buildDemand(evs, productCategory, config);

  const observed = records.map((r) => r.record.observedAt).filter((t): t is string => !!t);
  const stored = records.map((r) => r.storedAt).filter((t): t is string => !!t);
  const activity = [...evs.map(eventTime).filter((t): t is string => !!t), ...observed];
  const firstSeen = [...(activity.length ? activity : stored)].sort()[0];
  const lastActive = [...(activity.length ? activity : stored)].sort().at(-1);
  const newestMemberAt = newestMemberTime(records, evs);

  const metrics: ProfileMetrics = {
    totalSpend: consumption.totalSpendCents / 100,
    totalSpendCents: consumption.totalSpendCents,
    orderCount: consumption.orderCount,
    averageOrderValue: consumption.averageOrderValueCents / 100,
    purchasesPerMonth: consumption.purchasesPerMonth,
    purchaseRecencyDays: consumption.lastPurchaseAt ? daysBetween(consumption.lastPurchaseAt, now) : null,
    recencyDays: lastActive ? daysBetween(lastActive, now) : null,
    interactions90d: behaviour.interactionsLast90d,
  };
  const lifecycle = lifecycleOf(firstSeen, lastActive, now, config);
  const derived = buildDerived(consumption, behaviour, demand, metrics, lifecycle, opts.baseQuantiles, config);
  const tags = applyTagRules(opts.tagRules ?? DEFAULT_TAG_RULES, { basic, consent, consumption, behaviour, demand, derived, metrics });
  const language = opts.lang ?? detectLanguage(basic);
  const summary = summarize({ basic, consumption, behaviour, demand, spendingPower: derived.spendingPower }, language);
  return {
    view: { version: 1, basic, consent, consumption, behaviour, demand, derived, tags, summary, language, ...(newestMemberAt ? { newestMemberAt } : {}), memberCount: records.length + events.length, computedAt },
    metrics,
    tags: tags.map((t) => t.tag),
    summary,
    computedAt,
  };
}
