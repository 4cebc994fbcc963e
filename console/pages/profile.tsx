/**
 * One customer: the summary, tags with the rule that set each, the four dimensions, where each
 * golden field came from, the records it is made of, its merges with an unmerge button and what
 * the nightly run split off it with an undo button.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api.ts';
import { phoneType, t } from '../i18n.ts';
import type { Lineage, Merge, ProfileDocument, Split } from '../types.ts';

const text = (v: unknown): string => {
  if (v === undefined || v === null || v === '') return '—';
  if (Array.isArray(v)) return v.length ? v.map((x) => (x !== null && typeof x === 'object' ? inline(x as object) : String(x))).join('; ') : '—';
  if (typeof v === 'object') return inline(v as object);
  return String(v);
};
const inline = (o: object): string =>
  Object.entries(o)
    .filter(([, x]) => x !== undefined && x !== null && x !== '')
    .map(([k, x]) => `${k}: ${Array.isArray(x) || typeof x !== 'object' ? (Array.isArray(x) ? x.join(', ') : x) : inline(x)}`)
    .join(', ');

/** An object's facts as a definition list; with lineage, each golden field says where it came from. */
function Facts({ of, lineage, id }: { of: Record<string, unknown>; lineage?: Record<string, Lineage>; id: string }) {
  return (
    <dl id={id}>
      {Object.entries(of)
        .filter(([k]) => k !== 'lineage')
        .map(([k, v]) => {
          // the location's parts come from the surviving address (else city)
          const from = lineage?.[k] ?? (k === 'location' ? (lineage?.address ?? lineage?.city) : undefined);
          return (
            <>
              <dt>{k}</dt>
              <dd data-field={k}>
                {text(v)}
                {from && (
                  <small class="lineage">
                    {' '}
                    ← {from.source}/{from.recordId}
                    {from.at ? ` (${from.at.slice(0, 10)})` : ''}
                    {from.pinnedBy ? ` · ${t('profile.pinnedBy', { by: from.pinnedBy })}` : ''}
                  </small>
                )}
              </dd>
            </>
          );
        })}
    </dl>
  );
}

export function Profile({ id }: { id: string }) {
  const [doc, setDoc] = useState<ProfileDocument | undefined>();
  const [merges, setMerges] = useState<Merge[]>([]);
  const [splits, setSplits] = useState<Split[]>([]);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);

  const load = async () => {
    try {
      const [d, m, sp] = await Promise.all([
        api<ProfileDocument>('GET', `/v1/profiles/${encodeURIComponent(id)}`),
        api<{ merges: Merge[] }>('GET', `/v1/profiles/${encodeURIComponent(id)}/merges`),
        api<{ splits: Split[] }>('GET', `/v1/profiles/${encodeURIComponent(id)}/splits`),
      ]);
      setDoc(d);
      setMerges(m.merges);
      setSplits(sp.splits);
      setError('');
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 ? t('profile.notFound') : t('common.error', { message: (e as Error).message }));
    }
  };
  useEffect(() => {
    void load();
  }, [id]);

  /** A steward's action on the profile's history, once confirmed: its notice, then the page again. */
  const act = async (question: string, run: () => Promise<string>) => {
    if (busy || !confirm(question)) return;
    setBusy(true);
    try {
      setNotice(await run());
      await load();
    } catch (e) {
      setError(t('common.error', { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  const unmerge = (member: string) =>
    act(t('profile.unmergeConfirm', { member }), async () => {
      const out = await api<{ restored: string }>('POST', `/v1/profiles/${encodeURIComponent(id)}/unmerge`, { member });
      return t('profile.unmerged', { member, id: out.restored });
    });
  const undoSplit = (split: Split) =>
    act(t('profile.undoSplitConfirm', { id: split.to }), async () => {
      await api('POST', `/v1/splits/${encodeURIComponent(split.splitId)}/undo`);
      return t('profile.splitUndone', { id: split.to, into: split.from });
    });

  if (!doc) return <p class={error ? 'error' : ''}>{error || t('common.loading')}</p>;
  const v = doc.view;
  return (
    <section class="profile" data-profile={doc.profileId}>
      <h1 id="profile-title">
        {text(v.basic.name)} <code>{doc.profileId}</code>
      </h1>
      <p id="summary">{doc.summary}</p>
      {notice && <p class="notice" id="notice">{notice}</p>}
      {error && <p class="error">{error}</p>}
      <h2>{t('profile.tags')}</h2>
      <ul id="tags" class="tags">
        {v.tags.map((tag) => (
          <li title={tag.rule}>
            {tag.tag} <small>({tag.rule})</small>
          </li>
        ))}
      </ul>
      <div class="dimensions">
        <div>
          <h2>{t('profile.basic')}</h2>
          <Facts id="basic" of={{ phones: doc.phones, ...v.basic }} lineage={v.basic.lineage} />
          <table id="numbers">
            <thead>
              <tr>
                <th>{t('col.phone')}</th>
                <th>{t('numbers.type')}</th>
                <th>{t('numbers.location')}</th>
                <th>{t('numbers.carrier')}</th>
              </tr>
            </thead>
            <tbody>
              {doc.numbers.map((n) => (
                <tr data-number={n.phone}>
                  <td>{n.phone}</td>
                  <td>{phoneType(n.type)}</td>
                  <td>{n.location ?? ''}</td>
                  <td>{n.carrier ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h2>{t('profile.consumption')}</h2>
          <Facts id="consumption" of={v.consumption} />
        </div>
        <div>
          <h2>{t('profile.behaviour')}</h2>
          <Facts id="behaviour" of={v.behaviour} />
        </div>
        <div>
          <h2>{t('profile.demand')}</h2>
          <Facts id="demand" of={v.demand} />
        </div>
      </div>
      <h2>{t('profile.members')}</h2>
      <ul id="members">
        {doc.members.map((m) => (
          <li>
            {m.source}#{m.recordId}
          </li>
        ))}
      </ul>
      <h2>{t('profile.merges')}</h2>
      {!merges.length && <p>{t('profile.noMerges')}</p>}
      <ol id="merges">
        {merges.map((m) => (
          <li data-merge={m.mergeId} class={m.undoneAt ? 'undone' : ''}>
            <b>{m.at.slice(0, 19).replace('T', ' ')}</b> {m.from} → {m.into} · {m.actor}
            {m.score !== undefined && ` · ${m.score.toFixed(2)}`}
            {m.undoneAt && ` · ${t('profile.undone')}`}
            {m.reasons && <small> {m.reasons.join('; ')}</small>}
            <ul>
              {m.moved.members.map((member) => (
                <li>
                  {member}{' '}
                  {!m.undoneAt && (
                    <button type="button" class="unmerge" data-member={member} disabled={busy} onClick={() => unmerge(member)}>
                      {t('profile.unmerge')}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      <h2>{t('profile.splits')}</h2>
      {!splits.length && <p>{t('profile.noSplits')}</p>}
      <ol id="splits">
        {splits.map((sp) => (
          <li data-split={sp.splitId} class={sp.undoneAt ? 'undone' : ''}>
            <b>{sp.at.slice(0, 19).replace('T', ' ')}</b> {sp.from} → {sp.to} · {sp.actor} · {t('profile.gluedBy', { numbers: sp.glue.join(', ') })}
            {sp.undoneAt && ` · ${t('profile.undone')}`}
            <small> {sp.moved.members.join(', ')}</small>{' '}
            {sp.applied && !sp.undoneAt && (
              <button type="button" class="undo-split" disabled={busy} onClick={() => undoSplit(sp)}>
                {t('profile.undoSplit')}
              </button>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
