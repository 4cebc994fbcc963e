/**
 * Loads the labelled public data sets in ../shared/data onto CleanRecord, with truth ids.
 * Columns that CleanRecord has no place for (postcode, FEBRL's soc_sec_id) go to externalIds,
 * which the per-data-set rule files in test/fixtures/match/ compare.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { CleanRecord } from '../../../functions/core/model.ts';
import { parseMatchRules, type MatchRules } from '../../../functions/core/match/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');
export const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');

export interface Labelled {
  records: CleanRecord[];
  /** record key → truth id */
  truth: Map<string, string>;
}

function rows(file: string): Record<string, string>[] {
  return parse(readFileSync(path.join(sharedData, file), 'utf8'), { columns: (h: string[]) => h.map((x) => x.trim()), trim: true, skip_empty_lines: true });
}

export function fixtureRules(name: string): MatchRules {
  return parseMatchRules(readFileSync(path.join(repoRoot, 'test', 'fixtures', 'match', name), 'utf8'));
}

function westernName(given: string, surname: string): Pick<CleanRecord, 'name' | 'nameKey'> {
  const name = `${given} ${surname}`.replace(/-/g, ' ').replace(/\s+/g, ' ').trim().toLowerCase();
  return name ? { name, nameKey: name } : {};
}

function set<T extends object>(o: T, k: keyof T, v: unknown): void {
  if (v !== undefined && v !== '') (o as Record<keyof T, unknown>)[k] = v;
}

function address(...parts: string[]): string | undefined {
  const a = parts.filter((p) => p).join(' ').replace(/\s+/g, ' ').trim();
  return a || undefined;
}

/** ePBRN: phone `NN-NNNNNNNN` → `+61` + area digit + 8 digits; `00-00000000` is missing. */
export function loadEpbrn(file = 'epbrn/ePBRN_D_rep.csv'): Labelled {
  const records: CleanRecord[] = [];
  const truth = new Map<string, string>();
  for (const r of rows(file)) {
    const rec: CleanRecord = { source: 'epbrn', recordId: r.rec_id!, phones: [], ...westernName(r.given_name!, r.surname!) };
    const ph = (r.phone_number ?? '').replace(/\D/g, '');
    if (ph.length === 10 && ph !== '0000000000') rec.phones.push(`+61${ph.slice(1)}`);
    if (r.year && r.month && r.day) rec.birthDate = `${r.year}-${r.month.padStart(2, '0')}-${r.day.padStart(2, '0')}`;
    else if (r.year) rec.birthDate = r.year;
    set(rec, 'address', address(r.street_number!, r.address_1!, r.address_2!));
    set(rec, 'city', r.suburb);
    set(rec, 'province', r.state);
    if (r.postcode) rec.externalIds = { postcode: r.postcode };
    records.push(rec);
    truth.set(`epbrn#${r.rec_id}`, r.match_id ? r.match_id : r.rec_id!.split('-')[0]!);
  }
  return { records, truth };
}

/** FEBRL: `rec-N-org` / `rec-N-dup-K` share truth N; soc_sec_id → externalIds.ssn. */
export function loadFebrl(file: string): Labelled {
  const records: CleanRecord[] = [];
  const truth = new Map<string, string>();
  for (const r of rows(file)) {
    const rec: CleanRecord = { source: 'febrl', recordId: r.rec_id!, phones: [], ...westernName(r.given_name!, r.surname!) };
    const d = r.date_of_birth ?? '';
    if (/^\d{8}$/.test(d)) rec.birthDate = `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
    set(rec, 'address', address(r.street_number!, r.address_1!, r.address_2!));
    set(rec, 'city', r.suburb);
    set(rec, 'province', r.state);
    const ext: Record<string, string> = {};
    if (r.soc_sec_id) ext.ssn = r.soc_sec_id;
    if (r.postcode) ext.postcode = r.postcode;
    if (Object.keys(ext).length > 0) rec.externalIds = ext;
    records.push(rec);
    truth.set(`febrl#${r.rec_id}`, r.rec_id!.split('-')[1]!);
  }
  return { records, truth };
}

/** Splink fake_1000: truth = `cluster`. */
export function loadSplink(file = 'splink/fake_1000.csv'): Labelled {
  const records: CleanRecord[] = [];
  const truth = new Map<string, string>();
  for (const r of rows(file)) {
    const rec: CleanRecord = { source: 'splink', recordId: r.unique_id!, phones: [], ...westernName(r.first_name!, r.surname!) };
    if (/^\d{4}-\d{2}-\d{2}$/.test(r.dob ?? '')) rec.birthDate = r.dob;
    set(rec, 'city', r.city?.toLowerCase());
    set(rec, 'email', r.email?.toLowerCase());
    records.push(rec);
    truth.set(`splink#${r.unique_id}`, r.cluster!);
  }
  return { records, truth };
}
