/**
 * ReplaceSegments (reference §6.2): validate a `"loc off len" → "loc off len"` map against the
 * stored segments of a collection and decide which segments get which new block coordinates.
 *
 * This module is pure: it never touches a tree. The caller (CollectionFS) walks its stored
 * segments twice — once to build the plan with {@link planSegmentReplacement}, once to apply it
 * with {@link SegmentReplacementPlan.lookup} — holding its tree lock across both walks so the
 * plan cannot go stale in between.
 */
import { KeepError } from '../errors.js';
import { goQuote } from '../manifest/go-quote.js';
import { stripAllHints } from '../manifest/locator.js';

/** A range of a stored block: the wire form of `replace_segments` keys and values. */
export interface BlockSegment {
  /** Locator as stored (`hash+size[+hints]`); keys are compared by hash only. */
  readonly locator: string;
  /** Byte offset of the range within the block. */
  readonly offset: number;
  /** Length of the range in bytes. */
  readonly length: number;
}

/** A stored segment as the caller's tree holds it (only the fields the algorithm reads). */
export interface StoredSegmentLike {
  readonly locator: string;
  readonly offset: number;
  readonly length: number;
}

/** New coordinates for every segment whose `(hash, offset, length)` matched a key. */
export interface SegmentReplacement {
  /** The replacement locator, verbatim (hints and signature kept). */
  readonly locator: string;
  /** The new offset within the replacement block. */
  readonly offset: number;
  /** The replacement block's size (its size hint). */
  readonly blockSize: number;
  /** The segment length (unchanged by a replacement; validated equal). */
  readonly length: number;
}

/** Replacement maps accepted from callers: the JSON object form, a Map of texts, or parsed pairs. */
export type ReplacementMapInput =
  | Readonly<Record<string, string>>
  | ReadonlyMap<string, string>
  | Iterable<readonly [BlockSegment, BlockSegment]>;

/**
 * Format a BlockSegment as Go's `BlockSegment.MarshalText`: `"<locator> <offset> <length>"`.
 * @example formatBlockSegment({ locator: 'acbd18db4cc2f85cedef654fccc4a4d8+3', offset: 0, length: 3 })
 *   // 'acbd18db4cc2f85cedef654fccc4a4d8+3 0 3'
 */
export function formatBlockSegment(seg: BlockSegment): string {
  return `${seg.locator} ${seg.offset} ${seg.length}`;
}

const BLOCK_SEGMENT_RE = /^\s*(\S+)\s+([+-]?\d+)\s+([+-]?\d+)\s*$/;

/**
 * Parse the `"<locator> <offset> <length>"` text form (Go `fmt.Sscanf("%s %d %d")`).
 * @throws KeepError ERR_INVALID_ARGUMENT when the text does not have that shape.
 * @example parseBlockSegment('acbd18db4cc2f85cedef654fccc4a4d8+3 1 2') // { locator: 'acbd…+3', offset: 1, length: 2 }
 */
export function parseBlockSegment(text: string): BlockSegment {
  const m = BLOCK_SEGMENT_RE.exec(text);
  if (!m) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot parse block segment ${JSON.stringify(text)}: want "<locator> <offset> <length>"`);
  const offset = Number(m[2]);
  const length = Number(m[3]);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) {
    throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot parse block segment ${JSON.stringify(text)}: offset or length out of range`);
  }
  return { locator: m[1] as string, offset, length };
}

/**
 * The normalised identity of a stored range: `"<hash> <offset> <length>"` where hash is
 * `stripAllHints(locator)`. Two segments with the same key are "the same segment" for
 * ReplaceSegments, repack planning and the pending `replace_segments` map.
 * @example segmentKey('acbd18db4cc2f85cedef654fccc4a4d8+3+K@xyzzy', 0, 3) // 'acbd18db4cc2f85cedef654fccc4a4d8 0 3'
 */
export function segmentKey(locator: string, offset: number, length: number): string {
  return `${stripAllHints(locator)} ${offset} ${length}`;
}

/**
 * Normalise any accepted input form into parsed pairs, in the input's iteration order.
 * @throws KeepError ERR_INVALID_ARGUMENT when a text key or value cannot be parsed.
 * @example replacementEntries({ 'aaaa…+1 0 1': 'bbbb…+3 2 1' }) // [[{ locator: 'aaaa…+1', offset: 0, length: 1 }, { … }]]
 */
export function replacementEntries(input: ReplacementMapInput): Array<[BlockSegment, BlockSegment]> {
  const out: Array<[BlockSegment, BlockSegment]> = [];
  if (isPairIterable(input)) {
    for (const [k, v] of input) {
      out.push([typeof k === 'string' ? parseBlockSegment(k) : k, typeof v === 'string' ? parseBlockSegment(v) : v]);
    }
    return out;
  }
  for (const [k, v] of Object.entries(input)) out.push([parseBlockSegment(k), parseBlockSegment(v)]);
  return out;
}

function isPairIterable(
  input: ReplacementMapInput,
): input is ReadonlyMap<string, string> | Iterable<readonly [BlockSegment, BlockSegment]> {
  return typeof (input as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/**
 * The validated decisions of {@link planSegmentReplacement}.
 * @example
 * const plan = planSegmentReplacement(segments, map);
 * if (plan.size > 0) for (const s of segments) { const r = plan.lookup(s.locator, s.offset, s.length); … }
 * const changed = plan.appliedCount > 0;
 */
export class SegmentReplacementPlan {
  readonly #todo: Map<string, SegmentReplacement>;
  readonly #applied = new Set<string>();

  /** @internal built by planSegmentReplacement */
  constructor(todo: Map<string, SegmentReplacement>) {
    this.#todo = todo;
  }

  /** Number of distinct source segments (normalised keys) that will be replaced. */
  get size(): number {
    return this.#todo.size;
  }

  /**
   * The replacement for a stored segment, or undefined to leave it alone. Call it for every stored
   * segment (in any order); for a hit, set the segment's locator, offset and block size from the
   * result and keep its length.
   */
  lookup(locator: string, offset: number, length: number): SegmentReplacement | undefined {
    if (this.#todo.size === 0) return undefined;
    const key = segmentKey(locator, offset, length);
    const r = this.#todo.get(key);
    if (r !== undefined) this.#applied.add(key);
    return r;
  }

  /**
   * Number of distinct source segments that {@link lookup} has matched so far: the reference's
   * `len(changed)`, i.e. what `Repack` returns and what decides ReplaceSegments' boolean. A
   * segment shared by several files (same hash, offset and length) counts once.
   */
  get appliedCount(): number {
    return this.#applied.size;
  }

  /** The planned replacements keyed by normalised source key (read-only view). */
  entries(): IterableIterator<[string, SegmentReplacement]> {
    return this.#todo.entries();
  }
}

/**
 * Plan a ReplaceSegments call exactly like the reference (§6.2):
 * 1. keys are normalised to `(hash, offset, length)`;
 * 2. keys that match no stored segment are *missing* (a key covering only part of a segment is
 *    missing too: segments are never split);
 * 3. every entry whose replacement locator string is the target of a missing key is skipped;
 * 4. the other entries are validated, in input order, before anything changes.
 *
 * @param segments every stored segment of the collection (any order; memory segments excluded).
 * @param map the replacements (`"loc off len"` → `"loc off len"`).
 * @returns the plan; apply it with {@link SegmentReplacementPlan.lookup} during a second walk and
 *   report the changes (e.g. with {@link describeChange}). An empty plan means "nothing to do".
 * @throws KeepError ERR_INVALID_ARGUMENT with Go's exact texts: `mismatched length: replacing
 *   segment length X with segment length Y`, `invalid replacement locator`, `invalid size hint in
 *   replacement locator: strconv.ParseInt: parsing "…": invalid syntax`, `invalid replacement:
 *   offset O + length L > block size S`; or when a text key/value cannot be parsed.
 * @example
 * const plan = planSegmentReplacement(file.segments, { 'aaaa…+1 0 1': 'bbbb…+3 2 1' });
 * for (const seg of file.segments) {
 *   const r = plan.lookup(seg.locator, seg.offset, seg.length);
 *   if (r) { seg.locator = r.locator; seg.offset = r.offset; seg.blockSize = r.blockSize; }
 * }
 */
export function planSegmentReplacement(segments: Iterable<StoredSegmentLike>, map: ReplacementMapInput): SegmentReplacementPlan {
  const entries = replacementEntries(map);
  if (entries.length === 0) return new SegmentReplacementPlan(new Map());
  const missing = new Set<string>();
  for (const [orig] of entries) missing.add(segmentKey(orig.locator, orig.offset, orig.length));
  for (const seg of segments) {
    if (missing.size === 0) break;
    missing.delete(segmentKey(seg.locator, seg.offset, seg.length));
  }
  const skip = new Set<string>();
  for (const [orig, repl] of entries) {
    if (missing.has(segmentKey(orig.locator, orig.offset, orig.length))) skip.add(repl.locator);
  }
  const todo = new Map<string, SegmentReplacement>();
  for (const [orig, repl] of entries) {
    if (skip.has(repl.locator)) continue;
    if (orig.length !== repl.length) {
      throw new KeepError('ERR_INVALID_ARGUMENT', `mismatched length: replacing segment length ${orig.length} with segment length ${repl.length}`);
    }
    const blockSize = replacementBlockSize(repl.locator);
    if (repl.offset + repl.length > blockSize) {
      throw new KeepError('ERR_INVALID_ARGUMENT', `invalid replacement: offset ${repl.offset} + length ${repl.length} > block size ${blockSize}`);
    }
    todo.set(segmentKey(orig.locator, orig.offset, orig.length), {
      locator: repl.locator,
      offset: repl.offset,
      blockSize,
      length: orig.length,
    });
  }
  return new SegmentReplacementPlan(todo);
}

/**
 * The block size named by a replacement locator's second `+` part, parsed like Go's
 * `strconv.ParseInt(s, 10, 64)`.
 * @throws KeepError ERR_INVALID_ARGUMENT `invalid replacement locator` (no `+`) or
 *   `invalid size hint in replacement locator: strconv.ParseInt: parsing "<s>": <reason>`.
 * @example replacementBlockSize('acbd18db4cc2f85cedef654fccc4a4d8+3+Afoo@1') // 3
 */
export function replacementBlockSize(locator: string): number {
  const plus = locator.indexOf('+');
  if (plus < 0) throw new KeepError('ERR_INVALID_ARGUMENT', 'invalid replacement locator');
  const next = locator.indexOf('+', plus + 1);
  const hint = locator.slice(plus + 1, next < 0 ? undefined : next);
  const reason = parseInt64Failure(hint);
  if (reason !== undefined) {
    const quoted = goQuote(Buffer.from(hint, 'utf8').toString('latin1'));
    throw new KeepError('ERR_INVALID_ARGUMENT', `invalid size hint in replacement locator: strconv.ParseInt: parsing ${quoted}: ${reason}`);
  }
  return Number(hint);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** Why Go's ParseInt(s, 10, 64) fails for `s`, or undefined when it succeeds. */
function parseInt64Failure(s: string): string | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return 'invalid syntax';
  const v = BigInt(s);
  if (v > INT64_MAX || v < INT64_MIN) return 'value out of range';
  return undefined;
}

/**
 * The `(original → new)` pair to report for a replaced segment, in the form the reference's
 * internal `changed` map uses: key `"<hash> <off> <len>"` (normalised), value the new BlockSegment.
 * @example describeChange(oldSegment, plan.lookup(oldSegment.locator, oldSegment.offset, oldSegment.length)!)
 */
export function describeChange(orig: StoredSegmentLike, repl: SegmentReplacement): [string, BlockSegment] {
  return [segmentKey(orig.locator, orig.offset, orig.length), { locator: repl.locator, offset: repl.offset, length: repl.length }];
}
