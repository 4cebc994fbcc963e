/**
 * parsePhone vs calling libphonenumber-js/max directly, side by side on the same realistic stream.
 *
 *   npx tsx bench/phones.bench.ts [--inputs 200000] [--distinct 30000] [--rounds 5]
 *
 * The stream: numbers drawn with Zipf-like repetition (s = 1) from a pool of distinct numbers
 * (mostly Chinese mobiles, then Chinese landlines, 400/800 numbers, HK/MO/TW/US/GB numbers and a
 * share of invalid values), each written in a "home" format most of the time and in another
 * common format otherwise (spaces, dashes, +86, 0086, 86, (+86), full-width, area code in
 * brackets, extensions…).
 *
 * Fairness: the memo caches are emptied before every timed parsePhone round, so each round pays
 * for every first sighting; warm-up runs on a different stream. Baseline per input:
 * `parsePhoneNumberFromString(input, 'CN')`, then `isValid()` and `.number`.
 *
 * Agreement: over every input both accept (the baseline returns a number and parsePhone gives an
 * E.164), E.164 and validity must be equal. Inputs where parsePhone split off an extension the
 * baseline cannot read (010-12345678-123, where the baseline reads one long invalid number) are
 * counted and printed separately, not hidden.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { clearPhoneCache, parsePhone } from '../functions/core/clean/phone.ts';
import { seededRandom } from '../functions/core/random.ts';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}
const N_INPUTS = arg('inputs', 200_000);
const N_DISTINCT = arg('distinct', 30_000);
const ROUNDS = arg('rounds', 5);

const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '134', '135', '136', '137', '138', '139', '145', '147', '150', '151', '152', '153', '155',
  '156', '157', '158', '159', '162', '165', '166', '167', '170', '171', '172', '173', '175', '176', '177', '178', '180',
  '181', '182', '183', '184', '185', '186', '187', '188', '189', '190', '191', '192', '193', '195', '196', '197', '198', '199',
];
const AREA_CODES = ['10', '20', '21', '22', '23', '24', '25', '27', '28', '29', '311', '371', '431', '451', '512', '532', '571', '591', '731', '755', '757', '769', '871', '898', '991'];

type Kind = 'mobile' | 'landline' | 'service' | 'foreign' | 'junk';
interface Num {
  kind: Kind;
  digits: string; // national digits (mobile/service), area+local (landline), or the full text (foreign/junk)
  area?: string;
  home: number;
}

function digitsOf(r: () => number, n: number, first = '0123456789'): string {
  let s = first[Math.floor(r() * first.length)]!;
  for (let i = 1; i < n; i++) s += String(Math.floor(r() * 10));
  return s;
}

function makeNumber(r: () => number): Num {
  const x = r();
  if (x < 0.7) {
    const p = MOBILE_PREFIXES[Math.floor(r() * MOBILE_PREFIXES.length)]!;
    return { kind: 'mobile', digits: p + digitsOf(r, 8), home: Math.floor(r() * 4) };
  }
  if (x < 0.85) {
    const area = AREA_CODES[Math.floor(r() * AREA_CODES.length)]!;
    const len = area.length === 2 ? 8 : r() < 0.8 ? 8 : 7;
    return { kind: 'landline', digits: digitsOf(r, len, '2345678'), area, home: Math.floor(r() * 3) };
  }
  if (x < 0.89) return { kind: 'service', digits: (r() < 0.7 ? '400' : '800') + digitsOf(r, 7), home: 0 };
  if (x < 0.95) {
    const y = r();
    const text =
      y < 0.3 ? `+852 ${digitsOf(r, 4, '5679')} ${digitsOf(r, 4)}` :
      y < 0.45 ? `+853 6${digitsOf(r, 3, '2368')} ${digitsOf(r, 4)}` :
      y < 0.6 ? `+886 9${digitsOf(r, 2)} ${digitsOf(r, 3)} ${digitsOf(r, 3)}` :
      y < 0.85 ? `+1 (${digitsOf(r, 3, '23456789')}) ${digitsOf(r, 3, '23456789')}-${digitsOf(r, 4)}` :
      `+44 7${digitsOf(r, 3)} ${digitsOf(r, 6)}`;
    return { kind: 'foreign', digits: text, home: 0 };
  }
  const junk = [
    () => '1' + digitsOf(r, 9), // too short
    () => '1' + digitsOf(r, 11, '3456789'), // too long
    () => `1${digitsOf(r, 2, '3456789')}****${digitsOf(r, 4)}`, // masked
    () => ['N/A', '无', '-', '暂无', 'null', ''][Math.floor(r() * 6)]!,
    () => ['11111111111', '00000000000', '12345678901', '13333333333'][Math.floor(r() * 4)]!,
    () => digitsOf(r, 8, '2345678'), // landline without area code
    () => '1' + digitsOf(r, 10, '012'), // unassigned 10x/11x/12x
    () => `${digitsOf(r, 11)}abc`,
  ];
  return { kind: 'junk', digits: junk[Math.floor(r() * junk.length)]!(), home: 0 };
}

const FW = (s: string) => s.replace(/[0-9+]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

function render(n: Num, fmt: number, r: () => number): string {
  const d = n.digits;
  if (n.kind === 'mobile') {
    const a = d.slice(0, 3), b = d.slice(3, 7), c = d.slice(7);
    switch (fmt % 10) {
      case 0: return d;
      case 1: return `${a} ${b} ${c}`;
      case 2: return `${a}-${b}-${c}`;
      case 3: return `+86 ${a} ${b} ${c}`;
      case 4: return `+86${d}`;
      case 5: return `86-${d}`;
      case 6: return `0086${d}`;
      case 7: return `(+86)${d}`;
      case 8: return ` ${d} `;
      default: return FW(d);
    }
  }
  if (n.kind === 'landline') {
    const area = n.area!;
    switch (fmt % 8) {
      case 0: return `0${area}-${d}`;
      case 1: return `(0${area})${d}`;
      case 2: return `0${area} ${d.slice(0, 4)} ${d.slice(4)}`;
      case 3: return `+86 ${area} ${d}`;
      case 4: return `0${area}${d}`;
      case 5: return `+86-${area}-${d}`;
      case 6: return `0${area}-${d}转${1 + Math.floor(r() * 899)}`;
      default: return `0${area}-${d}-${1 + Math.floor(r() * 899)}`;
    }
  }
  if (n.kind === 'service') return fmt % 2 ? `${d.slice(0, 3)}-${d.slice(3, 6)}-${d.slice(6)}` : d;
  return d;
}

function buildStream(seed: number, nInputs: number, nDistinct: number): string[] {
  const r = seededRandom(`phones:${seed}`);
  const pool: Num[] = [];
  for (let i = 0; i < nDistinct; i++) pool.push(makeNumber(r));
  // Zipf(s = 1) over the pool.
  const cum = new Float64Array(nDistinct);
  let acc = 0;
  for (let i = 0; i < nDistinct; i++) cum[i] = acc += 1 / (i + 1);
  const out: string[] = [];
  for (let k = 0; k < nInputs; k++) {
    const u = r() * acc;
    let lo = 0, hi = nDistinct - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    const n = pool[lo]!;
    const fmt = r() < 0.7 ? n.home : Math.floor(r() * 10);
    out.push(render(n, fmt, r));
  }
  return out;
}

function baselineRound(stream: string[]): number {
  let sink = 0;
  const t = performance.now();
  for (const s of stream) {
    const p = parsePhoneNumberFromString(s, 'CN');
    if (p) {
      if (p.isValid()) sink++;
      sink += p.number.length;
    }
  }
  const ms = performance.now() - t;
  if (sink === -1) console.log(sink);
  return ms;
}

function parsePhoneRound(stream: string[]): number {
  clearPhoneCache();
  let sink = 0;
  const t = performance.now();
  for (const s of stream) {
    const r = parsePhone(s);
    if (r.valid) sink++;
    if (r.e164) sink += r.e164.length;
  }
  const ms = performance.now() - t;
  if (sink === -1) console.log(sink);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  const stream = buildStream(20240601, N_INPUTS, N_DISTINCT);
  const warm = buildStream(7, Math.min(50_000, N_INPUTS), Math.min(10_000, N_DISTINCT));
  const distinct = new Set(stream).size;
  console.log(`phones bench: ${stream.length} inputs, ${distinct} distinct strings, pool ${N_DISTINCT} numbers, ${ROUNDS} rounds (median)`);

  baselineRound(warm);
  parsePhoneRound(warm);
  const base: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate the order so neither side always runs on a warmer machine.
    if (i % 2 === 0) {
      base.push(baselineRound(stream));
      ours.push(parsePhoneRound(stream));
    } else {
      ours.push(parsePhoneRound(stream));
      base.push(baselineRound(stream));
    }
  }
  const baseRate = stream.length / (median(base) / 1000);
  const ourRate = stream.length / (median(ours) / 1000);

  // Agreement, on a cold cache.
  clearPhoneCache();
  let both = 0, agree = 0, extSplit = 0, onlyBaseline = 0, onlyOurs = 0;
  const disagreements: string[] = [];
  const onlyBaselineReasons = new Map<string, number>();
  for (const s of stream) {
    const p = parsePhoneNumberFromString(s, 'CN');
    const r = parsePhone(s);
    if (p && r.e164) {
      if (r.extension !== undefined && p.ext === undefined && p.number !== r.e164) {
        extSplit++;
        continue;
      }
      both++;
      if (p.number === r.e164 && p.isValid() === r.valid) agree++;
      else if (disagreements.length < 10) disagreements.push(`${JSON.stringify(s)}: baseline ${p.number} ${p.isValid()} / parsePhone ${r.e164} ${r.valid} ${r.problem?.code ?? ''}`);
    } else if (p) {
      onlyBaseline++;
      const code = r.problem?.code ?? 'none';
      onlyBaselineReasons.set(code, (onlyBaselineReasons.get(code) ?? 0) + 1);
    } else if (r.e164) onlyOurs++;
  }
  const pct = both ? (100 * agree) / both : 100;
  console.log(`baseline (libphonenumber-js/max parsePhoneNumberFromString + isValid): ${Math.round(baseRate).toLocaleString('en-US')} inputs/s (median ${median(base).toFixed(1)} ms)`);
  console.log(`parsePhone:                                                          ${Math.round(ourRate).toLocaleString('en-US')} inputs/s (median ${median(ours).toFixed(1)} ms)`);
  console.log(`ratio: ${(ourRate / baseRate).toFixed(2)}x (target >= 3)`);
  console.log(`agreement on E.164 + validity: ${pct.toFixed(3)}% of ${both} inputs both accept`);
  console.log(
    `  not compared: ${extSplit} where parsePhone split off a trailing extension the baseline reads as digits; ` +
      `${onlyBaseline} only the baseline parses (parsePhone rejects: ${[...onlyBaselineReasons].map(([k, v]) => `${k} ${v}`).join(', ')}); ` +
      `${onlyOurs} only parsePhone parses (e.g. 转 extensions)`,
  );
  for (const d of disagreements) console.log(`  DISAGREE ${d}`);
  if (pct < 100 || ourRate / baseRate < 3) process.exitCode = 1;
}

main();
