/**
 * The search use case over a store in memory (the DynamoDB side is tested end to end in
 * test/e2e/search.test.ts): index entries carry the record's fields as indexed, so a search reads
 * stored records only for the page's hits, and falls back to reading every match when an entry
 * has gone stale (its record renamed, or moved by a merge).
 */
import { describe, expect, it } from 'vitest';
import { searchProfiles } from '../../functions/app/profiles/search.ts';
import { cleanIdentity } from '../../functions/core/clean/index.ts';
import { defaultMatchRules, lookupKeys } from '../../functions/core/match/index.ts';
import type { CleanRecord } from '../../functions/core/model.ts';
import type { MemberRecord } from '../../functions/ports/identity-store.ts';
import type { LookupEntry, ProfileSearchStore } from '../../functions/ports/profile-search.ts';
import type { ProfileItem } from '../../functions/ports/profile-views.ts';

const rules = defaultMatchRules;
const person = (id: string, name: string) => cleanIdentity({ name, phone: `1380013${id.padStart(4, '0')}` }, { source: 'crm', recordId: id, defaultCountry: 'CN' as never }).record;

/** A table in memory: records with their current profile, index entries as written on arrival, profile items. */
class MemoryStore implements ProfileSearchStore {
  readonly records = new Map<string, { profileId: string; record: CleanRecord }>();
  readonly entries = new Map<string, LookupEntry[]>();
  recordReads = 0;

  arrive(record: CleanRecord, profileId: string): void {
    const member = `${record.source}#${record.recordId}`;
    this.records.set(member, { profileId, record });
    for (const key of lookupKeys(record, rules)) this.entries.set(key, [...(this.entries.get(key) ?? []).filter((e) => e.member !== member), { member, profileId, record }]);
  }
  async profileIdForPhone(): Promise<string | undefined> {
    return undefined;
  }
  async currentProfileId(id: string): Promise<string | undefined> {
    return id;
  }
  async lookupEntries(key: string, limit: number): Promise<LookupEntry[]> {
    return (this.entries.get(key) ?? []).slice(0, limit);
  }
  async memberRecords(keys: string[]): Promise<Map<string, MemberRecord>> {
    this.recordReads += keys.length;
    return new Map(keys.flatMap((key) => (this.records.has(key) ? [[key, { key, kind: 'record' as const, ...this.records.get(key)! }]] : [])));
  }
  async firstRecord(): Promise<CleanRecord | undefined> {
    return undefined;
  }
  async profileItems(ids: string[]): Promise<Map<string, ProfileItem>> {
    return new Map(ids.map((profileId) => [profileId, { profileId, phone: '', phones: [] } as ProfileItem]));
  }
}

const names = async (store: MemoryStore, q: string, limit = 20) => (await searchProfiles(store, q, { rules, limit })).profiles.map((p) => [p.profileId, p.name, p.matched]);

describe('searchProfiles over index entries', () => {
  it('ranks from what the entries carry and reads the stored records of the page’s hits only', async () => {
    const store = new MemoryStore();
    for (let i = 1; i <= 50; i++) store.arrive(person(String(i), i % 10 === 0 ? '章伟' : '张伟'), `p_${String(i).padStart(16, '0')}`);
    // an e-mail added since crm#1 was indexed: the hit shows the record as it is now
    store.records.set('crm#1', { profileId: 'p_0000000000000001', record: { ...person('1', '张伟'), email: 'zhang.wei@example.com' } });
    const page = await searchProfiles(store, '张伟', { rules, limit: 5 });
    expect(page.profiles.map((p) => p.matched)).toEqual(['name', 'name', 'name', 'name', 'name']);
    expect(page.profiles[0]).toMatchObject({ profileId: 'p_0000000000000001', email: 'zhang.wei@example.com' });
    expect(page.next).toBeTruthy();
    expect(store.recordReads).toBe(5);
  });

  it('drops a hit whose record was renamed since it was indexed, and lists a record a merge moved under its profile now, once', async () => {
    const store = new MemoryStore();
    store.arrive(person('1', '张伟'), 'p_0000000000000001');
    store.arrive(person('2', '张伟'), 'p_0000000000000002');
    store.arrive(person('3', '张伟'), 'p_0000000000000003');
    // crm#1 renamed (its new name indexed, the old entry left behind), crm#3 moved into p_…2 by a merge
    store.records.set('crm#1', { profileId: 'p_0000000000000001', record: person('1', '李雷') });
    store.records.set('crm#3', { profileId: 'p_0000000000000002', record: person('3', '张伟') });
    expect(await names(store, '张伟')).toEqual([['p_0000000000000002', '张伟', 'name']]);
    expect(store.recordReads).toBe(3 + 3); // the page's three, then every match
  });
});
