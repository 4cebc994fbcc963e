/**
 * GET /v1/profiles?q=&cursor=&limit=: search (functions/app/profiles/search.ts), a page at a time.
 * GET /v1/export?format=csv|xlsx|ndjson&encoding=utf8|gbk: the deduplicated customer list as a file,
 * while it fits in one answer (EXPORT_ANSWER_LIMIT; larger lists: `phonekey export`).
 * GET /v1/profiles/{phone}: one whole profile (four dimensions, metrics, tags, summary, lineage),
 * found by any written form of any of its numbers, or by its profile id (`p_…`, the only way to a
 * customer no number keys); the stored view when current, else computed live from the members.
 */
import { profileSearch, profileViews } from '../../adapters/wiring.ts';
import { findProfile, loadSettings, searchProfiles, streamProfiles } from '../../app/profiles/index.ts';
import { EXPORT_FORMATS, EXPORT_TYPES, exportEncoding, exportToBuffer, ExportTooLarge, type ExportFormat } from '../../app/profiles/export-file.ts';
import { SearchQueryError } from '../../core/profile/index.ts';
import { json, type Routes } from './http.ts';
import { matchRules } from './match-rules.ts';

const views = profileViews(process.env.TABLE_NAME!);
const search = profileSearch(process.env.TABLE_NAME!);

/** Bytes of file in one answer: base64 makes them a third more, under the 6 MB a function may answer. */
export const EXPORT_ANSWER_LIMIT = 4_000_000;

export const profileRoutes: Routes = {
  'GET /v1/profiles': async (event) => {
    const params = event.queryStringParameters ?? {};
    const limit = params.limit === undefined ? undefined : Number(params.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) return json(400, { error: 'search.bad_limit', message: `limit must be a whole number from 1 to 100, not "${params.limit}"` });
    try {
      return json(200, await searchProfiles(search, params.q ?? '', { rules: await matchRules(), limit, cursor: params.cursor }));
    } catch (error) {
      if (error instanceof SearchQueryError) return json(400, { error: 'search.bad_query', message: error.message });
      throw error;
    }
  },
  'GET /v1/export': async (event) => {
    const params = event.queryStringParameters ?? {};
    const format = (params.format ?? 'csv').toLowerCase() as ExportFormat;
    if (!EXPORT_FORMATS.includes(format)) return json(400, { error: 'export.bad_format', message: `format must be one of ${EXPORT_FORMATS.join(', ')}, not "${params.format}"` });
    const encoding = exportEncoding(params.encoding ?? 'utf8');
    if (!encoding || (encoding === 'gbk' && format !== 'csv')) return json(400, { error: 'export.bad_encoding', message: `encoding must be utf8, or gbk for csv, not "${params.encoding}"` });
    try {
      const { body } = await exportToBuffer(streamProfiles(views, await loadSettings(views)), format, EXPORT_ANSWER_LIMIT, { encoding });
      const type = format === 'csv' ? `text/csv; charset=${encoding === 'gbk' ? 'gbk' : 'utf-8'}` : EXPORT_TYPES[format];
      return { statusCode: 200, headers: { 'content-type': type, 'content-disposition': `attachment; filename="customers.${format}"` }, body: body.toString('base64'), isBase64Encoded: true };
    } catch (error) {
      if (error instanceof ExportTooLarge) return json(413, { error: 'export.too_large', message: error.message });
      throw error;
    }
  },
  'GET /v1/profiles/{phone}': async (event) => {
    const found = await findProfile(views, event.pathParameters?.phone ?? '', await loadSettings(views));
    if ('profile' in found) return json(200, found.profile);
    return 'invalid' in found ? json(400, { error: found.error, message: found.message }) : json(404, found);
  },
};
