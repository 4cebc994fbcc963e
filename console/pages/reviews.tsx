/**
 * The review queue: pending pairs (filter by source, score, waiting time), the two records side by
 * side field by field with differences marked and each rule's weight, and one key to decide. Where
 * the two differ, the steward may pick the value the merged profile keeps (pinned on it).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n.ts';
import type { Review, SideRecord } from '../types.ts';

const FIELDS: Array<{ field: keyof SideRecord; rule: string }> = [
  { field: 'name', rule: 'name' },
  { field: 'phones', rule: 'phone' },
  { field: 'email', rule: 'email' },
  { field: 'gender', rule: 'gender' },
  { field: 'birthDate', rule: 'birthDate' },
  { field: 'province', rule: 'province' },
  { field: 'city', rule: 'city' },
  { field: 'address', rule: 'address' },
  { field: 'memberId', rule: 'memberId' },
  { field: 'externalIds', rule: 'externalId' },
];

/** The fields a steward may take from one side when merging (the API's `fields`). */
const CHOOSABLE = new Set<keyof SideRecord>(['name', 'gender', 'birthDate', 'email', 'address', 'province', 'city', 'memberId']);
type Take = Partial<Record<keyof SideRecord, 'a' | 'b'>>;

const show = (v: unknown): string =>
  v === undefined || v === null || v === '' ? '' : Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? Object.entries(v as object).map(([k, x]) => `${k}=${x}`).join(', ') : String(v);
const sourceOf = (key: string) => key.slice(0, key.indexOf('#'));
const daysWaiting = (r: Review) => Math.floor((Date.now() - Date.parse(r.createdAt)) / 86_400_000);

export function Reviews() {
  const [reviews, setReviews] = useState<Review[] | undefined>();
  const [error, setError] = useState('');
  const [notice, setNotice] = useState<{ text: string; profile?: string } | undefined>();
  const [source, setSource] = useState('');
  const [minScore, setMinScore] = useState('');
  const [olderThan, setOlderThan] = useState('');
  const [selected, setSelected] = useState(0);
  const [busy, setBusy] = useState(false);
  const [chosen, setChosen] = useState<{ reviewId?: string; take: Take }>({ take: {} });

  useEffect(() => {
    api<{ reviews: Review[] }>('GET', '/v1/reviews?limit=500').then((r) => setReviews(r.reviews), (e) => setError(e.message));
  }, []);

  const sources = useMemo(() => [...new Set((reviews ?? []).flatMap((r) => [sourceOf(r.a.key), sourceOf(r.b.key)]))].sort(), [reviews]);
  const shown = (reviews ?? []).filter(
    (r) =>
      (!source || sourceOf(r.a.key) === source || sourceOf(r.b.key) === source) &&
      (!minScore || r.score >= Number(minScore)) &&
      (!olderThan || daysWaiting(r) > Number(olderThan)),
  );
  const current = shown[Math.min(selected, shown.length - 1)];
  // values chosen belong to the pair they were chosen on: another pair starts with none (derived
  // here, not reset in an effect, which can run after the steward's first choice and wipe it)
  const take = chosen.reviewId === current?.reviewId ? chosen.take : {};

  const decide = async (decision: 'approve' | 'reject') => {
    if (!current || busy) return;
    setBusy(true);
    try {
      const chosen = decision === 'approve' && Object.keys(take).length ? { fields: take } : undefined;
      const out = await api<{ profileId?: string }>('POST', `/v1/reviews/${encodeURIComponent(current.reviewId)}/${decision}`, chosen);
      const into = out.profileId ?? current.a.profileId;
      setNotice(decision === 'approve' ? { text: t('reviews.approved', { id: into }), profile: into } : { text: t('reviews.rejected') });
      setReviews((all) => (all ?? []).filter((r) => r.reviewId !== current.reviewId));
      setError('');
    } catch (e) {
      setError(t('common.error', { message: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  // the listener is added once and reads the handler of the latest render: one re-added in an effect
  // runs after paint, so a key pressed as a choice appears could still decide with the values before it
  const onKey = useRef<(e: KeyboardEvent) => void>(() => {});
  onKey.current = (e) => {
    // typing in a filter is not a decision; a chosen value (a radio button) keeps the keys working
    const typing = (e.target instanceof HTMLInputElement && e.target.type !== 'radio') || e.target instanceof HTMLSelectElement;
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    if (key === 'a') void decide('approve');
    else if (key === 'r') void decide('reject');
    else if (key === 'j' || key === 'arrowdown') setSelected((i) => Math.min(i + 1, shown.length - 1));
    else if (key === 'k' || key === 'arrowup') setSelected((i) => Math.max(i - 1, 0));
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey.current(e);
    addEventListener('keydown', listener);
    return () => removeEventListener('keydown', listener);
  }, []);

  if (!reviews) return <p>{error || t('common.loading')}</p>;
  return (
    <section class="reviews">
      <div class="toolbar">
        <span id="review-count">{t('reviews.count', { n: reviews.length })}</span>
        <label>
          {t('reviews.source')}
          <select id="filter-source" value={source} onChange={(e) => (setSource(e.currentTarget.value), setSelected(0))}>
            <option value="">{t('reviews.all')}</option>
            {sources.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          {t('reviews.minScore')}
          <input id="filter-score" type="number" step="0.5" value={minScore} onInput={(e) => (setMinScore(e.currentTarget.value), setSelected(0))} />
        </label>
        <label>
          {t('reviews.olderThan')}
          <input id="filter-age" type="number" min="0" value={olderThan} onInput={(e) => (setOlderThan(e.currentTarget.value), setSelected(0))} />
        </label>
        <span>{t('reviews.shown', { n: shown.length })}</span>
      </div>
      {notice && (
        <p class="notice" id="notice">
          {notice.text} {notice.profile && <a href={`#/profile/${notice.profile}`}>{notice.profile}</a>}
        </p>
      )}
      {error && <p class="error">{error}</p>}
      {!shown.length ? (
        <p id="no-reviews">{t('reviews.none')}</p>
      ) : (
        <div class="split">
          <ol class="queue">
            {shown.map((r, i) => (
              <li class={r === current ? 'selected' : ''} onClick={() => setSelected(i)} data-review={r.reviewId}>
                <span>
                  <b>{show(r.a.record?.name) || r.a.key}</b> ↔ <b>{show(r.b.record?.name) || r.b.key}</b>
                </span>
                <small>
                  {r.score.toFixed(1)} · {sourceOf(r.a.key)}/{sourceOf(r.b.key)} · {t('reviews.waiting', { d: daysWaiting(r) })}
                </small>
              </li>
            ))}
          </ol>
          {current && <Pair review={current} busy={busy} onDecide={decide} take={take} onTake={(field, side) => setChosen({ reviewId: current.reviewId, take: { ...take, [field]: side } })} />}
        </div>
      )}
    </section>
  );
}

function Pair({ review, busy, onDecide, take, onTake }: { review: Review; busy: boolean; onDecide: (d: 'approve' | 'reject') => void; take: Take; onTake: (field: keyof SideRecord, side: 'a' | 'b') => void }) {
  const a = review.a.record ?? {};
  const b = review.b.record ?? {};
  const covered = new Set(FIELDS.map((f) => f.rule));
  const otherScores = Object.entries(review.fieldScores).filter(([rule]) => !covered.has(rule));
  return (
    <div class="pair" id="pair">
      <p>
        {t('reviews.score')} <b id="pair-score">{review.score.toFixed(2)}</b> · {t('reviews.reason')}: {review.reason}
      </p>
      <table>
        <thead>
          <tr>
            <th>{t('reviews.field')}</th>
            <th>
              <a href={`#/profile/${review.a.profileId}`}>{review.a.key}</a>
            </th>
            <th>
              <a href={`#/profile/${review.b.profileId}`}>{review.b.key}</a>
            </th>
            <th>{t('reviews.weight')}</th>
          </tr>
        </thead>
        <tbody>
          {FIELDS.filter(({ field }) => show(a[field]) || show(b[field])).map(({ field, rule }) => {
            const x = show(a[field]);
            const y = show(b[field]);
            const weight = review.fieldScores[rule];
            const differs = Boolean(x && y && x !== y);
            // where the two differ, a choice of the value the merged profile keeps
            const cell = (side: 'a' | 'b', value: string) =>
              differs && CHOOSABLE.has(field) ? (
                <label class={take[field] === side ? 'taken' : ''}>
                  <input type="radio" name={`take-${field}`} value={side} checked={take[field] === side} onChange={() => onTake(field, side)} /> {value}
                </label>
              ) : (
                value
              );
            return (
              <tr class={differs ? 'differs' : ''} data-field={field}>
                <th>{field}</th>
                <td>{cell('a', x)}</td>
                <td>{cell('b', y)}</td>
                <td class={weight === undefined ? '' : weight >= 0 ? 'for' : 'against'}>{weight === undefined ? '' : weight.toFixed(2)}</td>
              </tr>
            );
          })}
          {otherScores.map(([rule, weight]) => (
            <tr>
              <th>{rule}</th>
              <td colSpan={2} />
              <td class={weight >= 0 ? 'for' : 'against'}>{weight.toFixed(2)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <ul class="reasons">
        {review.reasons.map((r) => (
          <li>{r}</li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" id="approve" disabled={busy} onClick={() => onDecide('approve')}>{t('reviews.approve')}</button>
        <button type="button" id="reject" disabled={busy} onClick={() => onDecide('reject')}>{t('reviews.reject')}</button>
        <small>{t('reviews.keys')}</small>
        {Object.keys(take).length > 0 && <small id="taking">{t('reviews.taking', { fields: Object.entries(take).map(([f, s]) => `${f} ← ${s === 'a' ? review.a.key : review.b.key}`).join(', ') })}</small>}
      </div>
    </div>
  );
}
