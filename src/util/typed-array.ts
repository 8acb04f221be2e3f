/** A typed array of any numeric element type keepfs uses for compact tables. */
export type NumericArray = Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/**
 * A new array of `length` elements (same type) holding a copy of `array`'s first elements;
 * elements past the copied ones are `fill` (default 0).
 */
export function resized<T extends NumericArray>(array: T, length: number, fill = 0): T {
  const next = new (array.constructor as new (n: number) => T)(length);
  const kept = Math.min(array.length, length);
  next.set(array.subarray(0, kept) as never);
  if (fill !== 0 && kept < length) next.fill(fill, kept);
  return next;
}
