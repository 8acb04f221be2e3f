import type { FsTree } from './fs-tree.js';

/**
 * Directory listings in byte order, reused while the tree's structure is unchanged. A marshal
 * walks every directory twice (flush plan, then manifest writer) and sorting 100,000 names costs
 * ≈ 30 ms each time. Short-lived on purpose: one per marshal, so no listing outlives it.
 */
export class SortedNamesCache {
  readonly #tree: FsTree;
  readonly #byDir = new Map<number, readonly string[]>();
  readonly #nodesByDir = new Map<number, readonly number[]>();
  #gen: number;

  constructor(tree: FsTree) {
    this.#tree = tree;
    this.#gen = tree.structureGen;
  }

  /** Child names of `dir` in byte order (do not modify the array). */
  sortedNames(dir: number): readonly string[] {
    if (this.#tree.structureGen !== this.#gen) {
      this.#byDir.clear();
      this.#nodesByDir.clear();
      this.#gen = this.#tree.structureGen;
    }
    let names = this.#byDir.get(dir);
    if (names === undefined) {
      names = this.#tree.sortedNames(dir);
      this.#byDir.set(dir, names);
    }
    return names;
  }

  /** The node of each name of {@link sortedNames}`(dir)`, in the same order. */
  sortedNodes(dir: number): readonly number[] {
    const names = this.sortedNames(dir);
    let nodes = this.#nodesByDir.get(dir);
    if (nodes === undefined) {
      const tree = this.#tree;
      const out = new Array<number>(names.length);
      for (let i = 0; i < names.length; i++) out[i] = tree.childOf(dir, names[i] as string);
      nodes = out;
      this.#nodesByDir.set(dir, nodes);
    }
    return nodes;
  }

  childOf(dir: number, name: string): number {
    return this.#tree.childOf(dir, name);
  }
}
