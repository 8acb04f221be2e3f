/**
 * Go's `strconv.Quote` (the `%q` verb) for byte strings, used to reproduce the Go loader's
 * error messages byte for byte.
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u;

/** Length of the valid UTF-8 sequence at `i` (Go's rules), or 0 when the byte is invalid. */
function utf8SequenceLength(s: string, i: number): number {
  const b0 = s.charCodeAt(i);
  if (b0 < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b0 >= 0xc2 && b0 <= 0xdf) n = 2;
  else if (b0 >= 0xe0 && b0 <= 0xef) {
    n = 3;
    if (b0 === 0xe0) lo = 0xa0;
    else if (b0 === 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    n = 4;
    if (b0 === 0xf0) lo = 0x90;
    else if (b0 === 0xf4) hi = 0x8f;
  } else return 0;
  if (i + n > s.length) return 0;
  const b1 = s.charCodeAt(i + 1);
  if (b1 < lo || b1 > hi) return 0;
  for (let k = 2; k < n; k++) {
    const b = s.charCodeAt(i + k);
    if (b < 0x80 || b > 0xbf) return 0;
  }
  return n;
}

function decodeRune(s: string, i: number, n: number): number {
  const b0 = s.charCodeAt(i);
  if (n === 1) return b0;
  let r = b0 & (n === 2 ? 0x1f : n === 3 ? 0x0f : 0x07);
  for (let k = 1; k < n; k++) r = (r << 6) | (s.charCodeAt(i + k) & 0x3f);
  return r;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0');
}

function escapeRune(r: number): string {
  switch (r) {
    case 0x07: return '\\a';
    case 0x08: return '\\b';
    case 0x0c: return '\\f';
    case 0x0a: return '\\n';
    case 0x0d: return '\\r';
    case 0x09: return '\\t';
    case 0x0b: return '\\v';
  }
  if (r < 0x20 || r === 0x7f) return '\\x' + hex(r, 2);
  if (r < 0x10000) return '\\u' + hex(r, 4);
  return '\\U' + hex(r, 8);
}

/**
 * Quote a byte string the way Go's `strconv.Quote` does: wrapped in `"`, `"` and `\` escaped,
 * printable UTF-8 sequences kept (decoded into the returned JS string), control characters as
 * `\n`/`\t`/`\xNN`, other non-printable runes as `\uXXXX`, invalid UTF-8 bytes as `\xNN`.
 *
 * @param byteString one JS char per byte
 * @returns the quoted text as an ordinary (UTF-16) JS string
 * @example goQuote('a\tb') === '"a\\tb"'
 */
export function goQuote(byteString: string): string {
  let out = '"';
  let i = 0;
  while (i < byteString.length) {
    const n = utf8SequenceLength(byteString, i);
    if (n === 0) {
      out += '\\x' + hex(byteString.charCodeAt(i), 2);
      i += 1;
      continue;
    }
    const r = decodeRune(byteString, i, n);
    i += n;
    if (r === 0x22) out += '\\"';
    else if (r === 0x5c) out += '\\\\';
    else if (r < 0x80) out += r >= 0x20 && r < 0x7f ? String.fromCharCode(r) : escapeRune(r);
    else {
      const ch = String.fromCodePoint(r);
      out += PRINTABLE.test(ch) ? ch : escapeRune(r);
    }
  }
  return out + '"';
}

/**
 * Go's `%q` of a `[]string`: `["a" "b"]`.
 *
 * @param parts byte strings
 * @returns the quoted list
 */
export function goQuoteList(parts: readonly string[]): string {
  return '[' + parts.map(goQuote).join(' ') + ']';
}
