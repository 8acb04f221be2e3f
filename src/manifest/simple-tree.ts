import { KeepError } from '../errors.js';
import { LocatorTable } from './locator-table.js';
import type { ManifestTreeSink, ManifestTreeView } from './tree.js';

interface DirNode {
  readonly kind: 'dir';
  readonly parent: number;
  readonly children: Map<string, number>;
}

interface FileNode {
  readonly kind: 'file';
  readonly parent: number;
  /** Flat triples: locator id, offset, length. */
  readonly segments: number[];
}

type Node = DirNode | FileNode;

/** One stored segment of a file, as returned by {@link SimpleTree.segments}. */
export interface SimpleSegment {
  readonly locator: string;
  readonly offset: number;
  readonly length: number;
}

/**
 * A plain, obviously-correct collection tree: the reference implementation of both
 * {@link ManifestTreeSink} (for the loader) and {@link ManifestTreeView} (for the writer).
 * Node ids are array indexes; the root is 0. Names are byte strings. Nodes are never removed.
 *
 * @example
 * const tree = new SimpleTree();
 * loadManifest('. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n', tree);
 * tree.size(); // 3
 */
export class SimpleTree implements ManifestTreeSink, ManifestTreeView {
  readonly locators = new LocatorTable();
  readonly root = 0;
  #nodes: Node[] = [{ kind: 'dir', parent: 0, children: new Map() }];

  #node(id: number): Node {
    const node = this.#nodes[id];
    if (node === undefined) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot find node: unknown id ${id}`);
    return node;
  }

  #dir(id: number): DirNode {
    const node = this.#node(id);
    if (node.kind !== 'dir') throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot use node ${id}: not a directory`);
    return node;
  }

  #file(id: number): FileNode {
    const node = this.#node(id);
    if (node.kind !== 'file') throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot use node ${id}: not a file`);
    return node;
  }

  #add(dir: number, name: string, node: Node): number {
    const parent = this.#dir(dir);
    if (parent.children.has(name)) {
      throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot add "${name}": name already exists`);
    }
    const id = this.#nodes.length;
    this.#nodes.push(node);
    parent.children.set(name, id);
    return id;
  }

  /** @returns the parent directory of `dir` (the root is its own parent) */
  parentOf(dir: number): number {
    return this.#node(dir).parent;
  }

  /** @returns the child `name` of `dir`, or -1 */
  childOf(dir: number, name: string): number {
    return this.#dir(dir).children.get(name) ?? -1;
  }

  /** @returns whether `node` is a directory */
  isDir(node: number): boolean {
    return this.#node(node).kind === 'dir';
  }

  /** Create directory `name` in `dir`. @returns its id */
  addDir(dir: number, name: string): number {
    return this.#add(dir, name, { kind: 'dir', parent: dir, children: new Map() });
  }

  /** Create an empty file `name` in `dir`. @returns its id */
  addFile(dir: number, name: string): number {
    return this.#add(dir, name, { kind: 'file', parent: dir, segments: [] });
  }

  /** Append a stored segment to `file`. */
  addSegment(file: number, locator: number, offset: number, length: number): void {
    this.#file(file).segments.push(locator, offset, length);
  }

  /** @returns the children of `dir` in insertion order */
  children(dir: number): Iterable<readonly [name: string, node: number]> {
    return this.#dir(dir).children.entries();
  }

  /** Visit the segments of `file` in file order. */
  forEachSegment(file: number, visit: (locator: number, offset: number, length: number) => void): void {
    const segs = this.#file(file).segments;
    for (let i = 0; i < segs.length; i += 3) visit(segs[i]!, segs[i + 1]!, segs[i + 2]!);
  }

  /** @returns the segments of `file` with their locator text */
  segments(file: number): SimpleSegment[] {
    const out: SimpleSegment[] = [];
    this.forEachSegment(file, (locator, offset, length) => {
      out.push({ locator: this.locators.text(locator), offset, length });
    });
    return out;
  }

  /** @returns the length of `file` in bytes */
  fileSize(file: number): number {
    const segs = this.#file(file).segments;
    let total = 0;
    for (let i = 2; i < segs.length; i += 3) total += segs[i]!;
    return total;
  }

  /** @returns the total number of bytes in all files */
  size(): number {
    let total = 0;
    for (let id = 0; id < this.#nodes.length; id++) {
      // Nodes are never removed, so every file node is part of the tree.
      if (this.#nodes[id]!.kind === 'file') total += this.fileSize(id);
    }
    return total;
  }

  /**
   * Resolve a `/`-separated path of byte-string names from the root.
   *
   * @returns the node id, or -1 when a component is missing or a file is traversed
   */
  lookup(path: string): number {
    let node = this.root;
    for (const part of path.split('/')) {
      if (part === '' || part === '.') continue;
      if (!this.isDir(node)) return -1;
      node = this.childOf(node, part);
      if (node < 0) return -1;
    }
    return node;
  }
}
