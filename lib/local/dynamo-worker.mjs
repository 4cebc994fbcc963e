// Runs dynalite (the local DynamoDB) in a thread of its own, so its request handling and LevelDB
// work do not queue behind the HTTP API, the control plane and S3 on the main event loop.
// `down` (shared with the main thread) is the fault hook: while it is set, connections are dropped
// as they arrive, and a 'drop' message destroys the ones already open (requests in flight too).
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { closingStreams } from './dynalite-streams.mjs';
import { coalesceGets } from './dynalite-gets.mjs';
import { serveTransactions } from './dynamo-transactions.mjs';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
const dynaliteDb = require('dynalite/db');
const { path, port, down } = workerData;

// Dynalite reads the table's description from LevelDB on every request (a native round trip and a
// JSON decode per item read or write). Keep it in memory instead: dropped whenever the table store
// is written, and never filled by a read that overlapped a write (the generation moves at the
// write's start and end). Readers share the object: the only code that changes a description
// (CreateTable, UpdateTable, DeleteTable) stores it right after, which drops it from here.
function cacheTableDescriptions(tableDb) {
  const cache = new Map();
  let generation = 0;
  const { get, put, del, batch } = tableDb;
  tableDb.get = function (key, ...rest) {
    const cb = rest[rest.length - 1];
    if (typeof cb !== 'function' || rest.length > 1) return get.call(this, key, ...rest);
    if (cache.has(key)) return void process.nextTick(cb, null, cache.get(key));
    const started = generation;
    return get.call(this, key, (err, table) => {
      if (!err && table && typeof table === 'object' && started === generation) cache.set(key, table);
      cb(err, table);
    });
  };
  const invalidating = (write) =>
    function (...args) {
      generation++;
      cache.clear();
      const cb = args[args.length - 1];
      if (typeof cb !== 'function') {
        const out = write.apply(this, args);
        Promise.resolve(out).finally(() => (generation++, cache.clear()));
        return out;
      }
      args[args.length - 1] = (...results) => {
        generation++;
        cache.clear();
        cb(...results);
      };
      return write.apply(this, args);
    };
  tableDb.put = invalidating(put);
  tableDb.del = invalidating(del);
  tableDb.batch = invalidating(batch);
}

// Dynalite parses every expression with PEG parsers (the condition of a counter update alone was
// about a sixth of its time on the webhook path). A parse depends on the text, the attribute
// names, and the values' types only — the tree holds the value objects themselves, and parsing
// marks the names and values it used — with two exceptions that read a value's content (BETWEEN
// compares its bounds, attribute_type checks its type name), which are always parsed. So a parse
// is kept per (text, names, value types) and reused with this request's value objects put in
// place of the first request's, and the same names and values marked used.
const parsedSignature = (value) => JSON.stringify(value, (_k, v) => (typeof v === 'string' || typeof v === 'boolean' ? 0 : v));
function cacheParses(parser) {
  const parse = parser.parse;
  const cache = new Map();
  parser.parse = function (text, options) {
    const context = options?.context;
    if (!context || typeof text !== 'string' || /between|attribute_type/i.test(text)) return parse.call(this, text, options);
    const names = context.attrNames ?? null;
    const values = context.attrVals ?? null;
    const key = `${context.isKeyCondition ? 1 : 0}\u0000${text}\u0000${names ? JSON.stringify(names) : ''}\u0000${values ? parsedSignature(values) : ''}`;
    let hit = cache.get(key);
    if (!hit) {
      // Parse against a context of its own, with every name and value unused: what this text
      // uses does not depend on what other expressions of the request used before it.
      const own = { ...context, unusedAttrNames: Object.fromEntries(Object.keys(names ?? {}).map((k) => [k, true])), unusedAttrVals: Object.fromEntries(Object.keys(values ?? {}).map((k) => [k, true])) };
      const result = parse.call(this, text, { ...options, context: own }); // a syntax error throws: not kept
      hit = {
        result,
        usedNames: Object.keys(names ?? {}).filter((k) => !(k in own.unusedAttrNames)),
        usedValues: Object.keys(values ?? {}).filter((k) => !(k in own.unusedAttrVals)),
        refs: new Map(Object.entries(values ?? {}).map(([k, v]) => [v, k])),
      };
      // Two names for one value object would make the swap ambiguous: such a parse is not kept.
      if (hit.refs.size === Object.keys(values ?? {}).length && cache.size < 2000) cache.set(key, hit);
    }
    markUsed(context, hit);
    // Always a copy: dynalite changes the tree it gets (an update's SET values are resolved in place).
    return withValues(hit.result, hit.refs, values);
  };
}
function markUsed(context, hit) {
  for (const k of hit.usedNames) if (context.unusedAttrNames) delete context.unusedAttrNames[k];
  for (const k of hit.usedValues) if (context.unusedAttrVals) delete context.unusedAttrVals[k];
}
/** A copy of a parsed tree with the first request's value objects replaced by this request's. */
function withValues(node, refs, values) {
  if (node === null || typeof node !== 'object') return node;
  const ref = refs.get(node);
  if (ref !== undefined) return values[ref];
  if (Array.isArray(node)) return node.map((n) => withValues(n, refs, values));
  const out = {};
  for (const k of Object.keys(node)) out[k] = withValues(node[k], refs, values);
  return out;
}
cacheParses(require('dynalite/db/conditionParser'));
cacheParses(require('dynalite/db/updateParser'));
cacheParses(require('dynalite/db/projectionParser'));

const create = dynaliteDb.create;
let store;
dynaliteDb.create = function (...args) {
  store = create.apply(this, args);
  closingStreams(store.db);
  coalesceGets(store.db, store.lifecycleManager);
  cacheTableDescriptions(store.tableDb);
  return store;
};
const isDown = () => Atomics.load(down, 0) === 1;
const sockets = new Set();
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
serveTransactions(server, store);
server.on('connection', (socket) => {
  if (isDown()) return void socket.destroy();
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});
server.prependListener('request', (req) => {
  if (isDown()) req.socket.destroy();
});
server.once('error', (error) => parentPort.postMessage({ type: 'error', message: error.message }));
server.listen(port, '127.0.0.1', () => parentPort.postMessage({ type: 'listening', port: server.address().port }));
parentPort.on('message', (msg) => {
  if (msg === 'drop') for (const socket of sockets) socket.destroy();
  if (msg === 'stop') server.close(() => parentPort.postMessage({ type: 'stopped' }));
});
