/**
 * The two narrow interfaces between the manifest loader/writer and whatever tree holds a
 * collection (the simple reference tree in this layer, or CollectionFS's compact tree).
 *
 * Names are *byte strings*: one JS char per byte (latin1), exactly the bytes of the unescaped
 * manifest name. This keeps arbitrary (even invalid UTF-8) names lossless and makes plain string
 * comparison equal Go's byte-order `sort.Strings`. Convert to/from UTF-8 only at user-facing APIs.
 *
 * Node ids are small non-negative integers chosen by the tree. Locator ids come from the
 * {@link LocatorTable} the tree exposes (interned, so equal ids mean byte-identical locators).
 */

/** Interned locator strings (`md5+size[+hints]`), so segments store a number, not a string. */
export interface LocatorIds {
  /**
   * Intern the locator text `bytes[start, end)` (latin1) and return its id. A table may keep a
   * reference to `bytes` until its next call of another method (the loader's bytes do not change
   * during a load), so callers must not modify them in between.
   */
  internBytes(bytes: Uint8Array, start: number, end: number, blockSize: number): number;
  /** Intern a locator string; `blockSize` is its size hint. */
  intern(locator: string, blockSize: number): number;
  /** The locator text of `id`, byte-identical to what was interned. */
  text(id: number): string;
  /** The block size (size hint) of `id`. */
  size(id: number): number;
}

/** What the loader needs from a tree it fills (Go `loadManifest` semantics live in the loader). */
export interface ManifestTreeSink {
  readonly locators: LocatorIds;
  /** The root directory's id. */
  readonly root: number;
  /** A directory's parent; the root is its own parent. */
  parentOf(dir: number): number;
  /** The child called `name` in directory `dir`, or -1. */
  childOf(dir: number, name: string): number;
  isDir(node: number): boolean;
  /** Create directory `name` in `dir` (caller checked it does not exist). */
  addDir(dir: number, name: string): number;
  /** Create an empty file `name` in `dir` (caller checked it does not exist). */
  addFile(dir: number, name: string): number;
  /** Append a stored segment: `length` bytes at `offset` within the block `locator`. */
  addSegment(file: number, locator: number, offset: number, length: number): void;
  /**
   * Optional hint, called once after the first line when more follow: `done` of the text's
   * `total` bytes are loaded, so the tree may pre-size its tables for the rest (manifests are
   * usually uniform: bigmanifest's 2,000 lines are alike).
   */
  progress?(done: number, total: number): void;
}

/** What the writer needs from a tree it serialises. Every segment must be stored. */
export interface ManifestTreeView {
  readonly locators: LocatorIds;
  readonly root: number;
  isDir(node: number): boolean;
  /** Children of `dir` in any order; the writer sorts them in byte order. */
  children(dir: number): Iterable<readonly [name: string, node: number]>;
  /** Call `visit` for each segment of `file`, in file order. */
  forEachSegment(file: number, visit: (locator: number, offset: number, length: number) => void): void;
}
