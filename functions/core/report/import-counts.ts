/** An import's counts: the zero a new import starts from, and the sum of a fanned-out file's chunks. */
import type { ImportCounts } from '../../ports/profile-store.ts';

export const emptyCounts = (): ImportCounts => ({ read: 0, stored: 0, withoutNumber: 0, rejected: 0, redelivered: 0, byReason: {}, numberProblems: {}, warnings: {}, newProfiles: 0, updatedProfiles: 0 });

/** Adds `c` into `into`; counts an older import stored without a field add as zero. */
export function addCounts(into: ImportCounts, c: Partial<ImportCounts>): ImportCounts {
  for (const k of ['read', 'stored', 'withoutNumber', 'rejected', 'redelivered', 'newProfiles', 'updatedProfiles'] as const) into[k] += c[k] ?? 0;
  for (const key of ['byReason', 'numberProblems', 'warnings'] as const) for (const [code, n] of Object.entries(c[key] ?? {})) into[key][code] = (into[key][code] ?? 0) + n;
  return into;
}
