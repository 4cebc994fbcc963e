/** Numbers that are not one person's own: generic ones key nobody, shared ones link nobody by themselves; each with its evidence. */
import { useEffect, useState } from 'preact/hooks';
import { api, q } from '../api.ts';
import { phoneType, t } from '../i18n.ts';
import type { ListedNumber, NumberPage } from '../types.ts';

export function Numbers() {
  const [standing, setStanding] = useState<'generic' | 'shared'>('generic');
  const [numbers, setNumbers] = useState<ListedNumber[] | undefined>();
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState('');

  const load = async (cursor?: string) => {
    try {
      const page = await api<NumberPage>('GET', `/v1/numbers?${q({ standing, limit: 50, cursor })}`);
      setNumbers((before) => [...(cursor ? (before ?? []) : []), ...page.numbers]);
      setNext(page.next);
      setError('');
    } catch (e) {
      setError(t('common.error', { message: (e as Error).message }));
    }
  };
  useEffect(() => {
    setNumbers(undefined);
    void load();
  }, [standing]);

  return (
    <section class="numbers">
      <div class="toolbar">
        <button type="button" id="tab-generic" class={standing === 'generic' ? 'active' : ''} onClick={() => setStanding('generic')}>{t('numbers.generic')}</button>
        <button type="button" id="tab-shared" class={standing === 'shared' ? 'active' : ''} onClick={() => setStanding('shared')}>{t('numbers.shared')}</button>
      </div>
      <p class="hint">{t(standing === 'generic' ? 'numbers.genericHint' : 'numbers.sharedHint')}</p>
      {error && <p class="error">{error}</p>}
      {!numbers && !error && <p>{t('common.loading')}</p>}
      {numbers && !numbers.length && <p id="no-numbers">{t('numbers.none')}</p>}
      {numbers && numbers.length > 0 && (
        <table id="listed-numbers">
          <thead>
            <tr>
              <th>{t('col.phone')}</th>
              <th>{t('numbers.type')}</th>
              <th>{t('numbers.location')}</th>
              <th>{t('numbers.names')}</th>
              <th>{t('numbers.why')}</th>
              <th>{t('numbers.claimedBy')}</th>
            </tr>
          </thead>
          <tbody>
            {numbers.map((n) => (
              <tr data-number={n.phone}>
                <td>{n.phone}</td>
                <td>{phoneType(n.type)}</td>
                <td>{n.location ?? ''}</td>
                <td class="names">{n.names.join('、')}</td>
                <td>
                  <small>{n.explanation}</small>
                </td>
                <td>
                  <a href={`#/profile/${n.claimedBy}`}>
                    <code>{n.claimedBy}</code>
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" id="more" onClick={() => load(next)}>
          {t('search.more')}
        </button>
      )}
    </section>
  );
}
