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
