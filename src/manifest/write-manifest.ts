import { manifestEscape } from './escape.js';
import type { ManifestTreeView } from './tree.js';

const EMPTY_LOCATOR = 'd41d8cd98f00b204e9800998ecf8427e+0';
const INITIAL_CAPACITY = 4096;

/** Strings shorter than this are batched before they are encoded into the buffer. */
const PENDING_CHARS = 2048;

/**
 * Appends latin1 strings to one growing buffer (capacity doubles; no repeated concat). Short
 * strings are joined first, so a 100,000-token line makes a few hundred encoder calls, not 100,000.
 */
class ByteSink {
  #buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
  #len = 0;
  #pending = '';

  write(text: string): void {
    const pending = this.#pending + text;
    if (pending.length < PENDING_CHARS) this.#pending = pending;
    else {
      this.#pending = '';
      this.#encode(pending);
    }
  }

  /** Append everything written to `other`. */
  append(other: ByteSink): void {
    other.#settle();
    this.#settle();
    const need = this.#len + other.#len;
    if (need > this.#buf.length) this.#grow(need);
    this.#len += other.#buf.copy(this.#buf, this.#len, 0, other.#len);
  }

  /** Forget the contents, keeping the capacity. */
  reset(): void {
    this.#len = 0;
    this.#pending = '';
  }

  /** The written bytes in a right-sized, fresh buffer. */
  finish(): Uint8Array {
    this.#settle();
    const out = new Uint8Array(this.#len);
    out.set(this.#buf.subarray(0, this.#len));
    return out;
  }

  #settle(): void {
    if (this.#pending.length === 0) return;
    const pending = this.#pending;
    this.#pending = '';
    this.#encode(pending);
  }

  #encode(text: string): void {
    const need = this.#len + text.length;
    if (need > this.#buf.length) this.#grow(need);
    this.#len += this.#buf.write(text, this.#len, 'latin1');
  }

  #grow(need: number): void {
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = Buffer.allocUnsafe(cap);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }
}

function byteOrder(a: readonly [string, number], b: readonly [string, number]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Sorted directory listings a tree may offer (FsTree does: a radix sort of its byte-string
 * names), used instead of sorting `[name, node]` pairs with a comparator; a caller may also hand
 * in listings it already sorted for a flush.
 */
export interface ChildOrder {
  /** Child names of `dir` in byte order (the writer does not modify the array). */
  sortedNames(dir: number): readonly string[];
  /** The child called `name` in `dir`. */
  childOf(dir: number, name: string): number;
  /** Optional: {@link sortedNames} with the node of each name, so the writer looks up no name. */
  sortedChildren?(dir: number): { readonly names: readonly string[]; readonly nodes: readonly number[] };
}

function isChildOrder(view: ManifestTreeView): view is ManifestTreeView & ChildOrder {
  const v = view as Partial<ChildOrder>;
  return typeof v.sortedNames === 'function' && typeof v.childOf === 'function';
}

/** The block list of a long stream line is written out in pieces of about this many chars. */
const LINE_CHUNK_CHARS = 1 << 16;

/**
 * Serialise a tree exactly like the Arvados Go SDK's `MarshalManifest(prefix)`: pre-order
 * depth-first over directories with children in byte order, each directory's files in one
 * stream, a block re-listed unless it equals the stream's previous block, contiguous parts of
 * the same file merged, `0:0:name` for empty files, `\056` markers for empty directories.
 *
 * @param view the tree (every segment must be stored)
 * @param prefix stream name of the root, a byte string; default `.`
 * @param order sorted listings to use (default: the view's own, if it offers them)
 * @returns manifest bytes (a fresh buffer)
 * @example writeManifest(tree) // '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n'
 */
export function writeManifest(view: ManifestTreeView, prefix = '.', order?: ChildOrder): Uint8Array {
  const out = new ByteSink();
  const o = order ?? (isChildOrder(view) ? view : undefined);
  writeDir(view, o, view.root, prefix, manifestEscape(prefix), out, new ByteSink());
  return out.finish();
}

/** Children of `dir` in byte order as parallel arrays. */
function sortedChildren(view: ManifestTreeView, order: ChildOrder | undefined, dir: number): { names: readonly string[]; nodes: readonly number[] } {
  if (order !== undefined) {
    if (order.sortedChildren !== undefined) return order.sortedChildren(dir);
    const names = order.sortedNames(dir);
    const nodes = new Array<number>(names.length);
    for (let i = 0; i < names.length; i++) nodes[i] = order.childOf(dir, names[i] as string);
    return { names, nodes };
  }
  const entries = [...view.children(dir)].sort(byteOrder);
  return { names: entries.map((e) => e[0]), nodes: entries.map((e) => e[1]) };
}

/**
 * @param tokens scratch sink for the stream's file tokens (written after its block list). Bytes,
 *   not strings: 100,000 tokens held as strings until the line ends survive into the old
 *   generation, and two such scavenges cost ≈ 60 ms in the 100,000-file benchmark.
 */
function writeDir(view: ManifestTreeView, order: ChildOrder | undefined, dir: number, prefix: string, escapedPrefix: string, out: ByteSink, tokens: ByteSink): void {
  const { names, nodes } = sortedChildren(view, order, dir);
  if (names.length === 0) {
    if (prefix !== '.') out.write(`${escapedPrefix} ${EMPTY_LOCATOR} 0:0:\\056\n`);
    return;
  }
  const dirs: number[] = [];
  const blocks: number[] = [];
  // The open part (name, offset, length) is extended while the same file continues contiguously
  // and written out when another part starts.
  tokens.reset();
  let partName = '';
  let partOffset = 0;
  let partLength = -1;
  let partFile = -1;
  let streamLen = 0;
  const locators = view.locators;
  let node = -1;
  let escaped = '';
  let segments = 0;
  const visit = (locator: number, offset: number, length: number): void => {
    segments++;
    const size = locators.size(locator);
    if (blocks.length > 0 && blocks[blocks.length - 1] === locator) streamLen -= size;
    else blocks.push(locator);
    const at = streamLen + offset;
    if (partFile === node && partOffset + partLength === at) {
      partLength += length;
    } else {
      if (partLength >= 0) tokens.write(` ${partOffset}:${partLength}:${partName}`);
      partName = escaped;
      partOffset = at;
      partLength = length;
      partFile = node;
    }
    streamLen += size;
  };
  for (let i = 0; i < names.length; i++) {
    node = nodes[i] as number;
    if (view.isDir(node)) {
      dirs.push(i);
      continue;
    }
    escaped = manifestEscape(names[i] as string);
    segments = 0;
    view.forEachSegment(node, visit);
    if (segments === 0) {
      if (partLength >= 0) tokens.write(` ${partOffset}:${partLength}:${partName}`);
      partName = escaped;
      partOffset = 0;
      partLength = 0;
      partFile = node;
    }
  }
  if (partLength >= 0) {
    let line = escapedPrefix;
    if (blocks.length === 0) line += ' ' + EMPTY_LOCATOR;
    for (const id of blocks) {
      line += ' ' + locators.text(id);
      if (line.length > LINE_CHUNK_CHARS) {
        out.write(line);
        line = '';
      }
    }
    out.write(line);
    out.append(tokens);
    out.write(` ${partOffset}:${partLength}:${partName}\n`);
  }
  for (const i of dirs) {
    const name = names[i] as string;
    writeDir(view, order, nodes[i] as number, prefix + '/' + name, escapedPrefix + '/' + manifestEscape(name), out, tokens);
  }
}
