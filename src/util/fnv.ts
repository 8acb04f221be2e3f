/**
 * FNV-1a, 32-bit: the state before any input, and the multiplier per byte or char
 * (`h = Math.imul(h ^ c, FNV_PRIME)`). The offset basis is kept as a signed 32-bit integer, the
 * form every step produces.
 */
export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;
