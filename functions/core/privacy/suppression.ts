/**
 * The suppression list of erased people (issue 8): an erased number is remembered only as
 * HMAC-SHA256(install salt, E.164), so a re-import or a webhook can be refused without the
 * number itself being kept. The salt is random per installation (see the privacy adapter).
 */
import { createHmac } from 'node:crypto';

/** The suppression key of a number (E.164) under an installation's salt: 64 hex characters. */
export function suppressionHash(salt: string, e164: string): string {
  if (!salt) throw new Error('suppressionHash needs the installation salt');
  return createHmac('sha256', salt).update(e164).digest('hex');
}

/** The reason code of a row or event refused because its person was erased. */
export const SUPPRESSED_CODE = 'phone.suppressed';

export const suppressedProblem = () => ({
  code: SUPPRESSED_CODE,
  message: 'this number belongs to a person who was erased: their data is not stored again (the original row is withheld)',
});
