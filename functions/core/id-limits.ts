/**
 * Record and event ids become parts of store keys (`REC#<source>#<id>`, `EVT#<channel>#<id>`, the
 * index sort keys that list a profile's members), and DynamoDB keeps at most 1,024 bytes in a sort
 * key. An id longer than MAX_ID_BYTES is therefore its own item's problem, rejected alone, never a
 * write failure that costs the batch or the file around it.
 */
import type { Problem } from './model.ts';

export const MAX_ID_BYTES = 512;

export function idTooLong(id: string, kind: 'row' | 'event'): (Problem & { field: string }) | undefined {
  const bytes = Buffer.byteLength(id, 'utf8');
  if (bytes <= MAX_ID_BYTES) return undefined;
  return {
    code: `${kind}.id_too_long`,
    message: `the ${kind === 'row' ? 'record' : 'event'} id is ${bytes} bytes long ("${id.slice(0, 24)}…"); a store key holds ids of at most ${MAX_ID_BYTES} bytes`,
    field: 'id',
  };
}
