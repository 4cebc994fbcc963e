// Dynalite reads a Query or Scan through a stream over a LevelDB iterator and closes the iterator
// only when the stream is destroyed, which a read to the end never does; the database keeps every
// open iterator until it closes, so each Query leaked its iterator and the entries it had buffered
// (15-50 KB a query: gigabytes over an import matched on arrival, which queries blocks per row).
import { Readable } from 'node:stream';

/** Replaces the database's key and value streams with ones that close their iterator at the end and on destroy. */
export function closingStreams(levelDb) {
  for (const [name, method] of [
    ['createValueStream', 'values'],
    ['createKeyStream', 'keys'],
  ]) {
    levelDb[name] = function (options) {
      const iterator = levelDb[method](options);
      let closing;
      const close = () => (closing ??= iterator.close().catch(() => {}));
      return new Readable({
        objectMode: true,
        // Entries a thousand at a time: a Query of a small partition is one native call, where
        // next() asks for one entry first and the rest after.
        read() {
          iterator.nextv(1000).then(
            (values) => {
              if (values.length) return void values.forEach((value) => this.push(value));
              close();
              this.push(null);
            },
            (error) => this.destroy(error),
          );
        },
        destroy(error, callback) {
          close().then(() => callback(error));
        },
      });
    };
  }
}
