/**
 * The erasure use case (functions/app/erase.ts) over an in-memory PrivacyStore: the order that
 * makes a crashed erasure safe to retry, what the audit entry holds, and bad input.
 */
import { describe, expect, it } from 'vitest';
import { erasePerson, EraseInputError } from '../../../functions/app/erase.ts';
import { suppressionHash } from '../../../functions/core/privacy/index.ts';
import type { AuditRecord, Footprint, PrivacyStore, StoredKey } from '../../../functions/ports/privacy-store.ts';

function memoryStore(footprint: Footprint) {
  const calls: string[] = [];
  const audits: Array<Omit<AuditRecord, 'at'>> = [];
  const suppressed = new Set<string>();
  const store: PrivacyStore = {
    isSuppressed: async (phones) => new Set(phones.filter((p) => suppressed.has(p))),
    suppress: async (phones) => {
      calls.push(`suppress ${phones.length}`);
      phones.forEach((p) => suppressed.add(p));
      return phones.map((p) => suppressionHash('salt', p));
    },
    footprint: async (e164) => {
      calls.push('footprint');
      return e164 === footprint.phones[0] || footprint.phones.includes(e164) ? footprint : { phones: [e164], items: [] };
    },
    deleteItems: async (keys: StoredKey[]) => {
      calls.push(`delete ${keys.map((k) => k.pk.split('#')[0]).join(',')}`);
    },
    audit: async (entry) => {
      calls.push('audit');
      audits.push(entry);
    },
    auditDay: async () => [],
  };
  return { store, calls, audits, suppressed };
}

const FOOTPRINT: Footprint = {
  profileId: 'p_1',
  phones: ['+8613812345678', '+8613912345678'],
  items: [
    { pk: 'PROF#p_1', sk: 'PROFILE', kind: 'profile' },
    { pk: 'PHONE#+8613812345678', sk: 'ALIAS', kind: 'alias' },
    { pk: 'PHONE#+8613912345678', sk: 'ALIAS', kind: 'alias' },
    { pk: 'REC#crm#c-1', sk: 'REC', kind: 'record' },
    { pk: 'EVT#app#e-1', sk: 'EVT', kind: 'event' },
    { pk: 'REVIEW#r-1', sk: 'REVIEW', kind: 'review' },
    { pk: 'BKEY#abc', sk: 'crm#c-1', kind: 'blocking' },
  ],
};

describe('erasePerson', () => {
  it('suppresses first, deletes members before aliases and the profile last, then audits', async () => {
    const { store, calls, suppressed } = memoryStore(FOOTPRINT);
    const result = await erasePerson('138 1234 5678', { privacy: store, actor: 'cli', defaultCountry: 'CN' });
    expect(calls).toEqual(['footprint', 'suppress 2', 'delete REC,EVT,REVIEW,BKEY', 'delete PHONE,PHONE', 'delete PROF', 'audit']);
    expect([...suppressed]).toEqual(FOOTPRINT.phones);
    expect(result).toMatchObject({ erased: true, profileId: 'p_1', suppressed: 2, deleted: { profile: 1, alias: 2, record: 1, event: 1, review: 1, blocking: 1, other: 0 } });
  });

  it('audits ids, counts and hashes only: no number in any form', async () => {
    const { store, audits } = memoryStore(FOOTPRINT);
    await erasePerson('+86 139 1234 5678', { privacy: store, actor: 'api' });
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ action: 'erase', actor: 'api', subjects: ['p_1'] });
    const text = JSON.stringify(audits);
    for (const clear of ['13812345678', '13912345678', '+86']) expect(text).not.toContain(clear);
  });

  it('suppresses a number with no profile too, and reports erased: false', async () => {
    const { store, suppressed, audits } = memoryStore(FOOTPRINT);
    const result = await erasePerson('13700001111', { privacy: store, actor: 'cli', defaultCountry: 'CN' });
    expect(result).toMatchObject({ erased: false, suppressed: 1 });
    expect(result.profileId).toBeUndefined();
    expect([...suppressed]).toEqual(['+8613700001111']);
    expect(audits[0]).toMatchObject({ subjects: [], detail: { erased: false } });
  });

  it('refuses an invalid number before touching storage', async () => {
    const { store, calls } = memoryStore(FOOTPRINT);
    await expect(erasePerson('11111111111', { privacy: store, actor: 'cli', defaultCountry: 'CN' })).rejects.toBeInstanceOf(EraseInputError);
    await expect(erasePerson('138****5678', { privacy: store, actor: 'cli', defaultCountry: 'CN' })).rejects.toBeInstanceOf(EraseInputError);
    expect(calls).toEqual([]);
  });
});
