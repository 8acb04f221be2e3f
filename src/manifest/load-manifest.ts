import { manifestUnescape } from './escape.js';
import { goQuote, goQuoteList } from './go-quote.js';
import { ManifestSyntaxError } from './manifest-syntax-error.js';
import { tokenizeManifest, type ManifestTokenVisitor } from './tokenize.js';
import type { ManifestTreeSink } from './tree.js';

const LF = 0x0a;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DIGIT0 = 0x30;
const INT32_MAX = 2147483647;
const BLOCK_64MIB = 67108864;

/**
 * Load manifest text into `sink` with the Arvados Go loader's semantics (`dirnode.loadManifest`):
 * lenient locators (any hash, signed 32-bit size), file tokens split in at most three parts,
 * segments spanning several blocks, zero-size blocks skipped, zero-length tokens inside a block
 * kept as empty segments, repeated tokens concatenated, `.` directory markers, `..` resolution,
 * and Go's error messages.
 *
 * A string is encoded as UTF-8 first. On error the sink may hold a partial tree.
 *
 * @param text manifest bytes (or text)
 * @param sink the tree to fill (normally empty)
 * @throws {ManifestSyntaxError} `ERR_MANIFEST_SYNTAX` with the Go message, `line` and `token`
 * @example loadManifest('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n', new SimpleTree())
 */
export function loadManifest(text: Uint8Array | string, sink: ManifestTreeSink): void {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const n = bytes.length;
  if (n > 0 && bytes[n - 1] !== LF) {
    let lines = 1;
    const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = buf.indexOf(LF); i >= 0; i = buf.indexOf(LF, i + 1)) lines++;
    throw new ManifestSyntaxError(lines, 'no trailing newline');
  }
  tokenizeManifest(bytes, new Loader(bytes, sink));
}

const INT64_MAX_DIGITS = Buffer.from('9223372036854775807', 'latin1');

/**
 * Go `strconv.ParseInt(s, 10, 64)` restricted to results >= 0: the value (inexact above
 * 2^53, see {@link exactDecimal}), or -1 when Go would reject it or it is negative.
 */
function parseNonNegative64(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  const first = bytes[i];
  if (first === PLUS || first === MINUS) {
    negative = first === MINUS;
    i++;
  }
  if (i >= end) return -1;
  while (i < end - 1 && bytes[i] === DIGIT0) i++; // leading zeros
  const digits = end - i;
  if (digits > 19) return -1;
  let value = 0;
  for (let k = i; k < end; k++) {
    const d = bytes[k]! - DIGIT0;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  if (negative && value !== 0) return -1;
  if (digits === 19) {
    for (let k = 0; k < 19; k++) {
      const diff = bytes[i + k]! - INT64_MAX_DIGITS[k]!;
      if (diff !== 0) return diff > 0 ? -1 : value;
    }
  }
  return value;
}

/** The exact value of a decimal accepted by {@link parseNonNegative64}. */
function exactDecimal(bytes: Uint8Array, start: number, end: number): bigint {
  return BigInt(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end));
}

/** Go `strconv.ParseInt(s, 10, 32)` restricted to results >= 0; -1 when rejected. */
function parseLocatorSize(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let negative = false;
  const first = bytes[i];
  if (first === PLUS || first === MINUS) {
    negative = first === MINUS;
    i++;
  }
  if (i >= end) return -1;
  let value = 0;
  for (; i < end; i++) {
    const d = bytes[i]! - DIGIT0;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
    if (value > INT32_MAX + 1) return -1;
  }
  if (negative) return value === 0 ? 0 : -1;
  return value > INT32_MAX ? -1 : value;
}

/** The per-manifest loader state; one line at a time. */
class Loader implements ManifestTokenVisitor {
  readonly #bytes: Uint8Array;
  readonly #buf: Buffer;
  readonly #sink: ManifestTreeSink;
  // Per-line state.
  #line = 0;
  #streamParts: string[] = [];
  #streamDir = -1;
  #anyFile = false;
  #count = 0;
  #locs: number[] = [];
  #starts: number[] = [];
  #sizes: number[] = [];
  #streamLen = 0;
  #all64 = true;
  #lastIdx = 0;
  #files = new Map<string, number>();
  // The file token being processed (for error messages).
  #tokStart = 0;
  #tokEnd = 0;
  #colon1 = 0;
  #colon2 = 0;

  constructor(bytes: Uint8Array, sink: ManifestTreeSink) {
    this.#bytes = bytes;
    this.#buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#sink = sink;
  }

  #text(start: number, end: number): string {
    return this.#buf.toString('latin1', start, end);
  }

  #fail(detail: string, token = ''): never {
    throw new ManifestSyntaxError(this.#line, detail, token);
  }

  stream(start: number, end: number, line: number): void {
    this.#line = line;
    this.#streamParts = manifestUnescape(this.#text(start, end)).split('/');
    this.#streamDir = -1;
    this.#anyFile = false;
    this.#count = 0;
    this.#streamLen = 0;
    this.#all64 = true;
    this.#lastIdx = 0;
    this.#files.clear();
  }

  locator(start: number, end: number): void {
    const bytes = this.#bytes;
    if (this.#anyFile) {
      const token = this.#text(start, end);
      this.#fail(`bad file segment ${goQuote(token)}`, token);
    }
    let plus1 = start;
    while (plus1 < end && bytes[plus1] !== PLUS) plus1++;
    let size = -1;
    if (plus1 < end) {
      let plus2 = plus1 + 1;
      while (plus2 < end && bytes[plus2] !== PLUS) plus2++;
      size = parseLocatorSize(bytes, plus1 + 1, plus2);
    }
    if (size < 0) {
      const token = this.#text(start, end);
      this.#fail(`bad locator ${goQuote(token)}`, token);
    }
    const id = this.#sink.locators.internBytes(bytes, start, end, size);
    const i = this.#count++;
    if (i > 0 && this.#sizes[i - 1] !== BLOCK_64MIB) this.#all64 = false;
    this.#locs[i] = id;
    this.#starts[i] = this.#streamLen;
    this.#sizes[i] = size;
    this.#streamLen += size;
  }

  file(start: number, end: number, colon1: number, colon2: number): void {
    if (this.#count === 0) {
      const token = this.#text(start, end);
      this.#fail(`bad locator ${goQuote(token)}`, token);
    }
    const offset = colon2 < 0 ? -1 : parseNonNegative64(this.#bytes, start, colon1);
    const length = offset < 0 ? -1 : parseNonNegative64(this.#bytes, colon1 + 1, colon2);
    if (length < 0) {
      const token = this.#text(start, end);
      this.#fail(`bad file segment ${goQuote(token)}`, token);
    }
    this.#anyFile = true;
    this.#tokStart = start;
    this.#tokEnd = end;
    this.#colon1 = colon1;
    this.#colon2 = colon2;
    const name = this.#text(colon2 + 1, end);
    let file = this.#files.get(name);
    if (file === undefined) {
      file = this.#resolve(name);
      if (file < 0) {
        if (length === 0) return; // directory marker
        this.#failName('is a directory');
      }
      this.#files.set(name, file);
    }
    if (offset > Number.MAX_SAFE_INTEGER || length > Number.MAX_SAFE_INTEGER) {
      // Go adds int64s: a wrapped (negative) range end maps nothing and raises no error.
      const bytes = this.#bytes;
      const rangeEnd = BigInt.asIntN(64, exactDecimal(bytes, start, colon1) + exactDecimal(bytes, colon1 + 1, colon2));
      if (rangeEnd < 0n) return;
      this.#failRange(); // rangeEnd >= 2^53 is beyond any stream
    }
    this.#map(file, offset, offset + length);
  }

  endLine(): void {
    if (!this.#anyFile) this.#fail('no file segments');
    if (this.#count === 0) this.#fail('no locators');
  }

  /** The current file token as text. */
  #token(): string {
    return this.#text(this.#tokStart, this.#tokEnd);
  }

  /** Fail with Go's `cannot use name %q with length %d: <reason>` for the current file token. */
  #failName(reason: string): never {
    const name = this.#text(this.#colon2 + 1, this.#tokEnd);
    const length = exactDecimal(this.#bytes, this.#colon1 + 1, this.#colon2);
    this.#fail(`cannot use name ${goQuote(name)} with length ${length}: ${reason}`, this.#token());
  }

  #failRange(): never {
    const token = this.#token();
    this.#fail(`invalid segment in ${this.#streamLen}-byte stream: ${goQuote(token)}`, token);
  }

  /** Walk intermediate path components `parts[0, last)` from `node`, creating directories. */
  #walk(node: number, parts: readonly string[], last: number): number {
    const sink = this.#sink;
    for (let i = 0; i < last; i++) {
      const part = parts[i]!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (node === sink.root) this.#failName('invalid argument');
        node = sink.parentOf(node);
        continue;
      }
      const child = sink.childOf(node, part);
      if (child < 0) node = sink.addDir(node, part);
      else if (!sink.isDir(child)) this.#failName('file already exists');
      else node = child;
    }
    return node;
  }

  /** Go `createFileAndParents` for the raw token name: the file node, or -1 for a `.` marker. */
  #resolve(name: string): number {
    const sink = this.#sink;
    if (this.#streamDir < 0) {
      const parts = this.#streamParts;
      this.#streamDir = this.#walk(sink.root, parts, parts.length);
    }
    const parts = name.includes('\\') || name.includes('/') ? manifestUnescape(name).split('/') : [name];
    const dir = this.#walk(this.#streamDir, parts, parts.length - 1);
    const base = parts[parts.length - 1]!;
    if (base === '.') return -1;
    if (base === '' || base === '..') {
      const path = goQuoteList([...this.#streamParts, ...parts]);
      this.#failName(`invalid file part ${goQuote(base)} in path ${path}`);
    }
    const child = sink.childOf(dir, base);
    if (child < 0) return sink.addFile(dir, base);
    if (sink.isDir(child)) this.#failName('cannot rename file to overwrite existing directory');
    return child;
  }

  /** Index of the first block whose end is beyond `offset` (or the block count). */
  #firstBlock(offset: number): number {
    const count = this.#count;
    const starts = this.#starts;
    const sizes = this.#sizes;
    // Every block but the last is 64 MiB; the last may be larger (the loader accepts any int32
    // size), so clamp to it rather than past the end.
    if (this.#all64) return count === 0 ? 0 : Math.min(Math.floor(offset / BLOCK_64MIB), count - 1);
    const last = this.#lastIdx;
    for (let i = last; i < count && i <= last + 1; i++) {
      if (starts[i]! <= offset && starts[i]! + sizes[i]! > offset) return i;
    }
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! + sizes[mid]! > offset) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Map the stream range `[off, rangeEnd)` onto blocks and append the segments to `file`. */
  #map(file: number, off: number, rangeEnd: number): void {
    if (rangeEnd > this.#streamLen) this.#failRange();
    const count = this.#count;
    const starts = this.#starts;
    const sizes = this.#sizes;
    const locs = this.#locs;
    const sink = this.#sink;
    for (let i = this.#firstBlock(off); i < count; i++) {
      const size = sizes[i]!;
      if (size === 0) continue;
      const blockStart = starts[i]!;
      const blockEnd = blockStart + size;
      if (blockEnd <= off) continue;
      if (blockStart >= rangeEnd) break;
      const blkOff = blockStart < off ? off - blockStart : 0;
      const blkLen = (blockEnd < rangeEnd ? blockEnd : rangeEnd) - blockStart - blkOff;
      sink.addSegment(file, locs[i]!, blkOff, blkLen);
      this.#lastIdx = i;
      if (blockEnd >= rangeEnd) break;
    }
  }
}
