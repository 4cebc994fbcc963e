/// <reference lib="dom" />
/**
 * The steward's console in a real browser (headless Chromium from Debian, driven by
 * puppeteer-core) against the local cloud: sign in with the API token, approve a review and see
 * the profile change, reject the other, find a customer by a traditional-character name,
 * unmerge and undo a split from the profile page, list shared numbers and download the customer list — each
 * checked through the API as well.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import ExcelJS from 'exceljs';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { LocalCloud } from '../../lib/local/cloud.ts';
import { currentSecret, localS3, startTestCloud } from '../support/local-cloud.ts';
import { splitOffSecondNumber } from '../support/split-fixture.ts';
import { CHROMIUM } from '../report/chromium.ts';

let cloud: LocalCloud;
let cleanup: () => Promise<void>;
let token: string;
let s3: S3Client;
let browser: Browser;
let page: Page;

const CRM = ['id,姓名,手机号码,邮箱,生日,城市,地址', 'c1,张伟,138-1234-5678,zhangwei@example.com,1985-03-02,上海,', 'c2,李娜,139 1111 2222,,,北京,北京市朝阳区建国路88号', 'c3,王芳,13722223333,,,广州,广州市天河区体育西路1号'].join('\n');
const POS = ['id,姓名,手机,邮箱,生日,城市,地址', 'p1,张伟,13698765432,zhangwei@example.com,1985-03-02,上海,', 'p2,李娜,15811113333,,,北京,北京朝阳区建国路88号', 'p3,王芳,13566667777,,,广州,广州市天河区体育西路1号'].join('\n');

async function api(method: string, path: string): Promise<any> {
  const response = await fetch(`${cloud.info.endpoints.api}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
  return response.json();
}

/** The visible text of the first element matching `selector`, once there is one. */
async function textOf(selector: string): Promise<string> {
  const element = await page.waitForSelector(selector);
  return element!.evaluate((e) => (e as HTMLElement).innerText);
}

/** Waits until the element's text contains `expected` (the page updates after the API answers), checked on every change of the page, as a quick user would. */
async function waitForText(selector: string, expected: string): Promise<void> {
  await page.waitForFunction((s, x) => document.querySelector(s)?.textContent?.includes(x), { polling: 'mutation' }, selector, expected);
}

/** A folder the page's next download lands in, and its completion. */
async function nextDownload(): Promise<{ folder: string; done: Promise<void> }> {
  const folder = mkdtempSync(join(tmpdir(), 'phonekey-downloads-'));
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: folder, eventsEnabled: true });
  const done = new Promise<void>((resolve) => cdp.on('Browser.downloadProgress', (e) => e.state === 'completed' && resolve()));
  return { folder, done };
}

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('headless Chromium is not installed: apt-get install -y chromium (bash .ci/run does it)');
  ({ cloud, cleanup } = await startTestCloud());
  token = currentSecret(cloud, 'apitoken');
  s3 = localS3(cloud);
  for (const [source, csv] of [['crm', CRM], ['pos', POS]] as const) {
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: `incoming/${source}/${source}.csv`, Body: csv }));
    await cloud.idle();
  }
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // no network beyond localhost on this machine: Chromium's own background connections are refused
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--lang=en-US'],
  });
  page = await browser.newPage();
  page.on('dialog', (dialog) => void dialog.accept());
  // frames come late, as on a loaded machine: what the page does after paint (effects) then lags
  // what it shows, and a test that acts as soon as the text appears finds the console acting on stale state
  await page.evaluateOnNewDocument(() => {
    const frame = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (callback) => setTimeout(() => frame(callback), 250) as unknown as number;
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  s3?.destroy();
  await cleanup?.();
});

describe('the console', { timeout: 120_000 }, () => {
  it('is served by the stack with a strict content security policy, and asks for the token', async () => {
    const response = await fetch(`${cloud.info.endpoints.api}/console`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await response.text()).toContain('/console/app.js');
    expect((await fetch(`${cloud.info.endpoints.api}/console/nope.js`)).status).toBe(404);

    await page.goto(`${cloud.info.endpoints.api}/console`);
    await page.locator('#token').fill('not-the-token');
    await page.locator('#sign-in').click();
    expect(await textOf('#login-error')).toMatch(/refused/);
    await page.locator('#token').fill(token);
    await page.locator('#sign-in').click();
    await waitForText('#review-count', '2 pairs pending');
  });

  it('shows a pair side by side with the differences marked, and approving by key merges the profiles, keeping the address the steward chose', async () => {
    await page.$$eval('[data-review]', (items) => (items.find((li) => li.textContent!.includes('李娜')) as HTMLElement).click());
    await waitForText('#pair', '+8613911112222');
    expect(await page.$eval('#pair tr[data-field="phones"]', (e) => e.className)).toBe('differs');
    expect(await page.$eval('#pair tr[data-field="name"]', (e) => e.className)).toBe('');
    // the two addresses differ: the steward keeps the POS one (side b), whatever survivorship would pick
    const side = await page.$eval('#pair thead th:nth-child(3) a', (a) => a.textContent!);
    const pos = side.startsWith('pos#') ? 'b' : 'a';
    await page.locator(`#pair tr[data-field="address"] input[value="${pos}"]`).click();
    await waitForText('#taking', 'address ← pos#p2');
    await page.keyboard.press('a');
    await waitForText('#notice', 'Merged into profile');
    await waitForText('#review-count', '1 pairs pending');
    const merged = await api('GET', '/v1/profiles/13911112222');
    expect([...merged.phones].sort()).toEqual(['+8613911112222', '+8615811113333']);
    expect(merged.view.basic.location.address).toBe('北京朝阳区建国路88号');
    expect(merged.view.basic.lineage.address, `a ${merged.viewSource} view`).toMatchObject({ source: 'pos', recordId: 'p2', pinnedBy: expect.any(String) });

    // the notice links to the profile, which shows both numbers now
    await page.locator('#notice a').click();
    await waitForText('#basic', '+8615811113333');
    expect(await textOf('#members')).toContain('pos#p2');
    expect(await textOf('#basic dd[data-field="location"]')).toMatch(/← pos\/p2 .*chosen by /);
  });

  it('rejects the other pair with the button, and the queue is empty', async () => {
    await page.locator('#nav-reviews').click();
    await waitForText('#review-count', '1 pairs pending');
    await page.locator('#reject').click();
    await page.waitForSelector('#no-reviews');
    expect((await api('GET', '/v1/reviews')).reviews).toEqual([]);
  });

  it('finds a customer by a name in traditional characters and unmerges from the profile page', async () => {
    await page.locator('#nav-search').click();
    await page.locator('#search-box').fill('張偉');
    await page.locator('#search-submit').click();
    await waitForText('#hits', '张伟');
    await page.locator('#hits a').click();
    await page.waitForSelector('#merges button.unmerge');
    await waitForText('#numbers tr[data-number="+8613812345678"]', 'mobile');
    const before = await api('GET', '/v1/profiles/13812345678');
    expect(before.phones).toHaveLength(2);
    const member = await page.$eval('#merges button.unmerge', (b) => (b as HTMLElement).dataset.member!);
    await page.locator('#merges button.unmerge').click();
    await waitForText('#notice', `Unmerged: ${member}`);
    await page.waitForSelector('#merges li.undone');
    const a = await api('GET', '/v1/profiles/13812345678');
    const b = await api('GET', '/v1/profiles/13698765432');
    expect(a.profileId).not.toBe(b.profileId);
  });

  it('undoes a split the nightly run made from the profile page', async () => {
    const { profileId, split } = await splitOffSecondNumber(cloud, s3, 'console-test');
    expect((await api('GET', '/v1/profiles/13533335555')).profileId).toBe(split.to);

    await page.goto(`${cloud.info.endpoints.api}/console#/profile/${profileId}`);
    await waitForText(`#splits li[data-split="${split.splitId}"]`, 'glued by +8613533334444');
    await page.locator('#splits button.undo-split').click();
    await waitForText('#notice', `Split undone: ${split.to} is back in ${profileId}`);
    await page.waitForSelector(`#splits li.undone[data-split="${split.splitId}"]`);
    expect(await page.$('#splits button.undo-split')).toBeNull();
    expect((await api('GET', '/v1/profiles/13533335555')).profileId).toBe(profileId);
    expect(await textOf('#members')).toContain('crm#s2');
  });

  it('lists the imports with their figures and downloads a report file', async () => {
    const { folder, done } = await nextDownload();
    await page.locator('#nav-reports').click();
    await waitForText('#reports', 'crm: incoming/crm/crm.csv');
    const crm = await page.$$eval('#reports tr[data-report]', (rows) => (rows.find((r) => r.textContent!.includes('crm: incoming/crm/crm.csv')) as HTMLElement).dataset.report!);
    expect(await textOf(`#reports tr[data-report="${crm}"] .counts`)).toMatch(/read 3 · stored 3/);
    await page.locator(`#reports tr[data-report="${crm}"] button[data-file="report.json"]`).click();
    await done;
    const [saved] = readdirSync(folder);
    expect(JSON.parse(readFileSync(join(folder, saved!), 'utf8')).counts.read).toBe(3);
    await page.locator('#tab-nightly').click();
    await page.waitForSelector('#no-reports');
  });

  it('lists a household’s shared number with the names seen on it', async () => {
    const family = ['id,姓名,手机', 'f1,周杰,13544445555', 'f2,周敏,135 4444 5555'].join('\n');
    await s3.send(new PutObjectCommand({ Bucket: cloud.info.outputs.RawBucketName, Key: 'incoming/crm/family.csv', Body: family }));
    await cloud.idle();
    await page.locator('#nav-numbers').click();
    await page.waitForSelector('#no-numbers');
    await page.locator('#tab-shared').click();
    await waitForText('#listed-numbers tr[data-number="+8613544445555"] .names', '周杰、周敏');
    expect(await textOf('#listed-numbers tr[data-number="+8613544445555"]')).toMatch(/shared: links nobody by itself \(2 distinct names/);
  });

  it('downloads the deduplicated customer list as XLSX, one row per customer', async () => {
    const { folder, done } = await nextDownload();
    await page.locator('#nav-search').click();
    await page.locator('#export-xlsx').click();
    await done;
    expect(readdirSync(folder)).toEqual(['customers.xlsx']);
    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(join(folder, 'customers.xlsx'));
    const sheet = book.getWorksheet('customers')!;
    expect(sheet.getRow(1).getCell(1).value).toBe('profile_id');
    // one row per customer: every profile once, as many as the NDJSON export has
    const ids = sheet.getColumn(1).values.slice(2) as string[];
    const ndjson = await (await fetch(`${cloud.info.endpoints.api}/v1/export?format=ndjson`, { headers: { authorization: `Bearer ${token}` } })).text();
    const profiles = ndjson.trim().split('\n').map((l) => JSON.parse(l).profileId as string);
    expect(ids.sort()).toEqual(profiles.sort());
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('speaks Chinese at a click', async () => {
    await page.locator('#language').click();
    await waitForText('#nav-reviews', '待审核');
    await page.locator('#language').click();
    await waitForText('#nav-reviews', 'Reviews');
  });
});
