import type { FsTree } from './fs-tree.js';
import { MemSeg, SegList, StoredSeg, type Seg } from './segments.js';

/** A stored range in a snapshot: the locator text travels, so it can go to another collection. */
interface SnapStored {
  locator: string;
  blockSize: number;
  off: number;
  len: number;
}

/** A node of a detached deep copy. Memory data is copied; stored ranges are shared. */
export type SnapshotNode =
  | { readonly kind: 'dir'; readonly mode: number; readonly mtimeMs: number; readonly children: ReadonlyMap<string, SnapshotNode> }
  | { readonly kind: 'file'; readonly mode: number; readonly mtimeMs: number; readonly segs: ReadonlyArray<SnapStored | Buffer> };

/**
 * A detached deep copy of a file or directory (Go `Snapshot`), usable with `splice` on any
 * CollectionFS, any number of times. Holds copies of unflushed data; stored data is referenced.
 */
export class CollectionSnapshot {
  /** @internal */
  constructor(readonly root: SnapshotNode) {}

  /** True when the snapshot is of a directory. */
  get isDirectory(): boolean {
    return this.root.kind === 'dir';
  }
}

/** Deep-copy the subtree at `node` out of `tree`. */
export function takeSnapshot(tree: FsTree, node: number): SnapshotNode {
  if (tree.isDir(node)) {
    const children = new Map<string, SnapshotNode>();
    for (const [name, child] of tree.children(node)) children.set(name, takeSnapshot(tree, child));
    return { kind: 'dir', mode: tree.modeOf(node), mtimeMs: tree.mtimeOf(node), children };
  }
  const segs: Array<SnapStored | Buffer> = [];
  if (tree.hasList(node)) {
    for (const s of tree.list(node).segs) {
      if (s instanceof MemSeg) segs.push(Buffer.from(s.bytes()));
      else segs.push({ locator: tree.locators.text(s.loc), blockSize: tree.locators.size(s.loc), off: s.off, len: s.len });
    }
  } else {
    tree.forEachSegment(node, (loc, off, len) => segs.push({ locator: tree.locators.text(loc), blockSize: tree.locators.size(loc), off, len }));
  }
  return { kind: 'file', mode: tree.modeOf(node), mtimeMs: tree.mtimeOf(node), segs };
}

/** Create an unlinked copy of `snap` in `tree` named `name`; returns its node id. */
export function materialize(tree: FsTree, snap: SnapshotNode, name: string): number {
  if (snap.kind === 'dir') {
    const dir = tree.newDir(name, snap.mode, snap.mtimeMs);
    for (const [childName, child] of snap.children) tree.link(dir, childName, materialize(tree, child, childName));
    return dir;
  }
  const file = tree.newFile(name, snap.mode, snap.mtimeMs);
  const segs: Seg[] = snap.segs.map((s) => {
    if (Buffer.isBuffer(s)) {
      const m = new MemSeg(s.length);
      m.buf.set(s);
      return m;
    }
    return new StoredSeg(tree.locators.intern(s.locator, s.blockSize), s.off, s.len);
  });
  tree.setList(file, new SegList(segs));
  return file;
}
