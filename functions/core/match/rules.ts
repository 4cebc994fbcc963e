/**
 * Match rules as data: the zod schema, its parser with path-named errors, and the types the
 * resolver compiles. The shipped default for Chinese customer data is `default-rules.json`
 * beside this file (`defaultMatchRules` in `./index.ts`).
 *
 * How a pair is scored (Fellegi–Sunter style): every comparator turns a field pair into a
 * similarity in [0, 1]; the first of its `levels` whose `min` the similarity reaches gives the
 * comparator's weight, below all levels it gives `else`, and when either side lacks the field it
 * gives `missing` (default 0: no evidence either way). Weights are log2 likelihood ratios
 * (log2 m/u: how much more often this outcome occurs for the same person than for two
 * different people), so the pair score is their sum and reads as "2^score times more likely a
 * match". `thresholds.autoMerge` and `thresholds.review` cut that score.
 *
 * `exact` and `fuzzy` comparators have the same shape. An `exact` comparator reaching
 * similarity 1 (same E.164 number, same e-mail, same member id, same openid) is an exact rule:
 * strong evidence that makes the pair a *strong* edge when its total score passes `autoMerge`
 * (see `guards.chaining`).
 */
import { z } from 'zod';
import { parseRulesDoc, RulesDocError } from '../rules-doc.ts';
// score.ts needs only this file's types, so the import runs no cycle
import { round } from './score.ts';

export const KEY_PARTS = [
  'phone',
  'email',
  'memberId',
  'externalIds.*',
  'nameKey',
  'namePinyin',
  'nameTokens',
  'nameFirstToken',
  'nameLastToken',
  'nameInitials',
  'birthDate',
  'birthYear',
  'birthMonthDay',
  'gender',
  'city',
  'province',
] as const;
/** A blocking key part: one of KEY_PARTS, or `externalIds.<name>` for one external id. */
export type KeyPart = (typeof KEY_PARTS)[number] | `externalIds.${string}`;

export const FIELDS = ['phones', 'email', 'memberId', 'externalIds.*', 'name', 'nameKey', 'namePinyin', 'birthDate', 'gender', 'address', 'province', 'city'] as const;
export type FieldPath = (typeof FIELDS)[number] | `externalIds.${string}`;

export const SIMILARITIES = ['exact', 'levenshtein', 'jaroWinkler', 'tokens', 'name', 'date', 'address'] as const;
export type SimilarityName = (typeof SIMILARITIES)[number];

export const STRATEGIES = ['sourcePriority', 'mostRecent', 'mostComplete', 'mostFrequent'] as const;
export const GOLDEN_FIELDS = ['name', 'email', 'gender', 'birthDate', 'address', 'province', 'city', 'memberId', 'externalIds'] as const;
export const PHONE_STRATEGIES = ['mobile', 'mostFrequent', 'mostRecent', 'sourcePriority'] as const;

const id = z.string().regex(/^[A-Za-z][\w.-]*$/, 'must start with a letter and hold only letters, digits, "_", "-", "."');
const externalPath = z.string().regex(/^externalIds\.[^.\s]+$/, 'must be externalIds.<name>');

const keyPart = z.union([z.enum(KEY_PARTS), externalPath], {
  error: `must be one of ${KEY_PARTS.join(', ')} or externalIds.<name>`,
});
const field = z.union([z.enum(FIELDS), externalPath], { error: `must be one of ${FIELDS.join(', ')} or externalIds.<name>` });

const LevelSchema = z
  .object({
    min: z.number().min(0).max(1),
    weight: z.number(),
    label: z.string().optional(),
    /** Learned: share of same-person pairs reaching this level (m), of different-people pairs (u). */
    m: z.number().min(0).max(1).optional(),
    u: z.number().min(0).max(1).optional(),
  })
  .strict();

/** Fields whose exact agreement can be weighed by how common the value is. */
export const TF_FIELDS = ['name', 'nameKey', 'namePinyin', 'birthDate', 'gender', 'city', 'province', 'address'] as const;

const ComparatorSchema = z
  .object({
    id,
    field,
    similarity: z.enum(SIMILARITIES),
    levels: z.array(LevelSchema).min(1),
    else: z.number(),
    /** Learned m and u of `else` (below every level). */
    elseM: z.number().min(0).max(1).optional(),
    elseU: z.number().min(0).max(1).optional(),
    missing: z.number().default(0),
    /**
     * Term frequencies: the share of records carrying each common value. Agreeing exactly on one
     * of them weighs log2(m / share) instead of the first level's weight, so two 张伟 count for
     * less than two 欧阳娜娜. Needs the first level's `m`.
     */
    tf: z.record(z.string(), z.number().gt(0).max(1)).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.tf && c.levels[0]!.m === undefined) ctx.addIssue({ code: 'custom', path: ['tf'], message: 'needs levels[0].m (the share of same-person pairs agreeing exactly)' });
    if (c.tf && !(TF_FIELDS as readonly string[]).includes(c.field)) ctx.addIssue({ code: 'custom', path: ['tf'], message: `applies to ${TF_FIELDS.join(', ')} only` });
    for (let i = 1; i < c.levels.length; i++) {
      if (c.levels[i]!.min >= c.levels[i - 1]!.min) {
        ctx.addIssue({ code: 'custom', path: ['levels', i, 'min'], message: 'levels must be listed by strictly decreasing min' });
      }
    }
    if (c.similarity === 'name' && c.field !== 'name') {
      ctx.addIssue({ code: 'custom', path: ['field'], message: 'similarity "name" compares nameKey and namePinyin: use field "name"' });
    }
    if (c.field === 'name' && c.similarity !== 'name') {
      ctx.addIssue({ code: 'custom', path: ['similarity'], message: 'field "name" needs similarity "name" (use nameKey or namePinyin for other similarities)' });
    }
    if (c.similarity === 'date' && c.field !== 'birthDate') {
      ctx.addIssue({ code: 'custom', path: ['similarity'], message: 'similarity "date" applies to birthDate only' });
    }
  });

const BlockingSchema = z
  .object({
    id,
    parts: z.array(keyPart).min(1).max(4),
    /** The value identifies a person on its own (phone, e-mail, member id): checked for generic values. */
    identifier: z.boolean().default(false),
    /** Blocks larger than this are compared by a sliding window instead of all pairs. */
    maxBlockSize: z.number().int().min(2).optional(),
    /** Window of that comparison for this block (default guards.windowSize). */
    windowSize: z.number().int().min(1).optional(),
    /**
     * false: only the batch re-match (resolve, the nightly run) blocks on it; records are not
     * indexed under it, so arrival and the check on entry neither write nor read it (a broad block
     * that pays in the batch and would cost an index entry and a read per arriving record).
     */
    onArrival: z.boolean().default(true),
  })
  .strict();

const ConflictSchema = z
  .object({
    id,
    /** Comparator ids that all reached full agreement (similarity 1) … */
    shared: z.array(z.string()).min(1),
    /** … while these comparator ids all disagree (below their lowest level, both sides present). */
    differ: z.array(z.string()).min(1),
    /**
     * … and, when set, the two records were observed (`observedAt`, both dated) at least this many
     * days apart: a number that changed hands between a former holder and the next.
     */
    observedApartDays: z.number().int().min(1).optional(),
    /** review: never auto-merge, queue for a person; reject: never link, never queue. */
    action: z.enum(['review', 'reject']),
  })
  .strict();

const strategies = z.array(z.enum(STRATEGIES)).min(1);
const probability = z.number().gt(0).lt(1);

/** The score at which a pair's match probability reaches `p`, given the prior log2 odds. */
export function scoreForProbability(p: number, prior: number): number {
  return Math.log2(p / (1 - p)) - prior;
}

/** A pair's match probability from its score and the prior log2 odds. */
export function matchProbability(score: number, prior: number): number {
  return 1 / (1 + 2 ** -(prior + score));
}

type Thresholds = { autoMerge?: number | undefined; review?: number | undefined; matchProbability?: { autoMerge: number; review: number } | undefined };

/** The score thresholds, written as scores or derived from match probabilities and the prior; a string says what is wrong. */
function scoreThresholds(r: { prior?: number | undefined; thresholds: Thresholds }): { autoMerge: number; review: number } | string {
  const t = r.thresholds;
  if (!t.matchProbability) return t.autoMerge !== undefined && t.review !== undefined ? { autoMerge: t.autoMerge, review: t.review } : 'give autoMerge and review, or matchProbability';
  if (r.prior === undefined) return 'matchProbability needs the prior (log2 odds that two random records match)';
  const derived = { autoMerge: scoreForProbability(t.matchProbability.autoMerge, r.prior), review: scoreForProbability(t.matchProbability.review, r.prior) };
  // a parsed document written back carries the derived scores: they must be the ones derived
  for (const k of ['autoMerge', 'review'] as const) {
    const given = t[k];
    if (given !== undefined && Math.abs(given - derived[k]) > 1e-6) return `${k} ${given} contradicts matchProbability (score ${round(derived[k])}): give one of them`;
  }
  return derived;
}

export const MatchRulesSchema = z
  .object({
    version: z.literal(1),
    description: z.string().optional(),
    blocking: z.array(BlockingSchema).min(1),
    exact: z.array(ComparatorSchema),
    fuzzy: z.array(ComparatorSchema),
    /**
     * log2 of the odds that two records picked at random are the same person (learned by
     * `rules learn`): a pair's match probability is 1 / (1 + 2^-(prior + score)).
     */
    prior: z.number().max(0).optional(),
    thresholds: z
      .object({
        /** Score at or above which a pair is merged automatically. */
        autoMerge: z.number().optional(),
        /** Score at or above which (and below autoMerge) a pair goes to the review queue. */
        review: z.number().optional(),
        /** The same cuts as match probabilities (needs `prior`); the scores then follow from them. */
        matchProbability: z.object({ autoMerge: probability, review: probability }).strict().optional(),
      })
      .strict(),
    guards: z
      .object({
        /** A cluster never grows beyond this many records by automatic merges. */
        maxClusterSize: z.number().int().min(2).default(200),
        /** Default for blocking[].maxBlockSize. */
        maxBlockSize: z.number().int().min(2).default(200),
        /** Window of the sorted-neighbourhood comparison used inside oversized blocks. */
        windowSize: z.number().int().min(1).default(20),
        genericValue: z
          .object({
            /** An identifier value shared by records with more than this many distinct names is generic. */
            maxDistinctNames: z.number().int().min(1).default(4),
            /** … or shared by more than this many records at all. */
            maxRecords: z.number().int().min(2).default(1000),
            /**
             * Numbers generic whatever the evidence, in any written form: a placeholder a channel
             * types (13800000000 is caught by cleaning; 4008-123-123 is not), a shop's own line.
             */
            numbers: z.array(z.string().min(1)).default([]),
          })
          .strict()
          .default({ maxDistinctNames: 4, maxRecords: 1000, numbers: [] }),
        conflicts: z.array(ConflictSchema).default([]),
        chaining: z
          .object({
            /** Score from which an edge is strong even without an exact rule. */
            strongScore: z.number(),
            /** A compared pair scoring below this is counted as evidence against joining two clusters. */
            conflictBelow: z.number().default(0),
            /** A weak edge joining two multi-record clusters needs this many merge-level pairs across them. */
            minSupport: z.number().int().min(1).default(2),
          })
          .strict(),
      })
      .strict(),
    /** The nightly run re-learns the weights from the whole table before it re-matches (core/match/learn.ts), and stores them as the rules in force. */
    learning: z
      .object({
        nightly: z.boolean().default(false),
        /** Learn from an even sample of at most this many records (default: all). */
        sample: z.number().int().min(2).optional(),
        /** A smaller table keeps the rules it has: a few hundred records estimate m and u by noise. */
        minRecords: z.number().int().min(2).default(1000),
      })
      .strict()
      .default({ nightly: false, minRecords: 1000 }),
    survivorship: z
      .object({
        /** Sources in order of trust, most trusted first; unlisted sources come last. */
        sourcePriority: z.array(z.string()).default([]),
        default: strategies,
        fields: z.partialRecord(z.enum(GOLDEN_FIELDS), strategies).default({}),
        primaryPhone: z.array(z.enum(PHONE_STRATEGIES)).min(1).default(['mobile', 'mostFrequent', 'mostRecent']),
      })
      .strict(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const t = scoreThresholds(r);
    if (typeof t === 'string') ctx.addIssue({ code: 'custom', path: ['thresholds'], message: t });
    else if (t.review > t.autoMerge) {
      ctx.addIssue({ code: 'custom', ...(r.thresholds.matchProbability ? { path: ['thresholds', 'matchProbability'], message: 'review must not exceed autoMerge' } : { path: ['thresholds', 'review'], message: 'must not exceed thresholds.autoMerge' }) });
    }
    if (typeof t !== 'string' && r.guards.chaining.strongScore < t.autoMerge) {
      const derived = r.thresholds.matchProbability ? ` (score ${round(t.autoMerge)})` : '';
      ctx.addIssue({ code: 'custom', path: ['guards', 'chaining', 'strongScore'], message: `must be at least thresholds.autoMerge${derived}` });
    }
    const seen = new Map<string, string>();
    for (const section of ['blocking', 'exact', 'fuzzy'] as const) {
      r[section].forEach((item, i) => {
        const where = seen.get(`${section === 'blocking' ? 'b' : 'c'}:${item.id}`);
        if (where) ctx.addIssue({ code: 'custom', path: [section, i, 'id'], message: `duplicate id "${item.id}" (also at ${where})` });
        seen.set(`${section === 'blocking' ? 'b' : 'c'}:${item.id}`, `${section}[${i}]`);
      });
    }
    const comparatorIds = new Set([...r.exact, ...r.fuzzy].map((c) => c.id));
    r.guards.conflicts.forEach((c, i) => {
      for (const key of ['shared', 'differ'] as const) {
        c[key].forEach((cid, j) => {
          if (!comparatorIds.has(cid)) {
            ctx.addIssue({ code: 'custom', path: ['guards', 'conflicts', i, key, j], message: `unknown comparator "${cid}" (known: ${[...comparatorIds].join(', ')})` });
          }
        });
      }
    });
  })
  .transform((r) => ({ ...r, thresholds: { ...r.thresholds, ...(scoreThresholds(r) as { autoMerge: number; review: number }) } }));

/** Validated rules: `thresholds.autoMerge` and `review` are scores, computed when written as probabilities. */
export type MatchRules = z.infer<typeof MatchRulesSchema>;
/** The rules as written in a JSON file (defaults not yet applied). */
export type MatchRulesInput = z.input<typeof MatchRulesSchema>;
export type Comparator = MatchRules['exact'][number];
export type BlockingKey = MatchRules['blocking'][number];
export type Strategy = (typeof STRATEGIES)[number];
export type GoldenField = (typeof GOLDEN_FIELDS)[number];

/** Raised by parseMatchRules: `issues` are `path: message` lines, e.g. `fuzzy[1] (name).levels[0].min: …`. */
export class MatchRulesError extends RulesDocError {
  constructor(issues: string[]) {
    super('match rules', issues);
    this.name = 'MatchRulesError';
  }
}

/** Validates match rules given as a JSON string or an already parsed value; throws MatchRulesError. */
export function parseMatchRules(json: unknown): MatchRules {
  return parseRulesDoc(MatchRulesSchema, json, { what: 'match rules', error: (issues) => new MatchRulesError(issues) });
}
