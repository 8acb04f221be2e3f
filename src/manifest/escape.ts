/**
 * Manifest name escaping, byte-compatible with the Arvados Go SDK.
 *
 * Both functions work on *byte strings* (one JS char per byte, latin1), see `tree.ts`.
 */

const NEEDS_ESCAPE = /[\x00-\x20:\\]/;
const NEEDS_ESCAPE_ALL = /[\x00-\x20:\\]/g;
const UNESCAPE = /\\([0-7]{3}|\\)/g;

function escapeByte(ch: string): string {
  return '\\' + ch.charCodeAt(0).toString(8).padStart(3, '0');
}

function unescapeMatch(match: string, body: string): string {
  if (body === '\\') return '\\';
  const value = parseInt(body, 8);
  // Go: strconv.ParseUint(body, 8, 8) fails above 255 and the match is kept verbatim.
  return value <= 255 ? String.fromCharCode(value) : match;
}

/**
 * Escape a name (or stream name) for manifest output: bytes 0x00–0x20, `:` and `\` become a
 * backslash plus three octal digits; every other byte (including DEL, bytes >= 0x80 and `/`)
 * is kept.
 *
 * @param name byte string
 * @returns the escaped byte string
 * @example manifestEscape('a b:c') === 'a\\040b\\072c'
 */
export function manifestEscape(name: string): string {
  if (!NEEDS_ESCAPE.test(name)) return name;
  return name.replace(NEEDS_ESCAPE_ALL, escapeByte);
}

/**
 * Undo manifest escaping like Go's `manifestUnescape`: left to right, non-overlapping,
 * `\ooo` (value <= 255) becomes that byte and `\\` becomes `\`; anything else (`\400`, `\9`,
 * a lone `\`) is left unchanged.
 *
 * @param text byte string
 * @returns the unescaped byte string
 * @example manifestUnescape('a\\040b') === 'a b'
 */
export function manifestUnescape(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(UNESCAPE, unescapeMatch);
}
