// Dynalite reads items one `get` at a time — a BatchGetItem of 100 keys is 100 native calls, each
// with a LevelDB snapshot and a trip through the thread pool, and that was the largest share of
// the store's thread in an import matched on arrival. The gets asked for in one tick are read
// with one getMany instead; each caller is answered as dynalite's own get answers (a value, or
// undefined when there is none, on a later turn of the loop).
export function coalesceGets(levelDb, lifecycle) {
  const get = levelDb.get;
  let pending = null;
  const flush = () => {
    const asked = pending;
    pending = null;
    if (asked.length === 1) return void get.call(levelDb, asked[0].key, asked[0].callback);
    lifecycle.trackOperation(levelDb.getMany(asked.map((a) => a.key))).then(
      (values) => setImmediate(() => asked.forEach((a, i) => a.callback(null, values[i]))),
      (error) => setImmediate(() => asked.forEach((a) => a.callback(error))),
    );
  };
  levelDb.get = function (key, callback) {
    if (typeof callback !== 'function') return get.call(this, key);
    if (!pending) {
      pending = [];
      process.nextTick(flush);
    }
    pending.push({ key, callback });
  };
}
