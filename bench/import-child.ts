/**
 * The import use case alone, in its own process, against a running local cloud (the endpoints come
 * from the standard AWS_ENDPOINT_URL_* variables): what the import function does for one S3 object,
 * so that its memory is measured without the local cloud's (dynalite, s3rver, the synthesized app).
 *
 *   npx tsx bench/import-child.ts <table> <bucket> <key> <importId> [match]
 *
 * With `match`, each stored batch is matched on arrival as the import function does it.
 *
 * Prints one JSON line: { ms, counts, status, entriesIndexed (by matching), peakRss (sampled every 50 ms), maxRss, heapPeak }.
 */
import { importFile } from '../functions/app/import-file.ts';
import { DynamoProfileStore } from '../functions/adapters/dynamo-profile-store.ts';
import { documentClient } from '../functions/adapters/dynamo-document-client.ts';
import { S3Files } from '../functions/adapters/s3-files.ts';
import { parseIncomingKey } from '../functions/core/incoming-key.ts';
import { configurePhoneCache } from '../functions/core/clean/phone.ts';
import { DynamoIdentityStore } from '../functions/adapters/dynamo-identity-store.ts';
import { matchOnArrival } from '../functions/app/identity/match-on-arrival.ts';

const [table, bucket, key, importId, mode] = process.argv.slice(2);
// A file of distinct customers seldom repeats a number, so the cleaner's phone memo (100,000
// entries by default, ~45 MB when full) would mostly hold memory: an import keeps 20,000.
configurePhoneCache({ maxEntries: 20_000 });
const store = new DynamoProfileStore(documentClient(), table!);
const files = new S3Files();
const identity = mode === 'match' ? new DynamoIdentityStore(documentClient(), table!) : undefined;
let entriesIndexed = 0;
let peakRss = process.memoryUsage().rss;
let heapPeak = process.memoryUsage().heapUsed;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  heapPeak = Math.max(heapPeak, m.heapUsed);
}, 50);
const started = Date.now();
const incoming = parseIncomingKey(key!) ?? { source: 'bench', fileName: key!.split('/').pop()! };
const state = await importFile(
  { importId: importId!, bucket: bucket!, key: key!, source: incoming.source, fileName: incoming.fileName },
  {
    store,
    open: () => files.open(bucket!, key!),
    putReport: async (name) => name,
    onRecordsStored: identity && (async (records, outcomes) => (entriesIndexed += (await matchOnArrival(identity, records, outcomes, { actor: 'import' })).entriesIndexed)),
  },
);
const ms = Date.now() - started;
clearInterval(sampler);
console.log(JSON.stringify({ ms, status: state.status, counts: state.counts, entriesIndexed, peakRss, heapPeak, maxRss: process.resourceUsage().maxRSS * 1024 }));
