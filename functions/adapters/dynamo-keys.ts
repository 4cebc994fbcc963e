/**
 * Item keys of the one table (layout: docs/architecture.md). Every adapter builds keys here, so
 * two adapters never disagree on where an item lives.
 */
export const recordPk = (source: string, recordId: string) => `REC#${source}#${recordId}`;
export const phonePk = (e164: string) => `PHONE#${e164}`;
export const phoneOfPk = (pk: string) => pk.slice('PHONE#'.length);
export const profilePk = (profileId: string) => `PROF#${profileId}`;
export const importPk = (importId: string) => `IMPORT#${importId}`;
/** `byProfile` partition of the imports that have begun and not finished. */
export const RUNNING_IMPORTS = 'IMPORTS#running';
export const eventPk = (channel: string, eventId: string) => `EVT#${channel}#${eventId}`;
export const sourcePk = (name: string) => `SOURCE#${name}`;
/** `byProfile` partition listing the numbers of one standing that is not a person's own (`shared`, `generic`). */
export const numbersOfPk = (standing: string) => `NUMBERS#${standing}`;

export const isConditionFailure = (error: unknown) => (error as Error)?.name === 'ConditionalCheckFailedException';
/** A transaction cancelled (nothing of it written): an item's condition failed, or it met another writer. */
export const isCancellation = (error: unknown) => (error as Error)?.name === 'TransactionCanceledException';

// ---- identity resolution (docs/identity.md) ----
export const mergePk = (mergeId: string) => `MERGE#${mergeId}`;
export const mergesOfPk = (profileId: string) => `MERGES#${profileId}`;
export const splitPk = (splitId: string) => `SPLIT#${splitId}`;
export const splitsOfPk = (profileId: string) => `SPLITS#${profileId}`;
export const reviewPk = (reviewId: string) => `REVIEW#${reviewId}`;
export const REVIEWS_PENDING = 'REVIEWS#pending';
/** One item per decided pair of member keys, in canonical order (`a` ≤ `b`). */
export const pairPk = (a: string) => `PAIR#${a}`;
export const PAIRS_INDEX = 'PAIRS';
/** Blocking-key index: the key is hashed, so no phone, e-mail or name is written into an item key. */
export const blockKeyPk = (hashedKey: string) => `BKEY#${hashedKey}`;
/** Sort key of a blocking key's marker item (the key has members); entries sort after it. */
export const BLOCK_MARKER = '#';
export const rulesPk = (kind: string) => `RULES#${kind}`;

/** An erased number, as HMAC-SHA256(install salt, E.164) (privacy adapter; sk `SUPPRESS`). */
export const suppressPk = (hash: string) => `SUPPRESS#${hash}`;
/** The installation's random salt of the suppression hashes (sk `SALT`). */
export const PRIVACY_SALT_PK = 'PRIVACY#SALT';
