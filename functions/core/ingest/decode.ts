/**
 * Streaming text decoding with encoding detection.
 *
 * Order of decisions (first that applies wins):
 *  1. a byte order mark: EF BB BF → UTF-8, FF FE → UTF-16LE, FE FF → UTF-16BE (the BOM wins even
 *     over a configured encoding: it is unambiguous, a config can be stale);
 *  2. the configured encoding;
 *  3. UTF-16 by the NUL-byte pattern of the first bytes (ASCII text in UTF-16 has a zero in every
 *     other byte);
 *  4. otherwise the text is passed through as long as it is pure ASCII (identical in UTF-8 and
 *     GB18030); at the first non-ASCII byte up to 64 KiB are looked at: valid UTF-8 → UTF-8, else
 *     GB18030 (a superset of GBK and GB2312). Deciding late means a GBK file whose first 100,000
 *     lines are ASCII is still read as GBK.
 *
 * Memory: at most the 64 KiB look-ahead plus one chunk.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';
import { peekBytes } from './bytes.ts';

export type TextEncoding = 'utf8' | 'gb18030' | 'gbk' | 'utf16le' | 'utf16be';

/** What the decoder found; `encoding` is filled in once it is known (see rule 4 above). */
export interface DecodeInfo {
  encoding?: TextEncoding;
  bom: boolean;
}

const LOOKAHEAD = 64 * 1024;
const UTF16_SAMPLE = 4096;

/** BOM at the start of `head`, if any. */
export function detectBom(head: Buffer): { encoding: TextEncoding; length: number } | undefined {
  if (head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf8', length: 3 };
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf16le', length: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf16be', length: 2 };
  return undefined;
}

/** UTF-16 without a BOM, recognized by where the zero bytes fall in the first bytes. */
export function detectUtf16(sample: Buffer): TextEncoding | undefined {
  const pairs = Math.floor(Math.min(sample.length, UTF16_SAMPLE) / 2);
  if (pairs < 2) return undefined;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (sample[i] === 0) zeroEven++;
    if (sample[i + 1] === 0) zeroOdd++;
  }
  if (zeroOdd >= pairs * 0.2 && zeroEven <= pairs * 0.02) return 'utf16le';
  if (zeroEven >= pairs * 0.2 && zeroOdd <= pairs * 0.02) return 'utf16be';
  return undefined;
}

/** Length of `buf` without an incomplete UTF-8 sequence at its end. */
export function completeUtf8Length(buf: Uint8Array): number {
  const n = buf.length;
  for (let back = 1; back <= Math.min(4, n); back++) {
    const b = buf[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}

/** Drops an incomplete multi-byte sequence at the end of a sample cut from a longer stream. */
function trimIncompleteUtf8Tail(buf: Buffer): Buffer {
  return buf.subarray(0, completeUtf8Length(buf));
}

/** Decides between UTF-8 and GB18030 for bytes that start at the first non-ASCII byte. */
export function guessUtf8OrGb18030(sample: Buffer, complete: boolean): TextEncoding {
  const probe = complete ? sample : trimIncompleteUtf8Tail(sample);
  return isUtf8(probe) ? 'utf8' : 'gb18030';
}

function firstNonAscii(buf: Buffer): number {
  if (isAscii(buf)) return -1;
  for (let i = 0; i < buf.length; i++) if (buf[i]! >= 0x80) return i;
  return -1;
}

function decoderFor(encoding: TextEncoding) {
  return iconv.getDecoder(encoding, { stripBOM: false });
}

/**
 * Decodes a byte stream into text chunks. `info` is updated as the encoding becomes known.
 * A leading U+FEFF that survives decoding (e.g. a configured UTF-16 file with a BOM) is dropped.
 */
export async function decodeText(
  source: AsyncIterable<Buffer>,
  configured?: TextEncoding,
): Promise<{ info: DecodeInfo; text: AsyncIterable<string> }> {
  const { head, stream } = await peekBytes(source, UTF16_SAMPLE);
  const info: DecodeInfo = { bom: false };
  const bom = detectBom(head);
  let fixed: TextEncoding | undefined;
  let skip = 0;
  if (bom) {
    info.bom = true;
    fixed = bom.encoding;
    skip = bom.length;
  } else if (configured) {
    fixed = configured;
  } else {
    fixed = detectUtf16(head);
  }
  info.encoding = fixed;

  async function* fixedDecode(encoding: TextEncoding): AsyncGenerator<string> {
    const decoder = decoderFor(encoding);
    let first = true;
    let toSkip = skip;
    for await (let buf of stream) {
      if (toSkip > 0) {
        const cut = Math.min(toSkip, buf.length);
        buf = buf.subarray(cut);
        toSkip -= cut;
        if (!buf.length) continue;
      }
      let s = decoder.write(buf);
      if (first && s.length) {
        first = false;
        if (s.charCodeAt(0) === 0xfeff) s = s.slice(1);
      }
      if (s.length) yield s;
    }
    const tail = decoder.end();
    if (tail) yield tail;
  }

  async function* autoDecode(): AsyncGenerator<string> {
    let decoder: ReturnType<typeof decoderFor> | undefined;
    let pending: Buffer[] = [];
    let pendingLength = 0;
    const decide = (complete: boolean): string => {
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
      pending = [];
      pendingLength = 0;
      info.encoding = guessUtf8OrGb18030(data.subarray(0, LOOKAHEAD), complete);
      decoder = decoderFor(info.encoding);
      return decoder.write(data);
    };
    for await (const buf of stream) {
      if (decoder) {
        const s = decoder.write(buf);
        if (s.length) yield s;
        continue;
      }
      if (pendingLength > 0) {
        pending.push(buf);
        pendingLength += buf.length;
      } else {
        const at = firstNonAscii(buf);
        if (at === -1) {
          yield buf.toString('latin1'); // pure ASCII: same in every candidate encoding
          continue;
        }
        if (at > 0) yield buf.toString('latin1', 0, at);
        pending.push(buf.subarray(at));
        pendingLength += buf.length - at;
      }
      if (pendingLength >= LOOKAHEAD) {
        const s = decide(false);
        if (s.length) yield s;
      }
    }
    if (!decoder && pendingLength > 0) {
      const s = decide(true);
      if (s.length) yield s;
    }
    if (!decoder) info.encoding ??= 'utf8'; // all ASCII
    const tail = decoder?.end();
    if (tail) yield tail;
  }

  return { info, text: fixed ? fixedDecode(fixed) : autoDecode() };
}
