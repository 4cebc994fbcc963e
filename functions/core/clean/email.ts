/** Emails: trimmed, lower-cased and validated, with the original kept alongside. */
import type { Problem } from '../model.ts';
import { isPlaceholder, toHalfWidth } from './text.ts';

export const EMAIL_PROBLEMS = {
  'email.empty': 'No email address was given.',
  'email.placeholder': 'The email field holds a placeholder, not an address.',
  'email.invalid': 'The text is not a valid email address.',
} as const;
export type EmailProblemCode = keyof typeof EMAIL_PROBLEMS;

const p = (code: EmailProblemCode): { problem: Problem } => ({ problem: { code, message: EMAIL_PROBLEMS[code] } });

// Pragmatic RFC 5322 subset: dot-atom local part, domain of LDH labels with an alphabetic TLD.
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export function cleanEmail(raw: string): { value: string; original: string } | { problem: Problem } {
  const original = raw == null ? '' : String(raw);
  let s = toHalfWidth(original).trim();
  if (!s) return p('email.empty');
  if (isPlaceholder(s)) return p('email.placeholder');
  s = s.replace(/^mailto:/i, '').replace(/^<(.*)>$/, '$1').trim();
  // "Name <addr@x.com>"
  const angle = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(s);
  if (angle) s = angle[1]!;
  s = s.replace(/[。]/g, '.').replace(/[＠]/g, '@').toLowerCase();
  if (s.length > 254 || /\s/.test(s)) return p('email.invalid');
  const at = s.lastIndexOf('@');
  if (at <= 0 || at !== s.indexOf('@')) return p('email.invalid');
  const local = s.slice(0, at);
  const domain = s.slice(at + 1).replace(/\.$/, '');
  if (local.length > 64 || !LOCAL.test(local)) return p('email.invalid');
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l)) || !TLD.test(labels[labels.length - 1]!)) return p('email.invalid');
  return { value: `${local}@${domain}`, original };
}
