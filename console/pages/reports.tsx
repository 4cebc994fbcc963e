/** Imports and nightly runs, newest first, with their figures and their files to download. */
import { useEffect, useState } from 'preact/hooks';
import { api, download } from '../api.ts';
import { t } from '../i18n.ts';
import type { ReportSummary } from '../types.ts';

const FILES = { imports: ['report.html', 'report.json', 'rejects.csv'], nightly: ['report.html', 'report.json'] } as const;

export function Reports() {
  const [kind, setKind] = useState<'imports' | 'nightly'>('imports');
  const [reports, setReports] = useState<ReportSummary[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    setReports(undefined);
    api<{ reports: ReportSummary[] }>('GET', `/v1/reports?kind=${kind}&limit=50`).then(
      (r) => (setReports(r.reports), setError('')),
      (e) => setError(t('common.error', { message: (e as Error).message })),
    );
  }, [kind]);
  const save = (r: ReportSummary, file: string) => download(`/v1/reports/${r.kind}/${encodeURIComponent(r.id)}/${file}`, `${r.id}-${file}`).catch((e) => setError(t('common.error', { message: (e as Error).message })));

  return (
    <section class="reports">
      <div class="toolbar">
        <button type="button" id="tab-imports" class={kind === 'imports' ? 'active' : ''} onClick={() => setKind('imports')}>{t('reports.imports')}</button>
        <button type="button" id="tab-nightly" class={kind === 'nightly' ? 'active' : ''} onClick={() => setKind('nightly')}>{t('reports.nightly')}</button>
      </div>
      {error && <p class="error">{error}</p>}
      {!reports && !error && <p>{t('common.loading')}</p>}
      {reports && !reports.length && <p id="no-reports">{t('reports.none')}</p>}
      {reports && reports.length > 0 && (
        <table id="reports">
          <thead>
            <tr>
              <th>{t('reports.at')}</th>
              <th>{t('reports.what')}</th>
              <th>{t('reports.status')}</th>
              <th>{t('reports.counts')}</th>
              <th>{t('reports.files')}</th>
            </tr>
          </thead>
          <tbody>
            {reports.map((r) => (
              <tr data-report={r.id}>
                <td>{r.at.slice(0, 19).replace('T', ' ')}</td>
                <td>
                  {r.source ? `${r.source}: ${r.file ?? ''}` : r.id}
                  <br />
                  <small>{r.id}</small>
                </td>
                <td>{r.status ?? ''}</td>
                <td class="counts">
                  {Object.entries(r.counts)
                    .map(([k, v]) => `${k} ${v}`)
                    .join(' · ')}
                </td>
                <td>
                  {FILES[r.kind].map((file) => (
                    <button type="button" class="file" data-file={file} onClick={() => save(r, file)}>
                      {file}
                    </button>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
