import { manifestEscape } from './escape.js';
import type { ManifestTreeView } from './tree.js';

const EMPTY_LOCATOR = 'd41d8cd98f00b204e9800998ecf8427e+0';
const INITIAL_CAPACITY = 4096;

/** Appends latin1 strings to one growing buffer (capacity doubles; no repeated concat). */
class ByteSink {
  #buf = Buffer.allocUnsafe(INITIAL_CAPACITY);
  #len = 0;

  write(text: string): void {
    const need = this.#len + text.length;
    if (need > this.#buf.length) {
      let cap = this.#buf.length * 2;
      while (cap < need) cap *= 2;
      const next = Buffer.allocUnsafe(cap);
      this.#buf.copy(next, 0, 0, this.#len);
      this.#buf = next;
    }
    this.#len += this.#buf.write(text, this.#len, 'latin1');
  }

  /** The written bytes in a right-sized, fresh buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.#len);
    out.set(this.#buf.subarray(0, this.#len));
    return out;
  }
}

function byteOrder(a: readonly [string, number], b: readonly [string, number]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/**
 * Serialise a tree exactly like the Arvados Go SDK's `MarshalManifest(prefix)`: pre-order
 * depth-first over directories with children in byte order, each directory's files in one
 * stream, a block re-listed unless it equals the stream's previous block, contiguous parts of
 * the same file merged, `0:0:name` for empty files, `\056` markers for empty directories.
 *
 * @param view the tree (every segment must be stored)
 * @param prefix stream name of the root, a byte string; default `.`
 * @returns manifest bytes (a fresh buffer)
 * @example writeManifest(tree) // '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n'
 */
export function writeManifest(view: ManifestTreeView, prefix = '.'): Uint8Array {
  const out = new ByteSink();
  writeDir(view, view.root, prefix, manifestEscape(prefix), out);
  return out.finish();
}

function writeDir(view: ManifestTreeView, dir: number, prefix: string, escapedPrefix: string, out: ByteSink): void {
  const children = [...view.children(dir)].sort(byteOrder);
  if (children.length === 0) {
    if (prefix !== '.') out.write(`${escapedPrefix} ${EMPTY_LOCATOR} 0:0:\\056\n`);
    return;
  }
  const dirs: Array<readonly [string, number]> = [];
  const blocks: number[] = [];
  // Parts as parallel arrays: escaped name, offset, length.
  const partNames: string[] = [];
  const partOffsets: number[] = [];
  const partLengths: number[] = [];
  let streamLen = 0;
  let lastPartFile = -1;
  const locators = view.locators;
  for (const entry of children) {
    const [name, node] = entry;
    if (view.isDir(node)) {
      dirs.push(entry);
      continue;
    }
    const escaped = manifestEscape(name);
    let segments = 0;
    view.forEachSegment(node, (locator, offset, length) => {
      segments++;
      const size = locators.size(locator);
      if (blocks.length > 0 && blocks[blocks.length - 1] === locator) streamLen -= size;
      else blocks.push(locator);
      const partOffset = streamLen + offset;
      const prev = partNames.length - 1;
      if (prev >= 0 && lastPartFile === node && partOffsets[prev]! + partLengths[prev]! === partOffset) {
        partLengths[prev]! += length;
      } else {
        partNames.push(escaped);
        partOffsets.push(partOffset);
        partLengths.push(length);
        lastPartFile = node;
      }
      streamLen += size;
    });
    if (segments === 0) {
      partNames.push(escaped);
      partOffsets.push(0);
      partLengths.push(0);
      lastPartFile = node;
    }
  }
  if (partNames.length > 0) {
    let line = escapedPrefix;
    if (blocks.length === 0) line += ' ' + EMPTY_LOCATOR;
    for (const id of blocks) line += ' ' + locators.text(id);
    for (let i = 0; i < partNames.length; i++) {
      line += ` ${partOffsets[i]!}:${partLengths[i]!}:${partNames[i]!}`;
      if (line.length > 1 << 16) {
        out.write(line);
        line = '';
      }
    }
    out.write(line + '\n');
  }
  for (const [name, node] of dirs) {
    writeDir(view, node, prefix + '/' + name, escapedPrefix + '/' + manifestEscape(name), out);
  }
}
