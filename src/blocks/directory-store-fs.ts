/** File helpers of DirectoryStore: durable writes, full reads, directory fsync, temp cleanup. */
import { open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { KeepError } from '../errors.js';

/** Temp files live in `<root>/tmp/` and are named `<pid>.<random>.tmp`. */
export const TMP_DIR_NAME = 'tmp';
export const TRASH_DIR_NAME = 'trash';

/** Temp files of live processes older than this are removed too (a stuck writer, or pid reuse). */
const STALE_TMP_MS = 24 * 60 * 60 * 1000;

/** Write all of `data` at position 0 of `fh`. */
export async function writeAll(fh: FileHandle, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.byteLength) {
    const { bytesWritten } = await fh.write(data, off, data.byteLength - off, off);
    off += bytesWritten;
  }
}

/**
 * Read exactly `length` bytes at `position` into `out[0, length)`.
 * @throws KeepError ERR_INTERNAL when the file is shorter than expected
 */
export async function readFully(fh: FileHandle, out: Uint8Array, length: number, position: number): Promise<void> {
  let off = 0;
  while (off < length) {
    const { bytesRead } = await fh.read(out, off, length - off, position + off);
    if (bytesRead === 0) throw new KeepError('ERR_INTERNAL', `Cannot read block file: ended after ${off} of ${length} bytes`);
    off += bytesRead;
  }
}

/** fsync a directory, so a rename or create inside it is durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** True when process `pid` exists (EPERM counts as existing). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove temp files left by crashed writers: those whose writer process is gone, and any older
 * than a day. Returns how many were removed.
 */
export async function cleanTempFiles(tmpDir: string, nowMs: number): Promise<number> {
  let names: string[];
  try {
    names = await readdir(tmpDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const pid = Number(name.slice(0, name.indexOf('.')));
    const path = join(tmpDir, name);
    let stale = !Number.isInteger(pid) || pid <= 0 || !processAlive(pid);
    if (!stale) {
      try {
        stale = nowMs - (await stat(path)).mtimeMs > STALE_TMP_MS;
      } catch {
        continue;
      }
    }
    if (stale) {
      await rm(path, { force: true, recursive: true });
      removed++;
    }
  }
  return removed;
}

/** Is this errno a "disk full" condition? */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

/** Is this errno "no such file"? */
export function isNotFound(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
