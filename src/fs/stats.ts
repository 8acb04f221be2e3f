import { constants } from 'node:fs';
import type { FsTree } from './fs-tree.js';
import { fromByteString } from './path.js';

const { S_IFDIR, S_IFMT, S_IFREG } = constants;

/** Collections hold only files and directories: every special-file predicate is false. */
abstract class RegularOrDirectory {
  isSymbolicLink(): boolean {
    return false;
  }
  isBlockDevice(): boolean {
    return false;
  }
  isCharacterDevice(): boolean {
    return false;
  }
  isFIFO(): boolean {
    return false;
  }
  isSocket(): boolean {
    return false;
  }
}

/**
 * Node-like `Stats` of a collection node. A directory's `size` is its number of entries (as in
 * the Go SDK); a file's is its length in bytes.
 */
export class CollectionStats extends RegularOrDirectory {
  // Fields are `declare`d and all set in the constructor, in Node's order: class field
  // initializers would define each one twice (once as undefined) on every stat.
  declare readonly dev: number;
  declare readonly ino: number;
  declare readonly mode: number;
  declare readonly nlink: number;
  declare readonly uid: number;
  declare readonly gid: number;
  declare readonly rdev: number;
  declare readonly size: number;
  declare readonly blksize: number;
  declare readonly blocks: number;
  declare readonly atimeMs: number;
  declare readonly mtimeMs: number;
  declare readonly ctimeMs: number;
  declare readonly birthtimeMs: number;
  /** The base name (byte-decoded UTF-8); `""` for `.arvados#collection`, as in Go. */
  declare readonly name: string;

  /** @internal Created by CollectionFS and its file handles. */
  constructor(ino: number, isDir: boolean, perm: number, size: number, mtimeMs: number, name: string) {
    super();
    this.dev = 0;
    this.ino = ino;
    this.mode = (isDir ? S_IFDIR : S_IFREG) | (perm & 0o7777);
    this.nlink = 1;
    this.uid = 0;
    this.gid = 0;
    this.rdev = 0;
    this.size = size;
    this.blksize = 65536;
    this.blocks = Math.ceil(size / 512);
    this.atimeMs = mtimeMs;
    this.mtimeMs = mtimeMs;
    this.ctimeMs = mtimeMs;
    this.birthtimeMs = mtimeMs;
    this.name = name;
  }

  get mtime(): Date {
    return new Date(this.mtimeMs);
  }
  get atime(): Date {
    return new Date(this.atimeMs);
  }
  get ctime(): Date {
    return new Date(this.ctimeMs);
  }
  get birthtime(): Date {
    return new Date(this.birthtimeMs);
  }
  isFile(): boolean {
    return (this.mode & S_IFMT) === S_IFREG;
  }
  isDirectory(): boolean {
    return (this.mode & S_IFMT) === S_IFDIR;
  }
}

/** A directory entry as returned by `readdir(path, { withFileTypes: true })`. */
export class CollectionDirent<Name extends string | Buffer = string> extends RegularOrDirectory {
  constructor(
    /** The entry name; a Buffer of its exact bytes when readdir was asked for `encoding: 'buffer'`. */
    readonly name: Name,
    readonly parentPath: string,
    readonly isDir: boolean,
  ) {
    super();
  }

  /** Node 20 alias of `parentPath`. */
  get path(): string {
    return this.parentPath;
  }
  isFile(): boolean {
    return !this.isDir;
  }
  isDirectory(): boolean {
    return this.isDir;
  }
}

/** Stats of tree node `node` (the root is named `.`). */
export function nodeStats(tree: FsTree, node: number): CollectionStats {
  const isDir = tree.isDir(node);
  const name = node === tree.root ? '.' : fromByteString(tree.nameOf(node));
  return new CollectionStats(node, isDir, tree.modeOf(node), isDir ? tree.childCount(node) : tree.fileSize(node), tree.mtimeOf(node), name);
}

/** Stats of `.arvados#collection` (its content is generated, so its mtime is now). */
export function recordStats(content: Uint8Array, nowMs: number): CollectionStats {
  return new CollectionStats(-1, false, 0o444, content.length, nowMs, '');
}
