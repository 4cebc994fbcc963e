import { describe, expect, it } from 'vitest';
import { forbiddenAcross, mergeToUndo, pairsForbiddenByUnmerge, profileIdentity } from '../../../functions/core/identity/index.ts';
import { defaultMatchRules } from '../../../functions/core/match/index.ts';
import type { CleanRecord } from '../../../functions/core/model.ts';

describe('forbiddenAcross', () => {
  it('finds a noMerge pair with one member on each side, and nothing for a pair within a side or an approved one', () => {
    const decisions = new Map([
      ['crm#1\u0000crm#2', 'noMerge' as const],
      ['crm#1\u0000pos#9', 'approved' as const],
    ]);
    expect(forbiddenAcross(['crm#1', 'crm#2'], ['pos#9'], decisions)).toBeUndefined();
    expect(forbiddenAcross(['pos#9', 'crm#2'], ['crm#1'], decisions)).toEqual(['crm#1', 'crm#2']);
  });
});

describe('unmerge choices', () => {
  const older = { mergeId: 'm1', a: 'crm#1', b: 'pos#1', moved: { members: ['pos#1'], phones: [] } };
  const newer = { mergeId: 'm2', a: 'crm#1', b: 'web#1', moved: { members: ['web#1', 'web#2'], phones: [] } };

  it('undoes the merge that moved the member in, else the latest one still in force', () => {
    expect(mergeToUndo([newer, older], 'pos#1')?.mergeId).toBe('m1');
    expect(mergeToUndo([newer, older], 'crm#1')?.mergeId).toBe('m2');
    expect(mergeToUndo([{ ...newer, undoneAt: '2026-12-01' }, older], 'crm#1')?.mergeId).toBe('m1');
  });

  it('forbids the linking pair and the named member against the other side of it', () => {
    expect(pairsForbiddenByUnmerge(newer, 'web#2')).toEqual([
      ['crm#1', 'web#1'],
      ['crm#1', 'web#2'],
    ]);
    expect(pairsForbiddenByUnmerge(newer, 'web#1')).toEqual([['crm#1', 'web#1']]);
  });
});

describe('profileIdentity', () => {
  const rec = (id: string, f: Partial<CleanRecord>): CleanRecord => ({ source: id.split('#')[0]!, recordId: id.split('#')[1]!, phones: [], ...f });

  it('puts the golden primary number first and names the record each golden field came from', () => {
    const records = [rec('crm#1', { phones: ['+8613800000001'], name: '张伟', nameKey: '张伟' }), rec('pos#2', { phones: ['+862154370000', '+8613800000001'], name: '張偉', nameKey: '张伟', city: '上海市' })];
    const out = profileIdentity(records, ['+862154370000', '+8613800000001'], defaultMatchRules);
    expect(out.phone).toBe('+8613800000001');
    expect(out.phones).toEqual(['+8613800000001', '+862154370000']);
    expect(out.golden?.fields).toMatchObject({ name: '张伟', city: '上海市' });
    expect(out.golden?.fields).not.toHaveProperty('phones');
    expect(out.golden?.sources).toMatchObject({ name: 'crm#1', city: 'pos#2' });
  });

  it('keeps the primary it had when no record names one, and has no golden record for one record or none', () => {
    expect(profileIdentity([], ['+8613800000002', '+8613800000003'], defaultMatchRules, '+8613800000003')).toEqual({ phone: '+8613800000003', phones: ['+8613800000003', '+8613800000002'] });
    expect(profileIdentity([], [], defaultMatchRules)).toEqual({ phones: [] });
  });
});
