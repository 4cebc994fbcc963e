/**
 * "Remove duplicates" as a spreadsheet user does it: `phonekey dedupe customers.csv`, one command,
 * through the whole product in a throw-away local cloud of its own. The user's data folder is never
 * touched; what comes back is one row per customer and the reports beside it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { runCli } from '../support/local-cloud.ts';

const dir = mkdtempSync(join(tmpdir(), 'phonekey-dedupe-test-'));
const dataDir = join(dir, '.phonekey');
const STORE_BUYERS = ['赵敏', '钱进', '孙磊', '周杰', '吴刚', '郑爽'];
const FILE = join(dir, 'customers.csv');
writeFileSync(
  FILE,
  [
    'id,姓名,手机,邮箱,生日',
    'a1,张伟,138-1234-5678,zhang.wei@example.com,1988-03-05',
    'a2,張偉,+86 138 1234 5678,,1988-03-05',
    'a3,张伟,8613812345678,,',
    'b1,李娜,13912345678,li.na@example.com,1992-07-21',
    'b2,李娜,13700001111,li.na@example.com,1992-07-21',
    'c1,王芳,11111111111,wang.fang@example.com,',
    'c2,王芳,13600136000,wang.fang@example.com,',
    ...STORE_BUYERS.map((name, i) => `s${i},${name},021-54372798,,`),
    'e1,,,,',
  ].join('\n') + '\n',
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('phonekey dedupe <file>', () => {
  it('writes one row per customer: three spellings of a number, a second phone, an invalid number and a store line resolved', { timeout: 240_000 }, async () => {
    const run = await runCli(['dedupe', FILE, '--json'], { dataDir });
    expect(run.code, run.stderr + run.stdout).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ rows: 14, stored: 13, withoutNumber: 1, rejected: 1, customers: 9, out: join(dir, 'customers.dedup.csv') });
    const rows = parseCsv(readFileSync(out.out, 'utf8').replace(/^\uFEFF/, ''), { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(9);
    const by = (name: string) => rows.filter((r) => r.name === name);
    expect(by('张伟')).toEqual([expect.objectContaining({ phone: "'+8613812345678", records: '3', emails: 'zhang.wei@example.com', birth_date: '1988-03-05' })]);
    expect(by('李娜')).toHaveLength(1);
    expect(by('李娜')[0]!.records).toBe('2');
    expect(by('李娜')[0]!.other_phones).toMatch(/^'\+86(13912345678|13700001111) \(mobile, /); // a leading + is neutralized for spreadsheets
    expect(by('王芳')).toEqual([expect.objectContaining({ phone: "'+8613600136000", records: '2' })]);
    // the store's line joined none of its buyers and keys none of them
    for (const name of STORE_BUYERS) expect(by(name)).toHaveLength(1);
    expect(rows.filter((r) => r.phone.includes('862154372798') || r.other_phones.includes('862154372798'))).toEqual([]);
    // the reports beside it; the user's data folder untouched
    expect(readdirSync(out.reports).sort()).toEqual(['imports', 'nightly']);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('writes XLSX on request', { timeout: 240_000 }, async () => {
    const xlsx = join(dir, 'customers.xlsx');
    const run = await runCli(['dedupe', FILE, '--format', 'xlsx', '--out', xlsx], { dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('14 rows → 9 customers');
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsx);
    const sheet = book.getWorksheet('customers')!;
    expect(sheet.rowCount).toBe(10);
    expect((sheet.getRow(1).values as string[]).slice(1, 3)).toEqual(['profile_id', 'name']);
  });
});
