/** Search by number, name (characters or pinyin), e-mail, member id or profile id, a page at a time; or take every customer as a file. */
import { useEffect, useState } from 'preact/hooks';
import { api, download, q } from '../api.ts';
import { t } from '../i18n.ts';
import type { SearchHit, SearchPage } from '../types.ts';

export function Search({ initial }: { initial: string }) {
  const [text, setText] = useState(initial);
  const [hits, setHits] = useState<SearchHit[] | undefined>();
  const [next, setNext] = useState<string | undefined>();
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState('');

  const load = async (query: string, cursor?: string) => {
    try {
      const page = await api<SearchPage>('GET', `/v1/profiles?${q({ q: query, limit: 20, cursor })}`);
      setHits((before) => [...(cursor ? (before ?? []) : []), ...page.profiles]);
      setNext(page.next);
      setTruncated(page.truncated);
      setError('');
    } catch (e) {
      setError(t('common.error', { message: (e as Error).message }));
    }
  };
  useEffect(() => {
    if (initial) void load(initial);
  }, [initial]);

  const submit = (e: Event) => {
    e.preventDefault();
    // the query goes into the address, so a search can be bookmarked and Back returns to it
    location.hash = `#/search?${q({ q: text.trim() })}`;
  };
  const exportAs = (format: 'csv' | 'xlsx') => download(`/v1/export?format=${format}`, `customers.${format}`).catch((e) => setError(t('common.error', { message: (e as Error).message })));
  return (
    <section class="search">
      <p class="toolbar" id="export">
        {t('search.export')}{' '}
        <button type="button" id="export-csv" onClick={() => exportAs('csv')}>CSV</button>{' '}
        <button type="button" id="export-xlsx" onClick={() => exportAs('xlsx')}>XLSX</button>
      </p>
      <form onSubmit={submit}>
        <input id="search-box" type="search" value={text} placeholder={t('search.placeholder')} onInput={(e) => setText(e.currentTarget.value)} autofocus />
        <button type="submit" id="search-submit" disabled={!text.trim()}>{t('search.submit')}</button>
      </form>
      {error && <p class="error" id="search-error">{error}</p>}
      {hits && !hits.length && !error && <p id="no-hits">{t('search.none')}</p>}
      {hits && hits.length > 0 && (
        <table id="hits">
          <thead>
            <tr>
              <th>{t('col.name')}</th>
              <th>{t('col.phone')}</th>
              <th>{t('col.email')}</th>
              <th>{t('col.city')}</th>
              <th>{t('col.spend')}</th>
              <th>{t('col.tags')}</th>
              <th>{t('col.profile')}</th>
            </tr>
          </thead>
          <tbody>
            {hits.map((h) => (
              <tr data-profile={h.profileId}>
                <td>
                  <a href={`#/profile/${h.profileId}`}>{h.name ?? '—'}</a>
                  {h.matched === 'pinyin' && <small class="tag"> {t('search.soundsAlike')}</small>}
                </td>
                <td>{h.phone ?? ''}</td>
                <td>{h.email ?? ''}</td>
                <td>{h.city ?? ''}</td>
                <td>{h.totalSpend ?? ''}</td>
                <td>{h.tags.join(', ')}</td>
                <td>
                  <code>{h.profileId}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {truncated && <p class="hint">{t('search.truncated')}</p>}
      {next && (
        <button type="button" id="more" onClick={() => load(initial, next)}>
          {t('search.more')}
        </button>
      )}
    </section>
  );
}
