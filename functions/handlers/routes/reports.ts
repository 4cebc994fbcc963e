/**
 * GET /v1/reports?kind=imports|nightly&limit=N: the newest reports with their figures.
 * GET /v1/reports/{kind}/{id}/{file}: a report's report.html, report.json or rejects.csv.
 */
import { reportStore } from '../../adapters/wiring.ts';
import { listReports, reportFile, reportKind, ReportRequestError } from '../../app/reports.ts';
import { json, type Routes } from './http.ts';

const reports = reportStore(process.env.REPORTS_BUCKET!);

const TYPES = { 'report.html': 'text/html; charset=utf-8', 'report.json': 'application/json; charset=utf-8', 'rejects.csv': 'text/csv; charset=utf-8' } as const;

const refused = (error: unknown) => {
  if (error instanceof ReportRequestError) return json(400, { error: 'report.bad_request', message: error.message });
  throw error;
};

export const reportRoutes: Routes = {
  'GET /v1/reports': async (event) => {
    try {
      const kind = reportKind(event.queryStringParameters?.kind ?? 'imports');
      const limit = Math.min(100, Math.max(1, Number(event.queryStringParameters?.limit ?? 20) || 20));
      const list = await listReports(reports, kind, limit);
      return json(200, { kind, reports: list });
    } catch (error) {
      return refused(error);
    }
  },

  'GET /v1/reports/{kind}/{id}/{file}': async (event) => {
    try {
      const kind = reportKind(event.pathParameters?.kind);
      const file = reportFile(event.pathParameters?.file);
      const id = event.pathParameters?.id ?? '';
      const body = /^[\w.-]{1,100}$/.test(id) ? await reports.read(kind, id, file) : undefined;
      if (body === undefined) return json(404, { error: 'report.not_found', message: `no ${file} in ${kind} report ${id}` });
      // a report page is a file to save and open, not a page of this origin
      return { statusCode: 200, headers: { 'content-type': TYPES[file], 'content-disposition': `attachment; filename="${id}-${file}"` }, body };
    } catch (error) {
      return refused(error);
    }
  },
};
