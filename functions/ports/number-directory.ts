/** The numbers that are not one person's own, as stewards list them (the DynamoDB side is functions/adapters/dynamo-numbers.ts). */
import type { NumberEvidence } from '../core/identity/index.ts';

export type ListedStanding = 'shared' | 'generic';

export interface ListedNumber {
  phone: string;
  /** The profile that claimed the number (a generic number keys it no longer). */
  profileId: string;
  evidence: NumberEvidence;
}

export interface NumberDirectory {
  /** Up to `limit` numbers listed under a standing, in E.164 order after `after`; `more` when others follow. */
  listed(standing: ListedStanding, limit: number, after?: string): Promise<{ numbers: ListedNumber[]; more: boolean }>;
}
