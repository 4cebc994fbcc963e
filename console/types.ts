/** The shapes of the API answers the console reads (docs/api: /v1/reviews, /v1/profiles, merges). */
export interface SideRecord {
  source?: string;
  recordId?: string;
  name?: string;
  phones?: string[];
  email?: string;
  gender?: string;
  birthDate?: string;
  address?: string;
  province?: string;
  city?: string;
  memberId?: string;
  externalIds?: Record<string, string>;
}

export interface Review {
  reviewId: string;
  a: { key: string; profileId: string; record?: SideRecord };
  b: { key: string; profileId: string; record?: SideRecord };
  score: number;
  fieldScores: Record<string, number>;
  reasons: string[];
  reason: string;
  createdAt: string;
}

export interface SearchHit {
  profileId: string;
  matched: string;
  phone?: string;
  phones: string[];
  name?: string;
  email?: string;
  city?: string;
  tags: string[];
  summary?: string;
  totalSpend?: number;
}

export interface SearchPage {
  profiles: SearchHit[];
  next?: string;
  truncated: boolean;
}

export interface Lineage {
  value: string;
  source: string;
  recordId: string;
  at?: string;
  pinnedBy?: string;
}

export interface NumberFacts {
  phone: string;
  type?: string;
  region?: string;
  location?: string;
  carrier?: string;
}

export interface ProfileDocument {
  profileId: string;
  phone?: string;
  phones: string[];
  numbers: NumberFacts[];
  members: Array<{ source: string; recordId: string }>;
  tags: string[];
  summary: string;
  view: {
    basic: Record<string, unknown> & { lineage?: Record<string, Lineage> };
    consumption: Record<string, unknown>;
    behaviour: Record<string, unknown>;
    demand: Record<string, unknown>;
    tags: Array<{ tag: string; rule: string }>;
  };
}

export interface Merge {
  mergeId: string;
  into: string;
  from: string;
  at: string;
  actor: string;
  score?: number;
  reasons?: string[];
  moved: { phones: string[]; members: string[] };
  undoneAt?: string;
}

export interface Split {
  splitId: string;
  from: string;
  to: string;
  at: string;
  actor: string;
  moved: { phones: string[]; members: string[] };
  glue: string[];
  applied: boolean;
  undoneAt?: string;
}

export interface ReportSummary {
  kind: 'imports' | 'nightly';
  id: string;
  at: string;
  status?: string;
  source?: string;
  file?: string;
  counts: Record<string, number>;
}

export interface ListedNumber extends NumberFacts {
  standing: 'personal' | 'shared' | 'generic';
  explanation: string;
  names: string[];
  genders: string[];
  birthDates: number;
  since: string;
  genericSince?: string;
  claimedBy: string;
}

export interface NumberPage {
  standing: 'generic' | 'shared';
  numbers: ListedNumber[];
  next?: string;
}
