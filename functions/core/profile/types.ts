/**
 * Shapes of the profile room (pure data). A profile is built from its members: the source records
 * and the events that point at it (byProfile index). See docs/profiles.md.
 */
import type { CleanRecord, Consent, Gender } from '../model.ts';

/** A source record member (`REC#…`): the cleaned record and when it was stored. */
export interface RecordMember {
  record: CleanRecord;
  storedAt?: string;
}

/** An event member (`EVT#<channel>#<eventId>`), as stored by writeEvents. */
export interface EventMember {
  channel: string;
  eventId: string;
  /** Standard tag, or `unmapped:<native name>`. */
  tag: string;
  attributes: Record<string, unknown>;
  /** ISO 8601 UTC, when it happened (the channel said so). */
  occurredAt?: string;
  /** The UTC offset of the channel's clock then ("+08:00"): profile times are shown at it. */
  utcOffset?: string;
  /** ISO 8601 UTC, when PhoneKey stored it. */
  receivedAt?: string;
  record?: CleanRecord;
}

export type Level = 'high' | 'medium' | 'low';
export type Lifecycle = 'new' | 'active' | 'at_risk' | 'lapsed';
export type Language = 'zh' | 'en';

export interface ConsentState extends Consent {
  granted: boolean;
}

export interface ProductLine {
  productId: string;
  name?: string;
  category?: string;
  quantity: number;
  orders: number;
  spendCents: number;
}

export interface CategoryBought {
  category: string;
  orders: number;
  quantity: number;
  spendCents: number;
}

export interface ProfileBasic {
  name?: string;
  gender?: Gender;
  birthDate?: string;
  age?: number;
  contacts: { phones: string[]; emails: string[] };
  /** Where the customer is: the address read as country – province – city – district – detail, and the address as written. */
  location: { country?: string; province?: string; city?: string; district?: string; detail?: string; address?: string };
  memberIds: string[];
  /** Where each golden field came from (survivorship over every member, on every build). */
  lineage?: Record<string, FieldLineage>;
}

/** One golden field's value, the member record it survived from, and when that record was observed. */
export interface FieldLineage {
  value: string;
  source: string;
  recordId: string;
  at?: string;
  /** Set when a steward chose this record's value (approving a review with field choices). */
  pinnedBy?: string;
  pinnedAt?: string;
}

export interface ProfileConsumption {
  currency: string;
  /** Net spend (orders − refunds) in `currency`, two-place decimal text, e.g. "1299.00". */
  totalSpend: string;
  totalSpendCents: number;
  refundCents: number;
  orderCount: number;
  averageOrderValue: string;
  averageOrderValueCents: number;
  /** Orders per 30 days between the first purchase and now (at least one 30-day period). */
  purchasesPerMonth: number;
  /** ISO 8601 at the UTC offset the selling channel's clock was at ("2026-11-21T14:05:00+08:00"). */
  firstPurchaseAt?: string;
  lastPurchaseAt?: string;
  products: ProductLine[];
  categories: CategoryBought[];
  /** Orders reported by more than one channel (counted once). */
  ordersReportedTwice: number;
  /** Spend in other currencies (cents), never mixed into totalSpend. */
  otherCurrencies?: Record<string, number>;
}

export interface ProfileBehaviour {
  interactions: number;
  views: number;
  searches: number;
  carts: number;
  logins: number;
  byChannel: Record<string, number>;
  byTag: Record<string, number>;
  topSearches: Array<{ keyword: string; count: number }>;
  /** ISO 8601 at the UTC offset of the channel's clock, like firstPurchaseAt. */
  firstSeenAt?: string;
  lastSeenAt?: string;
  interactionsLast30d: number;
  interactionsLast90d: number;
  /** Interactions in each of the last three 30-day windows, oldest first (only windows since first seen). */
  monthlyInteractions: number[];
}

export interface ProfileDemand {
  feedback: { count: number; averageRating?: number; latest: Array<{ rating: number; text?: string; at?: string; channel: string }> };
  /** Categories of interest from views (1 point) and carts (3 points); score = share of the best, 0..1. */
  interests: Array<{ category: string; score: number; views: number; carts: number }>;
}

export interface Rfm {
  r: number;
  f: number;
  m: number;
  /** e.g. "545" */
  score: string;
}

export interface ProfileDerived {
  spendingPower: Level;
  activityLevel: Level;
  /** Purchases 5, carts 3, views 1 per category; score = share of the best, 0..1, best first. */
  categoryPreferences: Array<{ category: string; score: number }>;
  lifecycle: Lifecycle;
  /** Null for a profile without purchases. */
  rfm: Rfm | null;
  /** Where the high/medium/low cut points came from. */
  basedOn: 'base_quantiles' | 'fixed_thresholds';
}

/** The figures per profile that base quantiles are computed over (stored as `metrics`). */
export interface ProfileMetrics {
  /** Yuan with cents (a number for exports; exact value in totalSpendCents). */
  totalSpend: number;
  totalSpendCents: number;
  orderCount: number;
  averageOrderValue: number;
  purchasesPerMonth: number;
  /** Days since the last purchase; null without purchases. */
  purchaseRecencyDays: number | null;
  /** Days since the last activity of any kind; null when nothing has a time. */
  recencyDays: number | null;
  interactions90d: number;
}

export interface AppliedTag {
  tag: string;
  /** Id of the tag rule that set it. */
  rule: string;
}

export interface ProfileView {
  version: 1;
  basic: ProfileBasic;
  consent: Record<string, ConsentState>;
  consumption: ProfileConsumption;
  behaviour: ProfileBehaviour;
  demand: ProfileDemand;
  derived: ProfileDerived;
  tags: AppliedTag[];
  summary: string;
  language: Language;
  /** Newest member time seen when building (storedAt / receivedAt), to tell a stale view. */
  newestMemberAt?: string;
  /** Records + events it was built from, to tell a stale view (a merge or unmerge moves members). */
  memberCount: number;
  computedAt: string;
}

export interface BuiltProfile {
  view: ProfileView;
  metrics: ProfileMetrics;
  /** Tag names (rule ids are in view.tags). */
  tags: string[];
  summary: string;
  computedAt: string;
}
