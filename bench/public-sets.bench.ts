/**
 * The public labelled sets (../shared/data) through the product as a user takes them in: each
 * file imported as it is by `phonekey import --config` with a column mapping only (the default
 * rules, no rule tuned to the set), into its own local cloud, then `phonekey reconcile`.
 *
 *   npx tsx bench/public-sets.bench.ts [--sets epbrn,febrl1,febrl2,febrl3,splink]
 *   npm run bench -- public-sets
 *
 * Per set: records read, stored with a number, stored without a usable number (and why),
 * rejected (and why); pairwise P/R/F1 and B-cubed F1 over every record read (a record not stored
 * is a cluster of its own) after the import and after the nightly run; and the phone-only
 * baseline on the same records: the same valid number (E.164) is the same person, nothing else.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { phonekey } from './child-json.ts';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startLocalCloud } from '../lib/local/cloud.ts';
import { LOCAL_CREDENTIALS } from '../lib/local/cloud-info.ts';
import { parsePhone, type CountryCode } from '../functions/core/clean/index.ts';
import { evaluate, formatEvaluation } from '../test/core/match/metrics.ts';
import { sharedData } from '../test/core/match/datasets.ts';
import { clustersOf, tableClusters } from './table-clusters.ts';


interface PublicSet {
  id: string;
  name: string;
  file: string;
  /** The source config: a column mapping, nothing tuned. */
  config: Record<string, unknown>;
  idColumn: string;
  truthOf(row: Record<string, string>): string;
  phoneColumn?: string;
}

const AU_ADDRESS = { address: { join: ['street_number', 'address_1', 'address_2'] }, city: 'suburb', province: 'state', postcode: 'postcode' };
const febrl = (n: number): PublicSet => ({
  id: `febrl${n}`,
  name: `FEBRL ${n}`,
  file: `febrl/dataset${n}.csv`,
  config: { defaultCountry: 'AU', dateOrder: 'YMD', recordId: 'rec_id', fields: { name: { join: ['given_name', 'surname'] }, birthDate: 'date_of_birth', ...AU_ADDRESS }, externalIds: { ssn: 'soc_sec_id' } },
  idColumn: 'rec_id',
  truthOf: (r) => r.rec_id!.split('-')[1]!,
});
const SETS: PublicSet[] = [
  {
    id: 'epbrn',
    name: 'ePBRN D',
    file: 'epbrn/ePBRN_D_rep.csv',
    config: {
      defaultCountry: 'AU',
      recordId: 'rec_id',
      fields: { phone: 'phone_number', name: { join: ['given_name', 'surname'] }, birthDate: { join: ['year', 'month', 'day'], separator: '-' }, ...AU_ADDRESS },
    },
    idColumn: 'rec_id',
    truthOf: (r) => r.match_id || r.rec_id!.split('-')[0]!,
    phoneColumn: 'phone_number',
  },
  febrl(1),
  febrl(2),
  febrl(3),
  {
    id: 'splink',
    name: 'Splink fake_1000',
    file: 'splink/fake_1000.csv',
    config: { defaultCountry: 'GB', recordId: 'unique_id', fields: { name: { join: ['first_name', 'surname'] }, birthDate: 'dob', city: 'city', email: 'email' } },
    idColumn: 'unique_id',
    truthOf: (r) => r.cluster!,
  },
];

const only = process.argv.includes('--sets') ? process.argv[process.argv.indexOf('--sets') + 1]!.split(',') : undefined;

const pct = (n: number, of: number) => `${n} (${((100 * n) / of).toFixed(1)}%)`;
const reasons = (by: Record<string, number> = {}) => Object.entries(by).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';

console.log(`public sets through the product, default rules, column mapping only; load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
for (const set of SETS.filter((s) => !only || only.includes(s.id))) {
  const path = join(sharedData, set.file);
  const rows = parse(readFileSync(path, 'utf8'), { columns: (h: string[]) => h.map((x) => x.trim()), trim: true, skip_empty_lines: true }) as Record<string, string>[];
  const truth = new Map(rows.map((r) => [`${set.id}#${r[set.idColumn]!.trim()}`, set.truthOf(r)]));
  // the phone-only baseline: records sharing a valid number are one person
  const byNumber = new Map<string, string[]>();
  rows.forEach((r) => {
    const key = `${set.id}#${r[set.idColumn]!.trim()}`;
    const p = set.phoneColumn ? parsePhone(r[set.phoneColumn] ?? '', { defaultCountry: (set.config.defaultCountry as CountryCode) ?? 'CN' }) : undefined;
    byNumber.set(p?.valid ? p.e164! : key, [...(byNumber.get(p?.valid ? p.e164! : key) ?? []), key]);
  });
  const baseline = evaluate([...byNumber.values()], truth);

  const dir = mkdtempSync(join(tmpdir(), `phonekey-${set.id}-`));
  const dataDir = join(dir, 'data');
  const cloud = await startLocalCloud({ dataDir, ports: { api: 0, s3: 0, dynamodb: 0, control: 0 }, schedules: false, retryDelaySeconds: 1 });
  try {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1', endpoint: cloud.info.endpoints.dynamodb, credentials: LOCAL_CREDENTIALS }));
    const config = join(dir, `${set.id}.json`);
    writeFileSync(config, JSON.stringify({ name: set.id, ...set.config }));
    let t = Date.now();
    const [state] = JSON.parse(await phonekey(['import', path, '--source', set.id, '--config', config, '--json'], dataDir));
    const importSecs = (Date.now() - t) / 1000;
    const c = state.counts;
    console.log(`\n${set.name}: ${c.read} records read in ${importSecs.toFixed(1)} s (load ${loadavg()[0]!.toFixed(1)})`);
    console.log(`  stored with a number ${pct(c.stored - c.withoutNumber, c.read)}, without a usable number ${pct(c.withoutNumber, c.read)} (${reasons(c.numberProblems)})`);
    console.log(`  rejected ${pct(c.rejected, c.read)} (${reasons(c.byReason)}); lost: ${c.read - c.stored - c.rejected - c.redelivered}`);
    const scored = async (when: string) => {
      const { profileOf } = await tableClusters(db, cloud.info.outputs.TableName);
      const stored = clustersOf(profileOf, (m) => truth.has(m));
      const alone = [...truth.keys()].filter((k) => !profileOf.has(k)).map((k) => [k]);
      console.log(formatEvaluation(`  ${when}`, evaluate([...stored, ...alone], truth)));
    };
    await scored('after import   ');
    t = Date.now();
    await phonekey(['reconcile', '--json'], dataDir);
    await scored(`after reconcile (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    console.log(formatEvaluation('  phone-only baseline', baseline));
    db.destroy();
  } finally {
    await cloud.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
