/**
 * Path helpers. User paths are UTF-8 JS strings; the tree uses byte strings (one char per byte,
 * latin1), see src/manifest/tree.ts. Lexical cleaning follows Go's `path.Clean`.
 */

/** True if every char of `s` is below 0x80 (then UTF-8 and latin1 agree). */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
}

/** A user path (UTF-8) as a byte string. ASCII-only strings are returned unchanged. */
export function toByteString(userPath: string): string {
  if (isAscii(userPath)) return userPath;
  return Buffer.from(userPath, 'utf8').toString('latin1');
}

/** A byte string as a user string (UTF-8 decoded). */
export function fromByteString(bytes: string): string {
  if (isAscii(bytes)) return bytes;
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** A CollectionFS path argument: a UTF-8 string, or raw name bytes (Node's Buffer paths). */
export type CollectionPath = string | Uint8Array;

/** Node's ERR_INVALID_ARG_TYPE TypeError for a path argument that is neither a string nor bytes. */
function invalidPathType(arg: string, value: unknown): TypeError {
  const shown = value === null ? 'null' : typeof value === 'object' ? `an instance of ${(value as object).constructor?.name ?? 'Object'}` : `type ${typeof value} (${String(value)})`;
  const err = new TypeError(`The "${arg}" argument must be of type string or an instance of Buffer or Uint8Array. Received ${shown}`);
  return Object.assign(err, { code: 'ERR_INVALID_ARG_TYPE' });
}

/**
 * The byte string of a non-string path argument: bytes are taken as they are (one char per
 * byte), so names that are not valid UTF-8 stay reachable. Throws TypeError for other types.
 */
function bytesPathToByteString(path: unknown, arg: string): string {
  if (!(path instanceof Uint8Array)) throw invalidPathType(arg, path);
  return Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('latin1');
}

/** Throw node:fs's TypeError unless `path` is a path argument (a string or bytes). */
export function checkPathArg(path: unknown, arg = 'path'): void {
  if (typeof path !== 'string' && !(path instanceof Uint8Array)) throw invalidPathType(arg, path);
}

/** A path argument as a byte string (strings are UTF-8 encoded). */
export function pathToByteString(path: CollectionPath, arg = 'path'): string {
  return typeof path === 'string' ? toByteString(path) : bytesPathToByteString(path, arg);
}

/** A path argument as shown in error messages and `err.path`: bytes decode as UTF-8, as Node does. */
export function pathToDisplay(path: CollectionPath): string {
  return typeof path === 'string' ? path : Buffer.from(path.buffer, path.byteOffset, path.byteLength).toString('utf8');
}

/** A byte-string name in a readdir encoding: `'buffer'` gives the raw bytes. */
export function encodeName(bytes: string, encoding: BufferEncoding | 'buffer'): string | Buffer {
  if (encoding === 'buffer') return Buffer.from(bytes, 'latin1');
  if (encoding === 'latin1' || encoding === 'binary') return bytes;
  if (encoding === 'utf8' || encoding === 'utf-8') return fromByteString(bytes);
  return Buffer.from(bytes, 'latin1').toString(encoding);
}

/**
 * Clean a path lexically like Go's `path.Clean` and split it into components, dropping `.`
 * and resolving `..` (at the root `..` stays at the root). `trailingSlash` reports whether the
 * original path ended in `/` (Go's rlookup keeps it: it requires a directory).
 */
export function cleanComponents(path: string): { parts: string[]; trailingSlash: boolean } {
  const parts: string[] = [];
  let start = 0;
  const n = path.length;
  while (start <= n) {
    let end = path.indexOf('/', start);
    if (end < 0) end = n;
    const part = path.slice(start, end);
    if (part === '..') {
      if (parts.length > 0) parts.pop();
    } else if (part !== '' && part !== '.') {
      parts.push(part);
    }
    start = end + 1;
  }
  return { parts, trailingSlash: path.length > 0 && path.endsWith('/') && parts.length > 0 };
}

/** Go `path.Split`: split after the last `/` into a directory part (with its slash) and a base. */
export function splitPath(path: string): { dir: string; base: string } {
  const i = path.lastIndexOf('/');
  return { dir: path.slice(0, i + 1), base: path.slice(i + 1) };
}

/** Strip trailing slashes (Go `strings.TrimRight(name, "/")`). */
export function trimTrailingSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--;
  return path.slice(0, end);
}
