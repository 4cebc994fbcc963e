/** Replaces a LevelDB database's createValueStream and createKeyStream with ones that close their iterator at the end and on destroy. */
export function closingStreams(levelDb: object): void;
