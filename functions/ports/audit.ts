/**
 * An entry of the audit log: one per merge, unmerge, split, review decision, field a steward
 * pinned, rules change and erasure. Entries name profiles and members by id, never by phone,
 * e-mail or name: the log outlives an erasure.
 */
export type AuditAction = 'merge' | 'unmerge' | 'split' | 'split.undo' | 'review.approve' | 'review.reject' | 'profile.pin' | 'erase' | 'rules.put';

export interface AuditEntry {
  action: AuditAction;
  /** Who did it: `nightly`, `import`, `cli`, `api`, or a user id. */
  actor: string;
  /** Profile ids, member keys (`source#recordId`), review or merge ids: ids only, no PII. */
  subjects: string[];
  detail?: Record<string, unknown>;
}
