/**
 * Free-form values as a DynamoDB item can keep them. Keys of a row as read, or of an event's extra
 * context, are anyone's: the SDK's marshaller refuses an object whose own `constructor` key is not
 * a function and drops a `__proto__` key (it assigns into a plain object, both ways). As JSON text
 * every key is kept exactly, and such a value never fails the write it is part of.
 */
export const freeFormText = (value: unknown): string => JSON.stringify(value) ?? 'null';

/** An event's attributes: scalars as they are (profiles read them), objects and arrays as JSON text. */
export function storableAttributes(attributes: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, v !== null && typeof v === 'object' ? freeFormText(v) : v]));
}
