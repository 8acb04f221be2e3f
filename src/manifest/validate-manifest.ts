/**
 * Strict manifest validation with the Arvados API server's rules (reference §1.1, §1.2, §2.1):
 * what a manifest must satisfy to be accepted over the REST API. Unlike the lenient loader,
 * the validator does not stop at the first problem: it reports every violation with its line.
 *
 * Rules, per line (`N` = 1-based line number):
 * - the text is empty, or ends with LF; no line has a trailing space;
 * - token 0 is the stream name: `.` or `./a/b…` after unescaping, components non-empty and
 *   never `.` or `..`; raw bytes `([^\000-\040\\]|\\[0-3][0-7][0-7])+`, so no whitespace,
 *   no raw `\` and no `\4xx`–`\7xx` escapes (reported as ">8-bit encoded chars");
 * - then one or more locators matching `^[0-9a-f]{32}\+[0-9]+(\+[A-Z][A-Za-z0-9@_-]*)*$`;
 * - then one or more file tokens `pos:len:name` with decimal pos/len, the same byte rule for the
 *   name, and after unescaping a name without empty, `.` or `..` components — except the
 *   empty-directory markers `0:0:.` / `0:0:\056`.
 *
 * Messages follow the API server's wording (without its "Manifest invalid for stream N:"
 * prefix, since the line is a separate field); tokens are quoted like Go's `%q`.
 */
import { asBuffer, utf8 } from '../util/bytes.js';
import { manifestUnescape } from './escape.js';
import { goQuote } from './go-quote.js';
import { isStrictLocator } from './locator.js';

/** One violation found by {@link validateManifest}. */
export interface ManifestProblem {
  /** 1-based line number. */
  readonly line: number;
  readonly message: string;
}

const LF = 0x0a;
const ESCAPED_BYTES = String.raw`(?:[^\x00-\x20\\]|\\[0-3][0-7][0-7])+`;
const STREAM_TOKEN = new RegExp(`^${ESCAPED_BYTES}$`);
const FILE_TOKEN = new RegExp(`^[0-9]+:[0-9]+:${ESCAPED_BYTES}$`);
const WIDE_ESCAPE = /(?:^|[^\\])\\[4-7][0-7][0-7]/;
const STREAM_NAME = /^\.(?:\/[^/]+)*$/;
const FILE_NAME = /^[^/]+(?:\/[^/]+)*$/;

function hasDotComponent(parts: readonly string[]): boolean {
  return parts.some((p) => p === '.' || p === '..');
}

function isValidStreamName(raw: string): boolean {
  if (!STREAM_TOKEN.test(raw)) return false;
  const name = manifestUnescape(raw);
  return STREAM_NAME.test(name) && !hasDotComponent(name.split('/').slice(1));
}

function isValidFileToken(raw: string): boolean {
  if (!FILE_TOKEN.test(raw)) return false;
  const colon2 = raw.indexOf(':', raw.indexOf(':') + 1);
  if (!raw.includes('\\') && raw.indexOf('/', colon2) === -1) {
    // Fast path: nothing to unescape and a single path component.
    const name = raw.slice(colon2 + 1);
    return name === '.' ? raw.startsWith('0:0:') : name !== '..';
  }
  const name = manifestUnescape(raw.slice(colon2 + 1));
  if (name === '.') return raw.startsWith('0:0:');
  return FILE_NAME.test(name) && !hasDotComponent(name.split('/'));
}

/** Validate one line (without its LF); problems are appended to `out`. */
function validateLine(text: string, line: number, out: ManifestProblem[]): void {
  const report = (message: string): void => {
    out.push({ line, message });
  };
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x20) end--;
  if (end < text.length) report('trailing space');
  const words = text.slice(0, end).split(' ');
  const stream = words[0] ?? '';
  if (stream === '') {
    report('missing stream name');
    return;
  }
  if (WIDE_ESCAPE.test(stream)) report(`>8-bit encoded chars not allowed on stream token ${goQuote(stream)}`);
  else if (!isValidStreamName(stream)) report(`missing or invalid stream name ${goQuote(stream)}`);

  let i = 1;
  while (i < words.length && isStrictLocator(words[i] ?? '')) i++;
  if (i === 1) {
    const next = words[1];
    report(next === undefined ? 'missing or invalid locator' : `missing or invalid locator ${goQuote(next)}`);
    if (next === undefined) return;
    if (!isValidFileToken(next)) i++; // reported as the bad locator; do not report it twice
  } else if (i === words.length) {
    report('no file tokens');
    return;
  }
  for (; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word.includes('\\') && WIDE_ESCAPE.test(word)) report(`>8-bit encoded chars not allowed on file token ${goQuote(word)}`);
    else if (!isValidFileToken(word)) report(`invalid file token ${goQuote(word)}`);
  }
}

/**
 * Validate a manifest with the API server's strict rules and report every violation.
 *
 * @param text manifest bytes, or a string (encoded as UTF-8)
 * @returns the problems in text order, each with its 1-based line; empty when valid
 * @example validateManifest('. d41d8cd98f00b204e9800998ecf8427e+0 0:0:foo\n') // []
 * @example validateManifest('./a/.. d41d8cd98f00b204e9800998ecf8427e+0 0:0:foo\n') // [{ line: 1, message: 'missing or invalid stream name "./a/.."' }]
 */
export function validateManifest(text: Uint8Array | string): ManifestProblem[] {
  const buf = asBuffer(typeof text === 'string' ? utf8(text) : text);
  const problems: ManifestProblem[] = [];
  let line = 0;
  let start = 0;
  while (start < buf.length) {
    line++;
    const lf = buf.indexOf(LF, start);
    const end = lf === -1 ? buf.length : lf;
    validateLine(buf.toString('latin1', start, end), line, problems);
    if (lf === -1) {
      problems.push({ line, message: 'does not end with newline' });
      break;
    }
    start = lf + 1;
  }
  return problems;
}
