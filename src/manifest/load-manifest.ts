import { manifestUnescape } from './escape.js';
import { goQuote, goQuoteList } from './go-quote.js';
import { ManifestSyntaxError } from './manifest-syntax-error.js';
import { exactDecimal, parseLocatorSize, parseNonNegative64 } from './tokenize.js';
import type { ManifestTreeSink } from './tree.js';
import { FNV_OFFSET, FNV_PRIME } from '../util/fnv.js';
import { resized } from '../util/typed-array.js';

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const DIGIT9 = 0x39;
/** Decimals of at most this many digits are exact doubles and parsed inline. */
const FAST_DIGITS = 15;
const PLUS = 0x2b;
const DIGIT0 = 0x30;

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
  new Loader(bytes, sink).run();
}

/** Entries of {@link NameCache} before it starts over (bounds its memory on unique names). */
const NAME_CACHE_LIMIT = 1 << 16;

/**
 * File-token names of one load, keyed by their raw (escaped) bytes in the manifest: each
 * distinct name becomes one string and one split path, however often it repeats, and remembers
 * the file it resolved to on a given line (Go resolves a repeated name to the same file).
 * Starting over loses only that memo: resolving a name again finds the same nodes.
 */
class NameCache {
  readonly #buf: Buffer;
  /** Slot → entry + 1 (0 = empty). */
  #table = new Int32Array(1024);
  #mask = 1023;
  #count = 0;
  #start: number[] = [];
  #len: number[] = [];
  #hash: number[] = [];
  /** The entry looked up after this one last time (-1: none). */
  #next: number[] = [];
  /** The entry of the previous lookup (-1: none). */
  #prev = -1;
  /** The raw token name (byte string). */
  names: string[] = [];
  /** The unescaped name split at `/`, or undefined when it has no `\` and no `/`. */
  parts: Array<string[] | undefined> = [];
  /** The file the name resolved to on line {@link lines}[e]. */
  files: number[] = [];
  lines: number[] = [];

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  /** The entry for the name `buf[start, end)`, added if new. */
  find(start: number, end: number): number {
    const buf = this.#buf;
    const len = end - start;
    const prev = this.#prev;
    if (prev >= 0) {
      // Consecutive tokens often name the same file, and lines often list names in the order
      // an earlier line did: try the previous name, then the one that followed it last time.
      if (this.#len[prev] === len && sameBytes(buf, this.#start[prev]!, start, len)) return prev;
      const next = this.#next[prev]!;
      if (next >= 0 && this.#len[next] === len && sameBytes(buf, this.#start[next]!, start, len)) {
        this.#prev = next;
        return next;
      }
    }
    let h = FNV_OFFSET;
    for (let k = start; k < end; k++) h = Math.imul(h ^ buf[k]!, FNV_PRIME);
    h &= 0x7fffffff;
    let slot = h & this.#mask;
    for (;;) {
      const v = this.#table[slot]!;
      if (v === 0) break;
      const e = v - 1;
      if (this.#hash[e] === h && this.#len[e] === len && sameBytes(buf, this.#start[e]!, start, len)) {
        if (prev >= 0) this.#next[prev] = e;
        this.#prev = e;
        return e;
      }
      slot = (slot + 1) & this.#mask;
    }
    if (this.#count >= NAME_CACHE_LIMIT) {
      this.#clear();
      slot = h & this.#mask;
    }
    const e = this.#count++;
    const name = buf.toString('latin1', start, end);
    this.#start[e] = start;
    this.#len[e] = len;
    this.#hash[e] = h;
    this.names[e] = name;
    this.parts[e] = name.includes('\\') || name.includes('/') ? manifestUnescape(name).split('/') : undefined;
    this.files[e] = -1;
    this.lines[e] = 0;
    this.#next[e] = -1;
    if (this.#prev >= 0) this.#next[this.#prev] = e;
    this.#table[slot] = e + 1;
    if (this.#count * 2 > this.#mask) this.#rehash();
    this.#prev = e;
    return e;
  }

  #clear(): void {
    this.#table.fill(0);
    this.#count = 0;
    this.#prev = -1;
    this.#start = [];
    this.#len = [];
    this.#hash = [];
    this.#next = [];
    this.names = [];
    this.parts = [];
    this.files = [];
    this.lines = [];
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let e = 0; e < this.#count; e++) {
      let slot = this.#hash[e]! & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/** Whether `buf[a, a + len)` equals `buf[b, b + len)` (compared from the end). */
function sameBytes(buf: Buffer, a: number, b: number, len: number): boolean {
  if (a === b) return true;
  for (let k = len - 1; k >= 0; k--) if (buf[a + k] !== buf[b + k]) return false;
  return true;
}

/**
 * The per-manifest loader: one pass over the bytes that splits tokens and applies them (the
 * split follows `tokenizeManifest`: lines end at LF, tokens are separated by single spaces,
 * token 0 is the stream name, a token with `:` is a file token, any other one a locator).
 * The text ends with LF (checked by the caller), so the scans need no bounds checks.
 */
class Loader {
  readonly #buf: Buffer;
  readonly #sink: ManifestTreeSink;
  readonly #names: NameCache;
  // Per-line state.
  #line = 0;
  #streamParts: string[] = [];
  #streamDir = -1;
  #anyFile = false;
  #count = 0;
  // The current stream's blocks (typed arrays, grown by doubling and reused across lines).
  #locs = new Int32Array(1024);
  #starts = new Float64Array(1024);
  #sizes = new Float64Array(1024);
  #streamLen = 0;
  /** Whether every block but the last has the first block's (non-zero) size. */
  #uniform = true;
  #lastIdx = 0;
  // The previous distinct locator token (consecutive tokens often repeat it).
  #prevLocStart = 0;
  #prevLocLen = -1;
  #prevLocId = 0;
  #prevLocSize = 0;
  // The file token being processed (for error messages).
  #tokStart = 0;
  #tokEnd = 0;
  #colon1 = 0;
  #colon2 = 0;
  /** End of the token {@link #general} split. */
  #end = 0;

  constructor(bytes: Uint8Array, sink: ManifestTreeSink) {
    this.#buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#sink = sink;
    this.#names = new NameCache(this.#buf);
  }

  run(): void {
    const buf = this.#buf;
    const n = buf.length;
    let i = 0;
    let line = 0;
    while (i < n) {
      line++;
      const streamStart = i;
      let c = buf[i]!;
      while (c !== SPACE && c !== LF) c = buf[++i]!;
      this.#stream(streamStart, i, line);
      // Locator tokens are most of a large manifest: find their ends with native scans (the
      // line's LF and the next colon are looked up once and reused while still ahead).
      const lineEnd = c === LF ? i : buf.indexOf(LF, i);
      let nextColon = -1;
      // Room for as many blocks as the line can hold (a locator token takes 35+ bytes; untouched
      // capacity costs no memory pages), instead of doubling through a long line.
      if ((lineEnd - i) / 35 > this.#locs.length) this.#growBlocks(Math.ceil((lineEnd - i) / 35));
      while (c === SPACE) {
        const start = ++i;
        if (!this.#anyFile) {
          let end = buf.indexOf(SPACE, start);
          if (end < 0 || end > lineEnd) end = lineEnd;
          if (nextColon < start) {
            nextColon = buf.indexOf(COLON, start);
            if (nextColon < 0) nextColon = n;
          }
          if (end > start && end < nextColon) {
            this.#fastLocator(start, end);
            i = end;
            c = buf[i]!;
            continue;
          }
        }
        // Fast path for the common file token `digits:digits:name` (at most 15 digits each, so
        // the values are exact) once the line's file tokens have begun (before, a token is
        // most likely a locator): parse the numbers in the same pass that finds the token end.
        let offset = 0;
        let length = 0;
        let k = i;
        c = buf[k]!;
        if (this.#anyFile) {
          while (c >= DIGIT0 && c <= DIGIT9) {
            offset = offset * 10 + (c - DIGIT0);
            c = buf[++k]!;
          }
        }
        const colon1 = k;
        if (c === COLON && k > start && k - start <= FAST_DIGITS) {
          c = buf[++k]!;
          while (c >= DIGIT0 && c <= DIGIT9) {
            length = length * 10 + (c - DIGIT0);
            c = buf[++k]!;
          }
          if (c === COLON && k > colon1 + 1 && k - colon1 - 1 <= FAST_DIGITS) {
            const colon2 = k;
            c = buf[++k]!;
            while (c !== SPACE && c !== LF) c = buf[++k]!;
            i = k;
            this.#file(start, i, colon1, colon2, offset, length);
            continue;
          }
        }
        this.#general(start);
        i = this.#end;
        c = buf[i]!;
      }
      this.#endLine();
      i++; // the LF
      if (line === 1 && i < n) this.#sink.progress?.(i, n);
    }
  }

  /** Any token at `start`: split, classify and apply it; sets {@link #end}. */
  #general(start: number): void {
    const buf = this.#buf;
    let i = start;
    let colon1 = -1;
    let colon2 = -1;
    let plus1 = -1;
    let plus2 = -1;
    for (;;) {
      const c = buf[i]!;
      if (c <= COLON) {
        if (c === SPACE || c === LF) break;
        if (c === COLON) {
          if (colon1 < 0) colon1 = i;
          else if (colon2 < 0) colon2 = i;
        } else if (c === PLUS) {
          if (plus1 < 0) plus1 = i;
          else if (plus2 < 0) plus2 = i;
        }
      }
      i++;
    }
    this.#end = i;
    if (colon1 < 0) {
      this.#locator(start, i, plus1, plus2);
    } else {
      const offset = colon2 < 0 ? -1 : parseNonNegative64(buf, start, colon1);
      const length = offset < 0 ? -1 : parseNonNegative64(buf, colon1 + 1, colon2);
      this.#file(start, i, colon1, colon2, offset, length);
    }
  }

  #text(start: number, end: number): string {
    return this.#buf.toString('latin1', start, end);
  }

  #fail(detail: string, token = ''): never {
    throw new ManifestSyntaxError(this.#line, detail, token);
  }

  #stream(start: number, end: number, line: number): void {
    this.#line = line;
    this.#streamParts = manifestUnescape(this.#text(start, end)).split('/');
    this.#streamDir = -1;
    this.#anyFile = false;
    this.#count = 0;
    this.#streamLen = 0;
    this.#uniform = true;
    this.#lastIdx = 0;
  }

  /**
   * A token `buf[start, end)` without colons before any file token: a locator. Finds its first
   * two `+` and parses a plain decimal size inline; anything unusual goes to {@link #locator}.
   */
  #fastLocator(start: number, end: number): void {
    const buf = this.#buf;
    const len = end - start;
    if (len === this.#prevLocLen && sameBytes(buf, this.#prevLocStart, start, len)) {
      this.#pushBlock(this.#prevLocId, this.#prevLocSize);
      return;
    }
    let plus1 = buf.indexOf(PLUS, start);
    if (plus1 >= end) plus1 = -1;
    let k = plus1 + 1;
    let c = buf[k]!;
    let size = 0;
    if (plus1 >= 0 && c >= DIGIT0 && c <= DIGIT9) {
      // At most 9 digits: below 2^31, so no int32 check (longer sizes take the general path).
      const stop = k + 9;
      do {
        size = size * 10 + (c - DIGIT0);
        c = buf[++k]!;
      } while (c >= DIGIT0 && c <= DIGIT9 && k < stop);
    }
    if (plus1 < 0 || k === plus1 + 1 || (k !== end && c !== PLUS)) {
      let plus2 = plus1 < 0 ? -1 : buf.indexOf(PLUS, plus1 + 1);
      if (plus2 >= end) plus2 = -1;
      this.#locator(start, end, plus1, plus2);
      return;
    }
    const id = this.#sink.locators.internBytes(buf, start, end, size);
    this.#prevLocStart = start;
    this.#prevLocLen = len;
    this.#prevLocId = id;
    this.#prevLocSize = size;
    this.#pushBlock(id, size);
  }

  /** Append block `id` of `size` bytes to the current stream. */
  #pushBlock(id: number, size: number): void {
    const i = this.#count++;
    if (i >= this.#locs.length) this.#growBlocks();
    if (i > 0 && this.#sizes[i - 1] !== this.#sizes[0]) this.#uniform = false;
    this.#locs[i] = id;
    this.#starts[i] = this.#streamLen;
    this.#sizes[i] = size;
    this.#streamLen += size;
  }

  #growBlocks(n = this.#locs.length * 2): void {
    this.#locs = resized(this.#locs, n);
    this.#starts = resized(this.#starts, n);
    this.#sizes = resized(this.#sizes, n);
  }

  /** A locator token; `plus1`/`plus2` are its first two `+` (or -1). */
  #locator(start: number, end: number, plus1: number, plus2: number): void {
    if (this.#anyFile) {
      const token = this.#text(start, end);
      this.#fail(`bad file segment ${goQuote(token)}`, token);
    }
    const len = end - start;
    let id: number;
    let size: number;
    if (len === this.#prevLocLen && sameBytes(this.#buf, this.#prevLocStart, start, len)) {
      id = this.#prevLocId;
      size = this.#prevLocSize;
    } else {
      size = plus1 < 0 ? -1 : parseLocatorSize(this.#buf, plus1 + 1, plus2 < 0 ? end : plus2);
      if (size < 0) {
        const token = this.#text(start, end);
        this.#fail(`bad locator ${goQuote(token)}`, token);
      }
      id = this.#sink.locators.internBytes(this.#buf, start, end, size);
      this.#prevLocStart = start;
      this.#prevLocLen = len;
      this.#prevLocId = id;
      this.#prevLocSize = size;
    }
    this.#pushBlock(id, size);
  }

  /**
   * A file token; `colon1`/`colon2` are its first two colons (`colon2` -1 if absent), `offset`
   * and `length` its parsed numbers (-1 for invalid ones).
   */
  #file(start: number, end: number, colon1: number, colon2: number, offset: number, length: number): void {
    if (this.#count === 0) {
      const token = this.#text(start, end);
      this.#fail(`bad locator ${goQuote(token)}`, token);
    }
    if (length < 0) {
      const token = this.#text(start, end);
      this.#fail(`bad file segment ${goQuote(token)}`, token);
    }
    this.#anyFile = true;
    this.#tokStart = start;
    this.#tokEnd = end;
    this.#colon1 = colon1;
    this.#colon2 = colon2;
    const names = this.#names;
    const e = names.find(colon2 + 1, end);
    let file: number;
    if (names.lines[e] === this.#line) {
      file = names.files[e]!;
    } else {
      file = this.#resolve(e);
      if (file < 0) {
        if (length === 0) return; // directory marker
        this.#failName('is a directory');
      }
      names.files[e] = file;
      names.lines[e] = this.#line;
    }
    if (offset > Number.MAX_SAFE_INTEGER || length > Number.MAX_SAFE_INTEGER) {
      // Go adds int64s: a wrapped (negative) range end maps nothing and raises no error.
      const rangeEnd = BigInt.asIntN(64, exactDecimal(this.#buf, start, colon1) + exactDecimal(this.#buf, colon1 + 1, colon2));
      if (rangeEnd < 0n) return;
      this.#failRange(); // rangeEnd >= 2^53 is beyond any stream
    }
    this.#map(file, offset, offset + length);
  }

  #endLine(): void {
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
    const length = exactDecimal(this.#buf, this.#colon1 + 1, this.#colon2);
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

  /** Go `createFileAndParents` for name entry `e`: the file node, or -1 for a `.` marker. */
  #resolve(e: number): number {
    const sink = this.#sink;
    if (this.#streamDir < 0) {
      const parts = this.#streamParts;
      this.#streamDir = this.#walk(sink.root, parts, parts.length);
    }
    const parts = this.#names.parts[e];
    let dir = this.#streamDir;
    let base = this.#names.names[e]!;
    if (parts !== undefined) {
      dir = this.#walk(dir, parts, parts.length - 1);
      base = parts[parts.length - 1]!;
    }
    if (base === '.') return -1;
    if (base === '' || base === '..') {
      const path = goQuoteList([...this.#streamParts, ...(parts ?? [base])]);
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
    // Blocks of one size (normally 64 MiB; bigmanifest's are 99,999 bytes) but the last, which
    // may be larger (the loader accepts any int32 size): divide, clamped to the last block.
    const unit = sizes[0]!;
    if (this.#uniform && unit > 0) return Math.min(Math.floor(offset / unit), count - 1);
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
