import type { Listing } from './block-writer.js';
import type { FsTree } from './fs-tree.js';

/**
 * Directory listings in byte order, reused while the tree's structure is unchanged. A marshal
 * walks every directory twice (flush plan, then manifest writer) and sorting 100,000 names costs
 * ≈ 30 ms each time. Short-lived on purpose: one per marshal, so no listing outlives it.
 */
export class SortedNamesCache {
  readonly #tree: FsTree;
  readonly #byDir = new Map<number, Listing>();
  #gen: number;

  constructor(tree: FsTree) {
    this.#tree = tree;
    this.#gen = tree.structureGen;
  }

  /** Child names of `dir` in byte order (do not modify the array). */
  sortedNames(dir: number): readonly string[] {
    return this.sortedChildren(dir).names;
  }

  /** The node of each name of {@link sortedNames}`(dir)`, in the same order. */
  sortedNodes(dir: number): readonly number[] {
    return this.sortedChildren(dir).nodes;
  }

  /** Both, as FsTree.sortedChildren gives them (do not modify the arrays). */
  sortedChildren(dir: number): Listing {
    if (this.#tree.structureGen !== this.#gen) {
      this.#byDir.clear();
      this.#gen = this.#tree.structureGen;
    }
    let listing = this.#byDir.get(dir);
    if (listing === undefined) {
      listing = this.#tree.sortedChildren(dir);
      this.#byDir.set(dir, listing);
    }
    return listing;
  }

  childOf(dir: number, name: string): number {
    return this.#tree.childOf(dir, name);
  }
}
