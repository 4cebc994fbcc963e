/**
 * A steward's choice of value, kept on the profile: approving a pair with "take the name from this
 * side" pins the field to that record. Survivorship follows a pin while its record is a member of
 * the profile (an unmerge that takes the record away lifts it); every other field survives by the
 * rules as before.
 */
import type { CleanRecord } from '../model.ts';

export interface Pin {
  /** The member record (`source#recordId`) the field's value comes from. */
  member: string;
  by: string;
  at: string;
}

/** The golden fields a steward can choose, one value each. */
export const PINNABLE_FIELDS = ['name', 'gender', 'birthDate', 'email', 'address', 'province', 'city', 'memberId'] as const;
export type PinnableField = (typeof PINNABLE_FIELDS)[number];

export class PinError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PinError';
  }
}

type Side = { key: string; record?: Partial<CleanRecord> };

/**
 * Pins from a steward's choice of side per field (`{"name": "b"}`), checked against the two
 * records: an unknown field, a side other than a/b, or a side without a value is refused, named.
 */
export function pinsFromChoices(choices: unknown, sides: { a: Side; b: Side }, by: string, at: string): Record<string, Pin> {
  if (choices === undefined) return {};
  if (!choices || typeof choices !== 'object' || Array.isArray(choices)) throw new PinError('fields: expected an object such as {"name": "b"}');
  const pins: Record<string, Pin> = {};
  for (const [field, side] of Object.entries(choices as Record<string, unknown>)) {
    if (!(PINNABLE_FIELDS as readonly string[]).includes(field)) throw new PinError(`fields.${field}: not a field a steward chooses (${PINNABLE_FIELDS.join(', ')})`);
    if (side !== 'a' && side !== 'b') throw new PinError(`fields.${field}: expected "a" or "b", not ${JSON.stringify(side)}`);
    const chosen = sides[side];
    if (!chosen.record?.[field as PinnableField]) throw new PinError(`fields.${field}: side ${side} (${chosen.key}) has no ${field}`);
    pins[field] = { member: chosen.key, by, at };
  }
  return pins;
}

/** Field → member key of the pins, for survivorship. */
export function pinnedMembers(pins: Readonly<Record<string, Pin>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(pins ?? {}).map(([field, pin]) => [field, pin.member]));
}
