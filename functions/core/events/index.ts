/** Events: the standard tag taxonomy, event validation, webhook signatures and body parsing. */
export * from './taxonomy.ts';
export * from './validate.ts';
export * from './signature.ts';
export * from './body.ts';
export { parseMoney, formatCents, centsKey, type Money, type MoneyResult } from './money.ts';
export { parseDateTime, parseUtcOffset, localTime, offsetText, type DateTimeResult, type TimeZone } from './datetime.ts';
export { parseJson, type JsonPosition, type JsonParseResult } from './json.ts';
export { ATTRIBUTE_TYPES, type AttributeRule, type AttributeType } from './attribute.ts';
