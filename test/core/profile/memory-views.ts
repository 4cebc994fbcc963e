/** A ProfileViewStore in memory: profile items, their members, quantiles and rule documents. */
import type { ProfileItem, ProfileMembers, ProfileViewStore } from '../../../functions/app/profiles/index.ts';
import type { BaseQuantiles, BuiltProfile } from '../../../functions/core/profile/index.ts';

export class MemoryViews implements ProfileViewStore {
  items = new Map<string, ProfileItem>();
  members = new Map<string, ProfileMembers>();
  quantiles?: BaseQuantiles;
  rules = new Map<string, unknown>();
  memberLoads = 0;
  add(profileId: string, phone: string, members: ProfileMembers, extra: Partial<ProfileItem> = {}) {
    this.items.set(profileId, { profileId, phone, phones: [phone], counters: { purchase: 1 }, ...extra });
    this.members.set(profileId, members);
  }
  async profileIdForPhone(e164: string) {
    return [...this.items.values()].find((i) => i.phones.includes(e164))?.profileId;
  }
  /** Numbers' evidence is not kept here: a number keys the profile that lists it. */
  async number() {
    return undefined;
  }
  async getProfileItem(id: string) {
    const item = this.items.get(id);
    return item && structuredClone(item);
  }
  async loadMembers(id: string) {
    this.memberLoads++;
    return structuredClone(this.members.get(id) ?? { records: [], events: [], members: [] });
  }
  async saveView(id: string, b: BuiltProfile) {
    const item = this.items.get(id);
    if (!item) return false;
    Object.assign(item, structuredClone({ view: b.view, metrics: b.metrics, tags: b.tags, summary: b.summary, computedAt: b.computedAt }));
    return true;
  }
  async *listProfileItems() {
    for (const i of this.items.values()) yield structuredClone(i);
  }
  async *listMetrics() {
    for (const i of this.items.values()) yield { profileId: i.profileId, metrics: i.metrics, mergedInto: i.mergedInto };
  }
  async getQuantiles() {
    return this.quantiles;
  }
  async putQuantiles(q: BaseQuantiles) {
    this.quantiles = q;
  }
  async getRulesDoc(kind: string) {
    return this.rules.get(kind);
  }
}
