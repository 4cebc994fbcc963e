import { describe, expect, it } from 'vitest';
import { pinsFromChoices } from '../../../functions/core/identity/index.ts';
import { defaultMatchRules, goldenRecord } from '../../../functions/core/match/index.ts';
import { buildProfile } from '../../../functions/core/profile/index.ts';
import type { CleanRecord } from '../../../functions/core/model.ts';

const AT = '2026-12-05T06:00:00.000Z';
const rec = (r: Partial<CleanRecord>): CleanRecord => ({ source: 'crm', recordId: 'c1', phones: ['+8613911112222'], ...r }) as CleanRecord;
const crm = rec({ name: '李娜', nameKey: '李娜', address: '北京市朝阳区建国路88号', birthDate: '1990-01-01', observedAt: '2026-06-01T00:00:00.000Z' });
const pos = rec({ source: 'pos', recordId: 'p2', name: '李娜', nameKey: '李娜', address: '北京朝阳区建国路88号', observedAt: '2026-01-01T00:00:00.000Z' });
const sides = { a: { key: 'crm#c1', record: crm }, b: { key: 'pos#p2', record: pos } };

describe('a steward’s choice of value', () => {
  it('pins each chosen field to the record of the side chosen', () => {
    expect(pinsFromChoices({ address: 'b', birthDate: 'a' }, sides, 'ana', AT)).toEqual({
      address: { member: 'pos#p2', by: 'ana', at: AT },
      birthDate: { member: 'crm#c1', by: 'ana', at: AT },
    });
    expect(pinsFromChoices(undefined, sides, 'ana', AT)).toEqual({});
  });

  it('refuses, by name, a field no steward chooses, a side other than a or b, and a side without the field', () => {
    expect(() => pinsFromChoices({ phones: 'a' }, sides, 'ana', AT)).toThrow(/^fields\.phones: not a field a steward chooses \(name, gender/);
    expect(() => pinsFromChoices({ address: 'c' }, sides, 'ana', AT)).toThrow('fields.address: expected "a" or "b", not "c"');
    expect(() => pinsFromChoices({ birthDate: 'b' }, sides, 'ana', AT)).toThrow('fields.birthDate: side b (pos#p2) has no birthDate');
    expect(() => pinsFromChoices(['address'], sides, 'ana', AT)).toThrow(/^fields: expected an object/);
  });

  it('wins over survivorship while its record is a member, and the lineage says who chose it', () => {
    // the longer address survives by default; the steward's pin takes the POS one
    expect(goldenRecord([crm, pos], defaultMatchRules, new Set()).golden.address).toBe('北京市朝阳区建国路88号');
    expect(goldenRecord([crm, pos], defaultMatchRules, new Set(), { address: 'pos#p2' }).golden.address).toBe('北京朝阳区建国路88号');
    const pins = pinsFromChoices({ address: 'b' }, sides, 'ana', AT);
    const built = buildProfile([{ record: crm }, { record: pos }], [], { now: AT, pins });
    expect(built.view.basic.location.address).toBe('北京朝阳区建国路88号');
    expect(built.view.basic.lineage?.address).toMatchObject({ source: 'pos', recordId: 'p2', pinnedBy: 'ana', pinnedAt: AT });
    // the pinned record gone (unmerged), survivorship decides again
    expect(buildProfile([{ record: crm }], [], { now: AT, pins }).view.basic.location.address).toBe('北京市朝阳区建国路88号');
  });
});
