/**
 * Identity routes: check on entry, the review queue, unmerge, merge and split history.
 *   POST /v1/match                         { phone?, name?, email?, birthDate?, address?, city?, … , limit? }
 *   GET  /v1/reviews?limit=N               pending reviews, oldest first
 *   POST /v1/reviews/{id}/approve         { fields?: { name: "a" | "b", … } } the side chosen fields come from
 *   POST /v1/reviews/{id}/reject
 *   POST /v1/profiles/{phone}/unmerge      { member: "source#recordId" }
 *   GET  /v1/profiles/{phone}/merges       the merges that formed the profile, with their reasons
 *   GET  /v1/profiles/{phone}/splits       what the nightly run split off the profile (or the split that founded it)
 *   POST /v1/splits/{id}/undo              merge a split-off profile back, for good
 */
import { identityStore } from '../../adapters/wiring.ts';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { cleanIdentity, parsePhone } from '../../core/clean/index.ts';
import { checkOnEntry, entryInput } from '../../app/identity/check-on-entry.ts';
import { approveReview, rejectReview, ReviewError } from '../../app/identity/reviews.ts';
import { undoSplit } from '../../app/identity/undo-split.ts';
import { PinError, SplitUndoError, UnmergeError } from '../../core/identity/index.ts';
import { unmergeMember } from '../../app/identity/merge-protocol.ts';
import { json, jsonBody, type Routes } from './http.ts';
import { matchRules } from './match-rules.ts';

const store = identityStore(process.env.TABLE_NAME!);

// At init, not on a customer's request: cleaning loads the number tables (region, carrier) and
// the name dictionaries (simplified Chinese, pinyin) on first use, ~0.5 s of CPU per container.
try {
  cleanIdentity({ phone: '13800138001', name: '張偉', email: 'a@example.com', city: '杭州' }, { source: 'init', recordId: 'init', defaultCountry: 'CN' as never });
} catch {
  // a failure here shows on the first real request instead
}

/** Who made a decision: the JWT subject when the API runs behind the JWT authorizer, else `api`. */
const actorOf = (event: APIGatewayProxyEventV2) => {
  const auth = (event.requestContext as { authorizer?: { jwt?: { claims?: { sub?: string } } } }).authorizer;
  return auth?.jwt?.claims?.sub ? `api:${auth.jwt.claims.sub}` : 'api';
};

/** The profile id behind a `{phone}` path parameter: a number (any written form) or a profile id. */
async function profileOf(param: string): Promise<{ ok: true; profileId: string } | { ok: false; status: number; body: unknown }> {
  if (/^p_[0-9a-f]{16}$/.test(param)) {
    const current = await store.currentProfileId(param);
    return current ? { ok: true, profileId: current } : { ok: false, status: 404, body: { error: 'profile.not_found', message: `no profile ${param}` } };
  }
  const parsed = parsePhone(param);
  if (!parsed.valid || !parsed.e164) return { ok: false, status: 400, body: { error: parsed.problem?.code ?? 'phone.invalid', message: parsed.problem?.message ?? `${param} is not a valid phone number` } };
  const id = await store.profileIdForPhone(parsed.e164);
  const current = id && (await store.currentProfileId(id));
  return current ? { ok: true, profileId: current } : { ok: false, status: 404, body: { error: 'profile.not_found', message: `no profile has the number ${parsed.e164}` } };
}

const reviewFailure = (error: unknown) => {
  if (error instanceof ReviewError) return json(error.code === 'review.not_found' ? 404 : 409, { error: error.code, message: error.message });
  if (error instanceof PinError) return json(400, { error: 'review.bad_fields', message: error.message });
  throw error;
};

export const identityRoutes: Routes = {
  'POST /v1/match': async (event) => {
    const body = jsonBody(event);
    if (!body.ok) return body.response;
    const input = entryInput(body.value);
    if ('error' in input) return json(400, { error: 'match.bad_query', message: input.error });
    const limit = Number((body.value as { limit?: unknown }).limit ?? 10);
    const result = await checkOnEntry(store, input, { rules: await matchRules(), limit: Number.isFinite(limit) && limit > 0 ? Math.min(limit, 50) : 10 });
    return json(200, result);
  },

  'GET /v1/reviews': async (event) => {
    const limit = Math.min(500, Math.max(1, Number(event.queryStringParameters?.limit ?? 100) || 100));
    const reviews = await store.pendingReviews(limit);
    return json(200, { reviews, count: reviews.length });
  },

  'POST /v1/reviews/{id}/approve': async (event) => {
    try {
      const body = jsonBody(event);
      if (!body.ok) return body.response;
      return json(200, await approveReview(store, event.pathParameters?.id ?? '', actorOf(event), (body.value as { fields?: unknown }).fields));
    } catch (error) {
      return reviewFailure(error);
    }
  },

  'POST /v1/reviews/{id}/reject': async (event) => {
    try {
      return json(200, await rejectReview(store, event.pathParameters?.id ?? '', actorOf(event)));
    } catch (error) {
      return reviewFailure(error);
    }
  },

  'POST /v1/profiles/{phone}/unmerge': async (event) => {
    const body = jsonBody(event);
    if (!body.ok) return body.response;
    const member = (body.value as { member?: unknown }).member;
    if (typeof member !== 'string' || !member.includes('#')) return json(400, { error: 'unmerge.bad_member', message: 'give "member": "<source>#<recordId>" (as in exports)' });
    const profile = await profileOf(event.pathParameters?.phone ?? '');
    if (!profile.ok) return json(profile.status, profile.body);
    try {
      return json(200, await unmergeMember(store, profile.profileId, member, actorOf(event)));
    } catch (error) {
      if (error instanceof UnmergeError) return json(error.code === 'profile.not_found' ? 404 : 409, { error: error.code, message: error.message });
      throw error;
    }
  },

  'GET /v1/profiles/{phone}/merges': async (event) => {
    const profile = await profileOf(event.pathParameters?.phone ?? '');
    if (!profile.ok) return json(profile.status, profile.body);
    return json(200, { profileId: profile.profileId, merges: await store.mergesInto(profile.profileId) });
  },

  'GET /v1/profiles/{phone}/splits': async (event) => {
    const profile = await profileOf(event.pathParameters?.phone ?? '');
    if (!profile.ok) return json(profile.status, profile.body);
    return json(200, { profileId: profile.profileId, splits: await store.splitsOf(profile.profileId) });
  },

  'POST /v1/splits/{id}/undo': async (event) => {
    try {
      const { split, merge } = await undoSplit(store, event.pathParameters?.id ?? '', actorOf(event));
      return json(200, { split, ...(merge ? { mergeId: merge.mergeId } : {}) });
    } catch (error) {
      if (error instanceof SplitUndoError) return json(error.code === 'split.not_found' ? 404 : 409, { error: error.code, message: error.message });
      throw error;
    }
  },
};
