/** Makes a LevelDB database's callback `get`s asked for in one tick one `getMany`; `lifecycle` tracks it as dynalite's own operations are tracked. */
export function coalesceGets(levelDb: object, lifecycle: { trackOperation<T>(operation: Promise<T>): Promise<T> }): void;
