/**
 * Erasure (issue 8): `phonekey erase <phone>` and `DELETE /v1/profiles/{phone}`.
 *
 * Order, so that a crash at any point can be retried and nothing comes back meanwhile:
 *   1. find everything stored about the person (their profile through any of their numbers);
 *   2. suppress every number of theirs (`SUPPRESS#<hmac>`), so imports and webhooks that arrive
 *      from now on are refused with `phone.suppressed`;
 *   3. delete members, review items, blocking-key entries and merges, then aliases, and the
 *      profile last (a retry still finds the person through it);
 *   4. append an audit entry: profile id, counts and suppression hashes; never the number.
 * Raw files in the raw bucket are not rewritten: see docs/security.md.
 */
import { parsePhone } from '../core/clean/index.ts';
import type { CountryCode } from '../core/clean/phone.ts';
import type { Problem } from '../core/model.ts';
import type { FootprintKind, PrivacyStore } from '../ports/privacy-store.ts';

export interface EraseDeps {
  privacy: PrivacyStore;
  /** Who asked: `cli`, `api`, or a user id (written to the audit log). */
  actor: string;
  defaultCountry?: CountryCode;
  now?: () => Date;
}

export interface ErasureResult {
  /** True when a profile was found and erased; false when nothing was stored (the number is suppressed anyway). */
  erased: boolean;
  profileId?: string;
  /** Numbers suppressed (count; the numbers themselves are not returned). */
  suppressed: number;
  deleted: Record<FootprintKind, number>;
  at: string;
}

export class EraseInputError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

/** Phase order of deletion: the profile and its aliases last, so a retry finds the person again. */
const PHASES: FootprintKind[][] = [['record', 'event', 'review', 'blocking', 'other'], ['alias'], ['profile']];

export async function erasePerson(phone: string, deps: EraseDeps): Promise<ErasureResult> {
  const parsed = parsePhone(phone, deps.defaultCountry ? { defaultCountry: deps.defaultCountry } : {});
  if (!parsed.e164 || !parsed.valid) {
    throw new EraseInputError({ code: parsed.problem?.code ?? 'phone.invalid', message: parsed.problem?.message ?? 'not a valid phone number' });
  }
  const at = (deps.now?.() ?? new Date()).toISOString();
  const footprint = await deps.privacy.footprint(parsed.e164);
  const hashes = await deps.privacy.suppress(footprint.phones, { at, actor: deps.actor });

  const deleted = { profile: 0, alias: 0, record: 0, event: 0, review: 0, blocking: 0, other: 0 } satisfies Record<FootprintKind, number>;
  for (const phase of PHASES) {
    const items = footprint.items.filter((i) => phase.includes(i.kind));
    await deps.privacy.deleteItems(items);
    for (const i of items) deleted[i.kind]++;
  }
  const erased = Boolean(footprint.profileId);
  await deps.privacy.audit({
    action: 'erase',
    actor: deps.actor,
    subjects: footprint.profileId ? [footprint.profileId] : [],
    detail: { erased, deleted, suppressions: hashes },
  });
  return { erased, ...(footprint.profileId ? { profileId: footprint.profileId } : {}), suppressed: hashes.length, deleted, at };
}
