import { createHash } from 'node:crypto';

/**
 * Rendezvous (highest random weight) ordering as Arvados uses it: the weight of a service or
 * volume for a block is md5hex(hash32 + uuid[12:]) for a 27-char UUID, else md5hex(hash32 + uuid).
 */
export function rendezvousWeight(hash32: string, uuid: string): string {
  const suffix = uuid.length === 27 ? uuid.slice(12) : uuid;
  return createHash('md5').update(hash32 + suffix).digest('hex');
}

/**
 * Keep client probe order: items sorted by *descending* weight (Go RootSorter, Python
 * `weighted_service_roots`). Returns a new array.
 */
export function rendezvousOrder<T>(hash32: string, items: readonly T[], uuidOf: (item: T) => string): T[] {
  const weighted = items.map((item) => ({ item, w: rendezvousWeight(hash32, uuidOf(item)) }));
  weighted.sort((a, b) => (a.w < b.w ? 1 : a.w > b.w ? -1 : 0));
  return weighted.map((x) => x.item);
}

/**
 * keepstore's per-volume order: descending storage-class priority, then *ascending* weight.
 * Returns a new array.
 */
export function volumeOrder<T>(hash32: string, items: readonly T[], uuidOf: (item: T) => string, priorityOf: (item: T) => number = () => 0): T[] {
  const weighted = items.map((item) => ({ item, w: rendezvousWeight(hash32, uuidOf(item)), p: priorityOf(item) }));
  weighted.sort((a, b) => b.p - a.p || (a.w < b.w ? -1 : a.w > b.w ? 1 : 0));
  return weighted.map((x) => x.item);
}
