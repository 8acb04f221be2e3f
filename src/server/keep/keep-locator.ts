import { KeepError } from '../../errors.js';

/** A locator as keepstore's `getLocatorInfo` reads it. */
export interface KeepLocatorInfo {
  hash: string;
  /** Size hint, or undefined when the locator has none. */
  size: number | undefined;
  /** True when some hint starts with `A` (a permission signature). */
  signed: boolean;
  /** True when some hint starts with `R` (a remote signature). */
  remote: boolean;
}

const HEX32 = /^[0-9a-f]{32}$/;
const DIGITS = /^[0-9]+$/;

/**
 * Parse a locator from a request path like keepstore: exactly 32 lowercase hex digits, no empty
 * `+` parts, and a size (if any) only as the first hint.
 * @throws KeepError ERR_BAD_LOCATOR ("invalid locator")
 */
export function parseKeepLocator(text: string): KeepLocatorInfo {
  const parts = text.split('+');
  const hash = parts[0] ?? '';
  if (!HEX32.test(hash)) throw invalidLocator();
  let size: number | undefined;
  let signed = false;
  let remote = false;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '') throw invalidLocator();
    const c = part.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) {
      if (i !== 1 || !DIGITS.test(part)) throw invalidLocator();
      size = Number(part);
      if (!Number.isSafeInteger(size)) throw invalidLocator();
    } else if (part[0] === 'A') signed = true;
    else if (part[0] === 'R') remote = true;
  }
  return { hash, size, signed, remote };
}

function invalidLocator(): KeepError {
  return new KeepError('ERR_BAD_LOCATOR', 'invalid locator');
}
