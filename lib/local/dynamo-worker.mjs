// Runs dynalite (the local DynamoDB) in a thread of its own, so its request handling and LevelDB
// work do not queue behind the HTTP API, the control plane and S3 on the main event loop.
// `down` (shared with the main thread) is the fault hook: while it is set, connections are dropped
// as they arrive, and a 'drop' message destroys the ones already open (requests in flight too).
import { parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite');
const dynaliteDb = require('dynalite/db');
const { path, port, down } = workerData;

// Dynalite reads the table's description from LevelDB on every request (a native round trip and a
// JSON decode: about a fifth of its time per single-item write). Keep it in memory instead: a copy
// per read (callers may change what they get), dropped whenever the table store is written, and
// never filled by a read that overlapped a write (the generation moves at the write's start and end).
function cacheTableDescriptions(tableDb) {
  const cache = new Map();
  let generation = 0;
  const { get, put, del, batch } = tableDb;
  tableDb.get = function (key, ...rest) {
    const cb = rest[rest.length - 1];
    if (typeof cb !== 'function' || rest.length > 1) return get.call(this, key, ...rest);
    if (cache.has(key)) {
      const table = structuredClone(cache.get(key));
      return void process.nextTick(cb, null, table);
    }
    const started = generation;
    return get.call(this, key, (err, table) => {
      if (!err && table && typeof table === 'object' && started === generation) cache.set(key, structuredClone(table));
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
const create = dynaliteDb.create;
dynaliteDb.create = function (...args) {
  const store = create.apply(this, args);
  cacheTableDescriptions(store.tableDb);
  return store;
};
const isDown = () => Atomics.load(down, 0) === 1;
const sockets = new Set();
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
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
