/** Shapes shared across the pure core. Plain data only: no AWS types here. */

/** A stable machine code plus a sentence a person can read in a report. */
export interface Problem {
  code: string;
  message: string;
}

export type Gender = 'M' | 'F';

/** Canonical identity fields as they come off a row or event, before cleaning (SPEC §3). */
export interface RawIdentity {
  phone?: string;
  phones?: string[];
  name?: string;
  email?: string;
  gender?: string;
  birthDate?: string;
  address?: string;
  province?: string;
  city?: string;
  postcode?: string;
  /** The area code the record's local numbers are dialled in, when its source gives one per row. */
  areaCode?: string;
  memberId?: string;
  externalIds?: Record<string, string>;
  /** When the source last saw the customer (a date, or a date and time). */
  observedAt?: string;
}

/** One source row or event after cleaning: what matching, merging and profiles work on. */
export interface CleanRecord {
  source: string;
  recordId: string;
  /** Valid E.164 numbers, primary first. */
  phones: string[];
  name?: string;
  /** Comparison key: simplified Chinese, case-folded, honorifics stripped. */
  nameKey?: string;
  /** Pinyin of the name key, for fuzzy comparison across characters that sound alike. */
  namePinyin?: string;
  email?: string;
  gender?: Gender;
  birthDate?: string;
  address?: string;
  province?: string;
  city?: string;
  postcode?: string;
  memberId?: string;
  externalIds?: Record<string, string>;
  /** When the source observed this record (ISO 8601), for survivorship by recency. */
  observedAt?: string;
  /** Marketing consent per contact channel (`sms`, `email`, `wechat`, `phone`, …), as the source gave it. */
  consent?: Record<string, Consent>;
}

export interface Consent {
  granted: boolean;
  /** When it was given or withdrawn (ISO 8601), if the source says. */
  at?: string;
  /** The source or channel it came from. */
  source?: string;
}
