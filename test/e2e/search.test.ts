/**
 * Search end to end on one local cloud: customers imported through the CLI are found through
 * GET /v1/profiles?q= (behind the API token) and `phonekey search` by a number in any written form,
 * a name in traditional or simplified characters or pinyin, an e-mail, a member id and a profile id;
 * namesakes come a page at a time, each once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, runCli, startTestCloud } from '../support/local-cloud.ts';

let cloud: LocalCloud;
let dataDir: string;
let cleanup: () => Promise<void>;
let token: string;

const CSV = [
  '编号,手机,姓名,邮箱,会员号,生日',
  'c1,13800138001,张伟,zhang.wei@example.com,VIP-001,1990-03-04',
  'c2,13900139001,章伟,,,1985-01-02',
  'c3,13700137001,李雷,li.lei@example.com,,1980-01-01',
  // five namesakes: different people (different numbers and birth dates)
  ...[1, 2, 3, 4, 5].map((i) => `w${i},1360013600${i},王芳,,,199${i}-05-10`),
];

async function search(q: string, extra = '') {
  const response = await fetch(`${cloud.info.endpoints.api}/v1/profiles?q=${encodeURIComponent(q)}${extra}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  ({ cloud, dataDir, cleanup } = await startTestCloud());
  token = currentSecret(cloud, 'apitoken');
  const file = join(dataDir, 'crm.csv');
  writeFileSync(file, CSV.join('\n') + '\n');
  const run = await runCli(['import', file, '--source', 'crm', '--json'], { dataDir });
  expect(run.code, run.stderr + run.stdout).toBe(0);
  expect(JSON.parse(run.stdout)[0].counts.stored).toBe(8);
});

afterAll(async () => {
  await cleanup?.();
});

describe('GET /v1/profiles?q=', () => {
  it('finds a customer by a name in traditional characters, and a same-sounding name after it', async () => {
    const { status, body } = await search('張偉');
    expect(status).toBe(200);
    expect(body.by).toBe('namePinyin');
    expect(body.profiles.map((p: any) => [p.name, p.phone, p.matched])).toEqual([
      ['张伟', '+8613800138001', 'name'],
      ['章伟', '+8613900139001', 'pinyin'],
    ]);
    expect(body.profiles[0].email).toBe('zhang.wei@example.com');
    expect(body.truncated).toBe(false);
  });

  it('finds both by pinyin, by a number in any written form, by e-mail, member id and profile id', async () => {
    expect((await search('zhang wei')).body.profiles.map((p: any) => p.name).sort()).toEqual(['张伟', '章伟']);
    const byPhone = (await search('+86 138-0013-8001')).body;
    expect(byPhone.by).toBe('phone');
    expect(byPhone.profiles.map((p: any) => p.name)).toEqual(['张伟']);
    const id = byPhone.profiles[0].profileId;
    expect((await search('Li.Lei@Example.com')).body.profiles.map((p: any) => p.name)).toEqual(['李雷']);
    expect((await search('VIP-001')).body.profiles.map((p: any) => p.profileId)).toEqual([id]);
    expect((await search(id)).body.profiles.map((p: any) => [p.profileId, p.matched])).toEqual([[id, 'profileId']]);
    expect((await search('13800000009')).body.profiles).toEqual([]);
  });

  it('pages through namesakes with a cursor, each profile once', async () => {
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 5; pages++) {
      const { status, body } = await search('王芳', `&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(status).toBe(200);
      expect(body.profiles.length).toBeLessThanOrEqual(2);
      seen.push(...body.profiles.map((p: any) => p.phone));
      if (!body.next) break;
      cursor = body.next;
    }
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5].map((i) => `+861360013600${i}`));
  });

  it('refuses an empty query, a bad cursor or limit with 400, and a caller without the token with 401', async () => {
    expect((await search('')).status).toBe(400);
    expect((await search('王芳', '&cursor=nonsense')).body.error).toBe('search.bad_query');
    expect((await search('王芳', '&limit=0')).body.error).toBe('search.bad_limit');
    const anonymous = await fetch(`${cloud.info.endpoints.api}/v1/profiles?q=wang`);
    expect(anonymous.status).toBe(401);
  });
});

describe('phonekey search', () => {
  it('prints the same profiles as the API, as text and as JSON', async () => {
    const text = await runCli(['search', '張偉'], { dataDir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\+8613800138001 {2}张伟/);
    expect(text.stdout).toContain('(sounds alike)');
    const json = await runCli(['search', 'wang fang', '--limit', '3', '--json'], { dataDir });
    expect(json.code, json.stderr).toBe(0);
    const page = JSON.parse(json.stdout);
    expect(page.profiles).toHaveLength(3);
    expect(page.next).toBeTruthy();
    const bad = await runCli(['search', ' '], { dataDir });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('q is empty');
  });
});
