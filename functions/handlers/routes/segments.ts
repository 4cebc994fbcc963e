/**
 * GET /v1/segments?q=<query>&format=ndjson|csv: the phones of consenting profiles matching a segment
 * query (docs/profiles.md), as NDJSON (default) or CSV. A bad query is a 400 naming the term.
 * The body is built in the function (API Gateway's 6 MB response limit: about 100k rows); for
 * bigger exports use `phonekey segment --out`.
 */
import { profileViews } from '../../adapters/wiring.ts';
import { parseSegmentQuery, SegmentQueryError } from '../../core/profile/index.ts';
import { loadSettings, segmentOutput, segmentRows } from '../../app/profiles/index.ts';
import { json, type Routes } from './http.ts';

const views = profileViews(process.env.TABLE_NAME!);

export const segmentRoutes: Routes = {
  'GET /v1/segments': async (event) => {
    const params = event.queryStringParameters ?? {};
    const format = (params.format ?? 'ndjson').toLowerCase();
    if (format !== 'ndjson' && format !== 'csv') return json(400, { error: 'segment.bad_format', message: `format must be ndjson or csv, not "${params.format}"` });
    let query;
    try {
      query = parseSegmentQuery(params.q ?? '');
    } catch (error) {
      if (error instanceof SegmentQueryError) return json(400, { error: 'segment.bad_query', message: error.message, position: error.position, term: error.term });
      throw error;
    }
    const out = segmentOutput(format);
    let body = out.header;
    let count = 0;
    for await (const row of segmentRows(views, query, await loadSettings(views))) {
      body += out.line(row);
      count++;
    }
    return { statusCode: 200, headers: { 'content-type': out.contentType, 'x-segment-count': String(count) }, body };
  },
};
