import type { FsTree } from './fs-tree.js';

/**
 * Directory listings in byte order, reused while the tree's structure is unchanged. A marshal
 * walks every directory twice (flush plan, then manifest writer) and sorting 100,000 names costs
 * ≈ 30 ms each time. Short-lived on purpose: one per marshal, so no listing outlives it.
 */
export class SortedNamesCache {
  readonly #tree: FsTree;
  readonly #byDir = new Map<number, readonly string[]>();
  #gen: number;

  constructor(tree: FsTree) {
    this.#tree = tree;
    this.#gen = tree.structureGen;
  }

  /** Child names of `dir` in byte order (do not modify the array). */
  sortedNames(dir: number): readonly string[] {
    if (this.#tree.structureGen !== this.#gen) {
      this.#byDir.clear();
      this.#gen = this.#tree.structureGen;
    }
    let names = this.#byDir.get(dir);
    if (names === undefined) {
      names = this.#tree.sortedNames(dir);
      this.#byDir.set(dir, names);
    }
    return names;
  }

  childOf(dir: number, name: string): number {
    return this.#tree.childOf(dir, name);
  }
}
