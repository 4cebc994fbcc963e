/**
 * The numbers that are not one person's own (GET /v1/numbers, `phonekey numbers`, the console's
 * Numbers page): shared numbers that link nobody by themselves and generic ones that key nobody,
 * each with the evidence that made it so and what the number says of itself.
 */
import { numberFacts, type NumberFacts } from '../core/clean/index.ts';
import { explainStanding, standing, type Standing, type StandingPolicy } from '../core/identity/index.ts';
import type { Gender } from '../core/model.ts';
import type { ListedStanding, NumberDirectory } from '../ports/number-directory.ts';

export const LISTED_STANDINGS: readonly ListedStanding[] = ['generic', 'shared'];
export const MAX_NUMBERS_PAGE = 100;

export interface NumberEntry extends NumberFacts {
  standing: Standing;
  /** One line: why the number stands as it does. */
  explanation: string;
  /** The distinct names seen with it (as compared: traditional folded to simplified), the holder's first. */
  names: string[];
  genders: Gender[];
  /** How many distinct birth dates were seen with it (the dates themselves stay on the records). */
  birthDates: number;
  since: string;
  genericSince?: string;
  /** The profile that claimed it first (a generic number keys it no longer). */
  claimedBy: string;
}

export interface NumberPage {
  standing: ListedStanding;
  numbers: NumberEntry[];
  /** Pass as `cursor` for the next page; absent on the last. */
  next?: string;
}

export class NumberRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NumberRequestError';
  }
}

/** Every number listed under a standing with the profile that claimed it, read page by page (the nightly run's candidates for a split). */
export async function everyListed(directory: NumberDirectory, listed: ListedStanding): Promise<Array<{ phone: string; profileId: string }>> {
  const out: Array<{ phone: string; profileId: string }> = [];
  for (let after: string | undefined, more = true; more; ) {
    const page = await directory.listed(listed, 1000, after);
    out.push(...page.numbers.map((n) => ({ phone: n.phone, profileId: n.profileId })));
    after = page.numbers.at(-1)?.phone;
    more = page.more && after !== undefined;
  }
  return out;
}

export async function listNumbers(directory: NumberDirectory, opts: { standing?: string; limit?: number; cursor?: string; policy: StandingPolicy }): Promise<NumberPage> {
  const listed = (opts.standing ?? 'generic') as ListedStanding;
  if (!LISTED_STANDINGS.includes(listed)) throw new NumberRequestError(`standing must be one of ${LISTED_STANDINGS.join(', ')}, not "${opts.standing}"`);
  const limit = opts.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_NUMBERS_PAGE) throw new NumberRequestError(`limit must be a whole number from 1 to ${MAX_NUMBERS_PAGE}, not "${opts.limit}"`);
  if (opts.cursor !== undefined && !/^\+[1-9]\d{3,14}$/.test(opts.cursor)) throw new NumberRequestError(`cursor must be the E.164 number a page ended with, not "${opts.cursor}"`);
  const page = await directory.listed(listed, limit, opts.cursor);
  const numbers = page.numbers.map(({ phone, profileId, evidence }): NumberEntry => ({
    ...numberFacts(phone),
    standing: standing(evidence, opts.policy),
    explanation: explainStanding(evidence, opts.policy, phone),
    names: evidence.names.map((n) => n.key ?? n.pinyin ?? '').filter(Boolean),
    genders: evidence.genders,
    birthDates: evidence.birthDates.length,
    since: evidence.since,
    ...(evidence.genericSince ? { genericSince: evidence.genericSince } : {}),
    claimedBy: profileId,
  }));
  const last = page.numbers.at(-1);
  return { standing: listed, numbers, ...(page.more && last ? { next: last.phone } : {}) };
}
