/**
 * The HTTP API's OpenAPI 3.1 document, served at GET /openapi.json. test/e2e/openapi.test.ts checks
 * that it names exactly the stack's routes and that real answers of every route match it.
 */

import { PINNABLE_FIELDS } from '../core/identity/pins.ts';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const str = { type: 'string' } as const;
const int = { type: 'integer', minimum: 0 } as const;
const num = { type: 'number' } as const;
const strings = { type: 'array', items: str } as const;
const nullable = (type: 'number' | 'integer' | 'string') => ({ type: [type, 'null'] });
/** An object with these required properties (and optional ones), open to additions (clients ignore unknown fields). */
const object = (required: Record<string, unknown>, optional: Record<string, unknown> = {}) => ({
  type: 'object',
  required: Object.keys(required),
  properties: { ...required, ...optional },
});
const json = (schema: unknown, description: string) => ({ description, content: { 'application/json': { schema } } });
const error = (description: string) => json(ref('Error'), description);
const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: str });
/** The page size of the listing routes. */
const PAGE_LIMIT = { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 } };
const PROFILE_REF = pathParam('phone', 'any written form of one of the profile’s numbers, or its profile id (`p_` and 16 hex digits)');
/** What the token authorizer answers before any function runs. */
const AUTH = {
  '401': json(ref('GatewayError'), 'no Authorization header'),
  '403': json(ref('GatewayError'), 'the token (or JWT) was refused'),
};

const schemas = {
  Error: object({ error: { ...str, description: 'a stable code, e.g. `phone.invalid`, `review.not_found`' }, message: str }),
  GatewayError: object({ message: str }),
  NumberFacts: object({ phone: str }, { type: str, region: str, location: str, carrier: str }),
  ListedNumber: {
    allOf: [
      ref('NumberFacts'),
      object(
        {
          standing: { enum: ['personal', 'shared', 'generic'] },
          explanation: str,
          names: strings,
          genders: { type: 'array', items: { enum: ['M', 'F'] } },
          birthDates: int,
          since: str,
          claimedBy: str,
        },
        { genericSince: str },
      ),
    ],
  },
  Member: object({ source: str, recordId: str }),
  FieldLineage: object({ value: str, source: str, recordId: str }, { at: str, pinnedBy: str, pinnedAt: str }),
  Metrics: object({
    totalSpend: num,
    totalSpendCents: { type: 'integer' },
    orderCount: int,
    averageOrderValue: num,
    purchasesPerMonth: num,
    purchaseRecencyDays: nullable('number'),
    recencyDays: nullable('number'),
    interactions90d: int,
  }),
  AppliedTag: object({ tag: str, rule: str }),
  ProfileView: object(
    {
      version: { const: 1 },
      basic: object(
        {
          contacts: object({ phones: strings, emails: strings }),
          location: object({}, { country: str, province: str, city: str, district: str, detail: str, address: str }),
          memberIds: strings,
        },
        { name: str, gender: str, birthDate: str, age: int, lineage: { type: 'object', additionalProperties: ref('FieldLineage') } },
      ),
      consent: { type: 'object', additionalProperties: object({ granted: { type: 'boolean' } }, { at: str, source: str }) },
      consumption: object({ currency: str, totalSpend: str, totalSpendCents: { type: 'integer' }, orderCount: int, products: { type: 'array' }, categories: { type: 'array' } }),
      behaviour: object({ interactions: int, byChannel: { type: 'object' }, byTag: { type: 'object' } }),
      demand: object({ interests: { type: 'array' } }),
      derived: object({ spendingPower: str, activityLevel: str, lifecycle: str }),
      tags: { type: 'array', items: ref('AppliedTag') },
      summary: str,
      language: str,
      memberCount: int,
      computedAt: str,
    },
    { newestMemberAt: str },
  ),
  Profile: object(
    {
      profileId: str,
      phones: strings,
      numbers: { type: 'array', items: ref('NumberFacts') },
      members: { type: 'array', items: ref('Member') },
      metrics: ref('Metrics'),
      tags: strings,
      summary: str,
      view: ref('ProfileView'),
      computedAt: str,
      viewSource: { enum: ['stored', 'live'] },
    },
    { phone: { ...str, description: 'the primary number (E.164); absent on a customer no number keys' }, counters: { type: 'object' }, lastSeenAt: str, createdAt: str, updatedAt: str },
  ),
  SearchHit: object(
    {
      profileId: str,
      matched: { enum: ['profileId', 'phone', 'name', 'pinyin', 'email', 'memberId', 'externalId'] },
      phones: strings,
      tags: strings,
    },
    { phone: str, name: str, email: str, city: str, memberIds: strings, summary: str, totalSpend: num, orderCount: int, lastSeenAt: str },
  ),
  SearchPage: object(
    { q: str, by: str, profiles: { type: 'array', items: ref('SearchHit') }, truncated: { type: 'boolean' } },
    { next: { ...str, description: 'pass as `cursor` for the next page; absent on the last' } },
  ),
  Erased: object({ erased: { type: 'boolean' }, suppressed: int, deleted: { type: 'object', additionalProperties: int }, at: str }, { profileId: str }),
  Candidate: object(
    { profileId: str, score: num, decision: { enum: ['merge', 'review'] }, member: str, fieldScores: { type: 'object', additionalProperties: num }, reasons: strings },
    { phone: str, phones: strings },
  ),
  MatchResult: object({
    query: { type: 'object' },
    problems: { type: 'array', items: object({ code: str, message: str }) },
    candidates: { type: 'array', items: ref('Candidate') },
    stats: object({ keys: int, oversizedBlocks: int, recordsCompared: int }),
  }),
  ReviewSide: object({ key: str, profileId: str }, { record: { type: 'object' } }),
  Review: object(
    {
      reviewId: str,
      status: { enum: ['pending', 'approved', 'rejected'] },
      a: ref('ReviewSide'),
      b: ref('ReviewSide'),
      score: num,
      fieldScores: { type: 'object', additionalProperties: num },
      reasons: strings,
      reason: str,
      createdAt: str,
    },
    { decidedAt: str, decidedBy: str, mergeId: str },
  ),
  Merge: object(
    {
      mergeId: str,
      into: str,
      from: str,
      at: str,
      actor: str,
      reasons: strings,
      moved: object({ phones: strings, members: strings }),
      fromBefore: object({ phones: strings }, { phone: str }),
    },
    { score: num, rule: str, fieldScores: { type: 'object', additionalProperties: num }, reviewId: str, undoneAt: str, undoneBy: str },
  ),
  Split: object(
    {
      splitId: str,
      from: str,
      to: str,
      at: str,
      actor: str,
      runId: str,
      moved: object({ phones: strings, members: strings }),
      counts: { type: 'object', additionalProperties: num },
      glue: strings,
      pair: strings,
      applied: { type: 'boolean', description: 'every member, number and count moved (a nightly run that stopped halfway finishes it when run again)' },
    },
    { undoneAt: str, undoneBy: str, undoneByMerge: str },
  ),
  Unmerged: object({ profileId: str, restored: str, mergeId: str, phones: strings, members: strings }),
  EventVerdict: object({ index: int, status: { enum: ['accepted', 'redelivered', 'rejected'] } }, { eventId: str, tag: str, code: str, message: str }),
  ReportSummary: object(
    { kind: { enum: ['imports', 'nightly'] }, id: str, at: str, counts: { type: 'object', additionalProperties: num } },
    { status: str, source: str, file: str },
  ),
  WebhookSummary: object({ channel: str, accepted: int, redelivered: int, rejected: int, unmapped: int, results: { type: 'array', items: ref('EventVerdict') } }),
};

const text = (type: string, description: string) => ({ description, content: { [type]: { schema: str } } });

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'PhoneKey API',
    version: '1',
    description: 'One trustworthy profile per real customer, keyed by phone number. Every /v1 route needs `Authorization: Bearer <API token>` (or a JWT where the stack is deployed with one).',
  },
  servers: [{ url: '/' }],
  security: [{ token: [] }],
  paths: {
    '/v1/profiles': {
      get: {
        operationId: 'searchProfiles',
        summary: 'Find profiles by a number in any written form, a name (characters or pinyin), an e-mail, a member id, `name=value` of an external id, or a profile id',
        parameters: [
          { name: 'q', in: 'query', required: true, schema: str },
          PAGE_LIMIT,
          { name: 'cursor', in: 'query', schema: str },
        ],
        responses: { '200': json(ref('SearchPage'), 'a page of profiles, exact matches first'), '400': error('an empty or unusable query, a bad limit or cursor'), ...AUTH },
      },
    },
    '/v1/profiles/{phone}': {
      get: {
        operationId: 'getProfile',
        summary: 'One whole profile: four dimensions, metrics, tags with their rules, summary, lineage',
        parameters: [PROFILE_REF],
        responses: { '200': json(ref('Profile'), 'the profile'), '400': error('neither a profile id nor a valid number'), '404': error('no profile has it'), ...AUTH },
      },
      delete: {
        operationId: 'eraseProfile',
        summary: 'Erase a person (profile, numbers, records, events, reviews), keeping a suppression hash so they are not stored again',
        parameters: [PROFILE_REF],
        responses: { '200': json(ref('Erased'), 'erased'), '400': error('not a valid number'), '404': json(ref('Error'), 'nothing stored under it (suppressed anyway)'), ...AUTH },
      },
    },
    '/v1/profiles/{phone}/merges': {
      get: {
        operationId: 'listMerges',
        summary: 'The merges that formed a profile, with their reasons and what moved',
        parameters: [PROFILE_REF],
        responses: {
          '200': json(object({ profileId: str, merges: { type: 'array', items: ref('Merge') } }), 'merges, oldest first'),
          '400': error('neither a profile id nor a valid number'),
          '404': error('no such profile'),
          ...AUTH,
        },
      },
    },
    '/v1/profiles/{phone}/splits': {
      get: {
        operationId: 'listSplits',
        summary: 'What the nightly run split off a profile a number glued (newest first), then the split that founded it, if one did; `POST /v1/splits/{id}/undo` undoes one',
        parameters: [PROFILE_REF],
        responses: {
          '200': json(object({ profileId: str, splits: { type: 'array', items: ref('Split') } }), 'splits'),
          '400': error('neither a profile id nor a valid number'),
          '404': error('no such profile'),
          ...AUTH,
        },
      },
    },
    '/v1/splits/{id}/undo': {
      post: {
        operationId: 'undoSplit',
        summary: 'Undo a split: the split-off profile is merged back (with whatever reached it since) and the pair is remembered as one person, so no re-match splits it again',
        parameters: [pathParam('id', 'the split id (`s_…`), as the profile’s splits and the nightly report name it')],
        responses: {
          '200': json(object({ split: ref('Split') }, { mergeId: str }), 'undone'),
          '404': error('no such split'),
          '409': error('undone already, or still being applied by a nightly run'),
          ...AUTH,
        },
      },
    },
    '/v1/profiles/{phone}/unmerge': {
      post: {
        operationId: 'unmerge',
        summary: 'Undo the merge that brought a record in, exactly; the pair is never merged again automatically',
        parameters: [PROFILE_REF],
        requestBody: { required: true, content: { 'application/json': { schema: object({ member: { ...str, description: '`<source>#<recordId>`' } }) } } },
        responses: {
          '200': json(ref('Unmerged'), 'undone'),
          '400': error('no member given, or not a valid profile reference'),
          '404': error('no such profile'),
          '409': error('no merge brought the member in, or it was undone already'),
          ...AUTH,
        },
      },
    },
    '/v1/export': {
      get: {
        operationId: 'exportCustomers',
        summary: 'The deduplicated customer list as a file: one row per customer (CSV, XLSX) or one profile a line (NDJSON)',
        parameters: [
          { name: 'format', in: 'query', schema: { enum: ['csv', 'xlsx', 'ndjson'], default: 'csv' } },
          { name: 'encoding', in: 'query', description: 'CSV text: UTF-8 with a BOM (for Excel), or GBK', schema: { enum: ['utf8', 'gbk'], default: 'utf8' } },
        ],
        responses: {
          '200': {
            description: 'the file, as an attachment (`customers.<format>`)',
            content: {
              'text/csv': { schema: str },
              'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: { type: 'string', contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' } },
              'application/x-ndjson': { schema: str },
            },
          },
          '400': error('an unknown format or encoding'),
          '413': error('the list is larger than one answer carries (4 MB): `phonekey export` writes any size'),
          ...AUTH,
        },
      },
    },
    '/v1/segments': {
      get: {
        operationId: 'segment',
        summary: 'Phones of consenting profiles matching a segment query',
        parameters: [
          { name: 'q', in: 'query', required: true, schema: str, example: 'tag:high_spending_power city:上海 consent:sms' },
          { name: 'format', in: 'query', schema: { enum: ['ndjson', 'csv'], default: 'ndjson' } },
        ],
        responses: {
          '200': {
            description: 'one row per profile; the count is in `x-segment-count`',
            headers: { 'x-segment-count': { schema: str } },
            content: { 'application/x-ndjson': { schema: str }, 'text/csv': { schema: str } },
          },
          '400': error('a bad query (the term and position are named) or format'),
          ...AUTH,
        },
      },
    },
    '/v1/match': {
      post: {
        operationId: 'checkOnEntry',
        summary: 'Which stored profiles a person may be, with scores and reasons (check on entry)',
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: object({}, {
                phone: str,
                phones: strings,
                name: str,
                email: str,
                gender: str,
                birthDate: str,
                address: str,
                province: str,
                city: str,
                memberId: str,
                externalIds: { type: 'object', additionalProperties: str },
                limit: { type: 'integer', minimum: 1, maximum: 50 },
              }),
            },
          },
        },
        responses: { '200': json(ref('MatchResult'), 'candidates, best first'), '400': error('no usable field, or a body that is not JSON'), ...AUTH },
      },
    },
    '/v1/reviews': {
      get: {
        operationId: 'listReviews',
        summary: 'Pending reviews, oldest first',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } }],
        responses: { '200': json(object({ reviews: { type: 'array', items: ref('Review') }, count: int }), 'pending pairs'), ...AUTH },
      },
    },
    '/v1/reviews/{id}/approve': {
      post: {
        operationId: 'approveReview',
        summary: 'Merge the pair, optionally taking chosen fields from a chosen side',
        parameters: [pathParam('id', 'the review id')],
        requestBody: {
          required: false,
          content: {
            'application/json': {
              schema: object(
                {},
                {
                  fields: {
                    type: 'object',
                    description: 'the side each field’s value comes from; pinned on the merged profile while that record is a member',
                    propertyNames: { enum: [...PINNABLE_FIELDS] },
                    additionalProperties: { enum: ['a', 'b'] },
                  },
                },
              ),
            },
          },
        },
        responses: {
          '200': json(object({ review: ref('Review'), profileId: str }, { mergeId: str, pinned: strings }), 'approved (and merged, unless the two were one profile already)'),
          '400': error('a field a steward cannot choose, a side other than a or b, or a side without that field'),
          '404': error('no such review'),
          '409': error('decided already, or a person forbade the merge'),
          ...AUTH,
        },
      },
    },
    '/v1/reviews/{id}/reject': {
      post: {
        operationId: 'rejectReview',
        summary: 'Not the same person: remembered, never merged automatically',
        parameters: [pathParam('id', 'the review id')],
        responses: { '200': json(object({ review: ref('Review') }), 'rejected'), '404': error('no such review'), '409': error('decided already'), ...AUTH },
      },
    },
    '/v1/numbers': {
      get: {
        operationId: 'listNumbers',
        summary: 'Numbers that are not one person’s own: generic ones key nobody, shared ones link nobody by themselves',
        parameters: [
          { name: 'standing', in: 'query', schema: { enum: ['generic', 'shared'], default: 'generic' } },
          PAGE_LIMIT,
          { name: 'cursor', in: 'query', description: 'the `next` of the page before', schema: str },
        ],
        responses: {
          '200': json(object({ standing: { enum: ['generic', 'shared'] }, numbers: { type: 'array', items: ref('ListedNumber') } }, { next: str }), 'a page of numbers, in E.164 order'),
          '400': error('an unknown standing, a limit out of range or a malformed cursor'),
          ...AUTH,
        },
      },
    },
    '/v1/reports': {
      get: {
        operationId: 'listReports',
        summary: 'Import or nightly-run reports, newest first, with their figures',
        parameters: [
          { name: 'kind', in: 'query', schema: { enum: ['imports', 'nightly'], default: 'imports' } },
          PAGE_LIMIT,
        ],
        responses: {
          '200': json(object({ kind: str, reports: { type: 'array', items: ref('ReportSummary') } }), 'reports'),
          '400': error('an unknown kind'),
          ...AUTH,
        },
      },
    },
    '/v1/reports/{kind}/{id}/{file}': {
      get: {
        operationId: 'getReportFile',
        summary: 'A report’s page, figures or rejected rows, as a file',
        parameters: [
          pathParam('kind', '`imports` or `nightly`'),
          pathParam('id', 'the import id or run id'),
          pathParam('file', '`report.html`, `report.json` or `rejects.csv`'),
        ],
        responses: {
          '200': {
            description: 'the file (as an attachment)',
            content: { 'text/html': { schema: str }, 'application/json': { schema: { type: 'object' } }, 'text/csv': { schema: str } },
          },
          '400': error('an unknown kind or file'),
          '404': error('no such report or file'),
          ...AUTH,
        },
      },
    },
    '/webhooks/{channel}': {
      post: {
        operationId: 'receiveEvents',
        summary: 'Behaviour events from a channel, signed with its secret (no API token)',
        security: [],
        parameters: [
          pathParam('channel', 'a channel registered with `phonekey source put`'),
          { name: 'x-phonekey-timestamp', in: 'header', required: true, schema: str, description: 'unix seconds' },
          { name: 'x-phonekey-signature', in: 'header', required: true, schema: str, description: '`sha256=` HMAC-SHA256 of `<timestamp>.<body>` under the channel secret' },
        ],
        requestBody: { required: true, content: { 'application/json': { schema: { oneOf: [{ type: 'object' }, { type: 'array', items: { type: 'object' }, maxItems: 500 }] } } } },
        responses: {
          '202': json(ref('WebhookSummary'), 'some events stored or redelivered; each has its verdict'),
          '400': json({ oneOf: [ref('WebhookSummary'), ref('Error')] }, 'every event rejected (verdicts), or a body that is not JSON (position named)'),
          '401': error('a missing, stale or wrong signature'),
          '404': error('no such channel'),
          '413': error('more than 1 MiB or 500 events'),
        },
      },
    },
    '/console': {
      get: { operationId: 'console', summary: 'The steward’s console (a page that asks for the API token)', security: [], responses: { '200': text('text/html', 'the page') } },
    },
    '/console/{asset}': {
      get: {
        operationId: 'consoleAsset',
        summary: 'The console’s script and style sheet',
        security: [],
        parameters: [pathParam('asset', '`app.js` or `app.css`')],
        responses: { '200': { description: 'the file', content: { 'text/javascript': { schema: str }, 'text/css': { schema: str } } }, '404': text('text/plain', 'no such file') },
      },
    },
    '/openapi.json': {
      get: { operationId: 'openapi', summary: 'This document', security: [], responses: { '200': json({ type: 'object', required: ['openapi', 'paths'] }, 'OpenAPI 3.1') } },
    },
  },
  components: {
    securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'the API token (`npm start` prints it; Secrets Manager on AWS), or a JWT' } },
    schemas,
  },
};
