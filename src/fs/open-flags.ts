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

/** The decoded access mode: undefined for an invalid combination (e.g. O_RDWR|O_WRONLY). */
export function accessMode(flags: number): { readable: boolean; writable: boolean } | undefined {
  switch (flags & (O_RDWR | O_RDONLY | O_WRONLY)) {
    case O_RDWR:
      return { readable: true, writable: true };
    case O_RDONLY:
      return { readable: true, writable: false };
    case O_WRONLY:
      return { readable: false, writable: true };
    default:
      return undefined;
  }
}
