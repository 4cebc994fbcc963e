export { maskEmail, maskName, maskOther, maskPhone, piiKindOfKey, redact, redactText, type PiiKind } from './mask.ts';
export { SUPPRESSED_CODE, suppressedProblem, suppressionHash } from './suppression.ts';
