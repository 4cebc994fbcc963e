// TransactWriteItems for dynalite, which has none. Many conditional writes that must all happen or
// none (a new person's phone claim and profile item) are one request on DynamoDB; without this the
// local store could only serve them one conditional PutItem at a time.
//
// Supported as DynamoDB documents it: Put, Update, Delete and ConditionCheck items (each validated
// like the single-item call), at most 100, one operation per item, all conditions checked and every
// update applied (in memory) under the items' locks before anything is written; if a condition
// fails nothing is written and the answer is a TransactionCanceledException with one
// CancellationReason per item, and an update that cannot apply (a type mismatch) fails the whole
// request with a ValidationException. Update items run dynalite's own update-expression code,
// which its updateItem module does not export: it is loaded from that module's source (dynalite
// is pinned by the lockfile; test/local/dynamo-transactions.test.ts checks it against UpdateItem).
// The writes are one LevelDB batch, so a crash leaves all of them or none. Not supported:
// ClientRequestToken idempotency (the token is accepted and ignored).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const validations = require('dynalite/validations');
const db = require('dynalite/db');
const kinds = {
  Put: require('dynalite/validations/putItem'),
  Delete: require('dynalite/validations/deleteItem'),
  ConditionCheck: require('dynalite/validations/deleteItem'),
  Update: require('dynalite/validations/updateItem'),
};
const { applyUpdateExpression, applyAttributeUpdates, deepClone } = updateItemInternals();

/** The functions dynalite's UpdateItem applies an update with, from its module's own source. */
function updateItemInternals() {
  const file = require.resolve('dynalite/actions/updateItem');
  const module = { exports: {} };
  const source = `${readFileSync(file, 'utf8')}\nmodule.exports = { applyUpdateExpression, applyAttributeUpdates, deepClone }`;
  new Function('require', 'module', 'exports', source)(createRequire(file), module, module.exports);
  return module.exports;
}
const TARGET = 'DynamoDB_20120810.TransactWriteItems';
const MAX_ITEMS = 100;

/** Serves TransactWriteItems on a dynalite server before dynalite's own handler sees it. */
export function serveTransactions(server, store) {
  const handlers = server.listeners('request');
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    if (req.headers['x-amz-target'] !== TARGET) return handlers.forEach((h) => h.call(server, req, res));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () =>
      transact(store, Buffer.concat(chunks).toString()).then(
        (out) => send(res, 200, out),
        (err) => (err.statusCode ? send(res, err.statusCode, err.body) : send(res, 500, { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: String(err?.message ?? err) })),
      ),
    );
  });
}

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/x-amz-json-1.0');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

const fail = (msg) => db.validationError(msg);
const call = (fn, ...args) => new Promise((resolve, reject) => fn(...args, (err, out) => (err ? reject(err) : resolve(out))));

async function transact(store, body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch {
    throw Object.assign(new Error('bad JSON'), { statusCode: 400, body: { __type: 'com.amazon.coral.service#SerializationException' } });
  }
  const items = request?.TransactItems;
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_ITEMS) throw fail(`TransactItems must hold 1 to ${MAX_ITEMS} items`);
  const ops = [];
  for (const [i, item] of items.entries()) {
    const kind = Object.keys(item ?? {}).filter((k) => item[k] != null);
    if (kind.length !== 1) throw fail(`TransactItems[${i}] must hold exactly one of Put, Delete, ConditionCheck, Update`);
    const v = kinds[kind[0]];
    if (!v) throw fail(`TransactItems[${i}]: unknown operation ${kind[0]}`);
    if (kind[0] === 'ConditionCheck' && !item.ConditionCheck.ConditionExpression) throw fail(`TransactItems[${i}]: a ConditionCheck needs a ConditionExpression`);
    const data = validations.checkTypes(item[kind[0]], v.types);
    validations.checkValidations(data, v.types, v.custom, store);
    const table = await call(store.getTable, data.TableName, false);
    const invalid = kind[0] === 'Put' ? db.validateItem(data.Item, table) : (db.validateKey(data.Key, table) ?? (kind[0] === 'Update' ? db.validateUpdates(data.AttributeUpdates, data._updates, table) : undefined));
    if (invalid) throw invalid;
    ops.push({ kind: kind[0], data, table, itemDb: store.getItemDb(data.TableName), key: db.createKey(data.Item ?? data.Key, table) });
  }
  const seen = new Set();
  for (const op of ops) {
    const id = `${op.data.TableName}\u0000${op.key}`;
    if (seen.has(id)) throw fail('Transaction request cannot include multiple operations on one item');
    seen.add(id);
  }
  // Tables in name order, each table's keys in one lock call: two transactions never wait on each other in a cycle.
  const tables = [...new Set(ops.map((o) => o.data.TableName))].sort();
  const releases = [];
  try {
    for (const name of tables) {
      const mine = ops.filter((o) => o.data.TableName === name);
      releases.push(await new Promise((resolve) => mine[0].itemDb.lock([...new Set(mine.map((o) => o.key))].sort(), (release) => resolve(release(() => {})))));
    }
    return await writeAll(store, ops);
  } finally {
    for (const release of releases.reverse()) release();
  }
}

// dynalite keeps tables, items and indexes in one LevelDB, each under its own key prefix (its db
// module's getItemDb and getIndexDb): the transaction reads its items in one call and writes them
// and their index entries in one batch.
const itemPrefix = (table) => `item-${table}~`;
const indexPrefix = (type, table, index) => `index-${type.toLowerCase()}~${table}~${index}~`;

async function writeAll(store, ops) {
  const existing = await store.db.getMany(ops.map((o) => itemPrefix(o.data.TableName) + o.key));
  const reasons = ops.map((o, i) => (db.checkConditional(o.data, existing[i]) ? { Code: 'ConditionalCheckFailed', Message: 'The conditional request failed' } : { Code: 'None' }));
  if (reasons.some((r) => r.Code !== 'None')) {
    const message = `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`;
    throw Object.assign(new Error(message), {
      statusCode: 400,
      body: { __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException', Message: message, CancellationReasons: reasons },
    });
  }
  // every new item before any write: an update that cannot apply leaves the table as it was
  const items = ops.map((op, i) => (op.kind === 'Put' ? op.data.Item : op.kind === 'Update' ? updated(store, op, existing[i]) : undefined));
  const batch = [];
  for (const [i, op] of ops.entries()) {
    const [before, item, table] = [existing[i], items[i], op.data.TableName];
    if (op.kind === 'ConditionCheck' || (!before && !item)) continue;
    // the index entries as dynalite's updateIndexes changes them
    for (const type of ['Local', 'Global']) {
      const { puts, deletes } = db.getIndexActions(op.table[`${type}SecondaryIndexes`] ?? [], before, item, op.table);
      for (const d of deletes) batch.push({ type: 'del', key: indexPrefix(type, table, d.index) + d.key });
      for (const p of puts) batch.push({ type: 'put', key: indexPrefix(type, table, p.index) + p.key, value: p.item });
    }
    batch.push(item ? { type: 'put', key: itemPrefix(table) + op.key, value: item } : { type: 'del', key: itemPrefix(table) + op.key });
  }
  if (batch.length) await store.db.batch(batch);
  return {};
}

/** An Update item's item after the update, as UpdateItem computes it. */
function updated(store, op, before) {
  const item = deepClone(before ?? op.data.Key);
  const err = op.data._updates ? applyUpdateExpression(op.data._updates.sections, op.table, item) : applyAttributeUpdates(op.data.AttributeUpdates, op.table, item);
  if (err) throw err;
  if (db.itemSize(item) > store.options.maxItemSize) throw fail('Item size to update has exceeded the maximum allowed size');
  return item;
}
