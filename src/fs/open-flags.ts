import { constants } from 'node:fs';

/** Numeric open flags (the platform's `node:fs` constants). */
export const O_RDONLY = constants.O_RDONLY;
export const O_WRONLY = constants.O_WRONLY;
export const O_RDWR = constants.O_RDWR;
export const O_CREAT = constants.O_CREAT;
export const O_EXCL = constants.O_EXCL;
export const O_TRUNC = constants.O_TRUNC;
export const O_APPEND = constants.O_APPEND;
export const O_SYNC = constants.O_SYNC;
export const O_DSYNC = constants.O_DSYNC;

/** Node's string flags as numbers (`s` variants include O_SYNC, which CollectionFS refuses). */
const STRING_FLAGS: Readonly<Record<string, number>> = {
  r: O_RDONLY,
  rs: O_RDONLY | O_SYNC,
  sr: O_RDONLY | O_SYNC,
  'r+': O_RDWR,
  'rs+': O_RDWR | O_SYNC,
  'sr+': O_RDWR | O_SYNC,
  w: O_TRUNC | O_CREAT | O_WRONLY,
  wx: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  xw: O_TRUNC | O_CREAT | O_WRONLY | O_EXCL,
  'w+': O_TRUNC | O_CREAT | O_RDWR,
  'wx+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  'xw+': O_TRUNC | O_CREAT | O_RDWR | O_EXCL,
  a: O_APPEND | O_CREAT | O_WRONLY,
  ax: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  xa: O_APPEND | O_CREAT | O_WRONLY | O_EXCL,
  as: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  sa: O_APPEND | O_CREAT | O_WRONLY | O_SYNC,
  'a+': O_APPEND | O_CREAT | O_RDWR,
  'ax+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'xa+': O_APPEND | O_CREAT | O_RDWR | O_EXCL,
  'as+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
  'sa+': O_APPEND | O_CREAT | O_RDWR | O_SYNC,
};

/** Numeric flags of a Node flag string or number, or undefined for an unknown string. */
export function flagsToNumber(flags: string | number | undefined): number | undefined {
  if (flags === undefined) return O_RDONLY;
  if (typeof flags === 'number') return flags;
  return STRING_FLAGS[flags];
}

const O_ACCMODE = O_RDWR | O_RDONLY | O_WRONLY;

/** The access-mode bits of `flags` (O_RDONLY, O_WRONLY or O_RDWR), or -1 for an invalid combination (e.g. O_RDWR|O_WRONLY). */
export function accessBits(flags: number): number {
  const acc = flags & O_ACCMODE;
  return acc === O_RDONLY || acc === O_WRONLY || acc === O_RDWR ? acc : -1;
}

/** Whether valid `flags` allow reading. */
export function isReadable(flags: number): boolean {
  return (flags & O_ACCMODE) !== O_WRONLY;
}

/** Whether valid `flags` allow writing. */
export function isWritable(flags: number): boolean {
  return (flags & O_ACCMODE) !== O_RDONLY;
}
