/**
 * Item keys of the one table (layout: docs/architecture.md). Every adapter builds keys here, so
 * two adapters never disagree on where an item lives.
 */
export const recordPk = (source: string, recordId: string) => `REC#${source}#${recordId}`;
export const phonePk = (e164: string) => `PHONE#${e164}`;
export const profilePk = (profileId: string) => `PROF#${profileId}`;
export const importPk = (importId: string) => `IMPORT#${importId}`;
export const eventPk = (channel: string, eventId: string) => `EVT#${channel}#${eventId}`;
export const sourcePk = (name: string) => `SOURCE#${name}`;

export const isConditionFailure = (error: unknown) => (error as Error)?.name === 'ConditionalCheckFailedException';
