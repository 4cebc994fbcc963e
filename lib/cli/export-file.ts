/** Where `phonekey export` and `dedupe` write the customer list: a file, or standard output (ndjson, csv). */
import { createWriteStream } from 'node:fs';
import { exportEncoding, writeProfiles, type ExportEncoding, type ExportFormat } from '../../functions/app/profiles/export-file.ts';
import type { ProfileDocument } from '../../functions/app/profiles/index.ts';
import { UserError } from './main.ts';

/** `--encoding` as written (`UTF-8`, `gbk`, …) → the encoding, or a UserError naming what is accepted. */
export function parseEncoding(text: string): ExportEncoding {
  const encoding = exportEncoding(text);
  if (!encoding) throw new UserError(`--encoding ${text}: expected utf8 or gbk`);
  return encoding;
}

/** Writes every profile to `out` (standard output when absent; xlsx needs a file); answers how many. */
export async function writeProfilesTo(profiles: AsyncIterable<ProfileDocument>, format: ExportFormat, opts: { out?: string; encoding?: ExportEncoding }): Promise<number> {
  if (opts.out) return writeProfiles(profiles, format, createWriteStream(opts.out), opts);
  // standard output is not ended: the process goes on printing
  return writeProfiles(profiles, format, process.stdout, { ...opts, end: false });
}
