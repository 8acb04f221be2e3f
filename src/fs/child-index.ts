import { FNV_OFFSET, FNV_PRIME } from '../util/fnv.js';

/**
 * The entries of one directory with two or more children: name → node id, by open addressing
 * (linear probing, load ≤ 1/2) over one Int32Array of `[id + 1, name hash]` pairs (0 = empty
 * slot, so a new table needs no fill; one allocation per growth, and a probe reads the id next
 * to its hash). Growth never re-hashes a name; probes compare hashes before names. Names are not
 * stored here: the name of entry `id` is `names[id]` (the tree's name table), so an entry costs
 * 16–32 bytes instead of a Map entry's ~30 plus its hash table, and a 4M-file tree saves about
 * 60 MB.
 *
 * Invariant kept by the caller (FsTree): `names[id]` does not change while `id` is an entry
 * (it unlinks a node before linking it under another name).
 */
export class ChildIndex {
  readonly #names: readonly string[];
  /** Slot i: `[2i]` = id + 1 (0: empty), `[2i + 1]` = the name hash. */
  #table: Int32Array;
  /** Slot-count mask. */
  #mask: number;
  #size = 0;

  constructor(names: readonly string[], capacity = 4) {
    let cap = 4;
    while (cap < capacity * 2) cap *= 2;
    this.#names = names;
    this.#table = new Int32Array(cap * 2);
    this.#mask = cap - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** The node named `name`, or -1. */
  get(name: string): number {
    const table = this.#table;
    const mask = this.#mask;
    const h = hashName(name);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = (table[2 * i] as number) - 1;
      if (id < 0) return -1;
      if (table[2 * i + 1] === h && this.#names[id] === name) return id;
    }
  }

  /** The node whose name is `s[start, end)` (no substring is made), or -1. */
  getRange(s: string, start: number, end: number): number {
    return this.#find(s, start, end - start, hashRange(s, start, end));
  }

  /** {@link getRange} given the FNV-1a state `fnv` of `s[start, end)` (see {@link FNV_OFFSET}). */
  getRangeFnv(s: string, start: number, end: number, fnv: number): number {
    return this.#find(s, start, end - start, finish(fnv));
  }

  /** The node named `s[start, start + len)` whose name hash is `h`, or -1. */
  #find(s: string, start: number, len: number, h: number): number {
    const table = this.#table;
    const mask = this.#mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const id = (table[2 * i] as number) - 1;
      if (id < 0) return -1;
      if (table[2 * i + 1] !== h) continue;
      const name = this.#names[id] ?? '';
      if (name.length === len && sameChars(name, s, start, len)) return id;
    }
  }

  /** Add or replace the entry `name` (`names[id]` must already be `name`). */
  set(name: string, id: number): void {
    if ((this.#size + 1) * 2 > this.#mask + 1) this.#rehash((this.#mask + 1) * 2);
    const table = this.#table;
    const mask = this.#mask;
    const h = hashName(name);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const cur = (table[2 * i] as number) - 1;
      if (cur < 0) {
        table[2 * i] = id + 1;
        table[2 * i + 1] = h;
        this.#size++;
        return;
      }
      if (table[2 * i + 1] === h && this.#names[cur] === name) {
        table[2 * i] = id + 1;
        return;
      }
    }
  }

  /** Remove the entry `name`; returns whether it existed. Backward-shift deletion (no tombstones). */
  delete(name: string): boolean {
    const table = this.#table;
    const mask = this.#mask;
    const h = hashName(name);
    let i = h & mask;
    for (; ; i = (i + 1) & mask) {
      const id = (table[2 * i] as number) - 1;
      if (id < 0) return false;
      if (table[2 * i + 1] === h && this.#names[id] === name) break;
    }
    table[2 * i] = 0;
    this.#size--;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const v = table[2 * j] as number;
      if (v === 0) return true;
      const hj = table[2 * j + 1] as number;
      const home = hj & mask;
      // Move the entry at j into the hole at i unless its home lies cyclically in (i, j].
      const inRange = i <= j ? home > i && home <= j : home > i || home <= j;
      if (!inRange) {
        table[2 * i] = v;
        table[2 * i + 1] = hj;
        table[2 * j] = 0;
        i = j;
      }
    }
  }

  /** Entries in slot order (any order). */
  entries(): Array<readonly [string, number]> {
    const out: Array<readonly [string, number]> = [];
    const table = this.#table;
    for (let i = 0; i < table.length; i += 2) {
      const id = (table[i] as number) - 1;
      if (id >= 0) out.push([this.#names[id] ?? '', id]);
    }
    return out;
  }

  /** All names and, at the same index, their node ids (any order). */
  keysAndIds(): { names: string[]; ids: number[] } {
    const names: string[] = [];
    const ids: number[] = [];
    const table = this.#table;
    for (let i = 0; i < table.length; i += 2) {
      const id = (table[i] as number) - 1;
      if (id >= 0) {
        names.push(this.#names[id] ?? '');
        ids.push(id);
      }
    }
    return { names, ids };
  }

  /** All names (any order). */
  keys(): string[] {
    return this.keysAndIds().names;
  }

  /** Any one entry's node id (-1 when empty). */
  first(): number {
    const table = this.#table;
    for (let i = 0; i < table.length; i += 2) if ((table[i] as number) > 0) return (table[i] as number) - 1;
    return -1;
  }

  #rehash(cap: number): void {
    const old = this.#table;
    const table = new Int32Array(cap * 2);
    const mask = cap - 1;
    for (let k = 0; k < old.length; k += 2) {
      const v = old[k] as number;
      if (v === 0) continue;
      const h = old[k + 1] as number;
      let i = h & mask;
      while ((table[2 * i] as number) !== 0) i = (i + 1) & mask;
      table[2 * i] = v;
      table[2 * i + 1] = h;
    }
    this.#table = table;
    this.#mask = mask;
  }
}

/** Whether `name[0, len)` equals `s[start, start + len)` (short names: cheaper than a startsWith call). */
function sameChars(name: string, s: string, start: number, len: number): boolean {
  for (let k = 0; k < len; k++) if (name.charCodeAt(k) !== s.charCodeAt(start + k)) return false;
  return true;
}

/** The last name hashed: a lookup that misses is usually followed by an insert of the same name. */
let lastName = '';
let lastHash = hashRange('', 0, 0);

function hashName(s: string): number {
  if (s === lastName) return lastHash;
  lastHash = hashRange(s, 0, s.length);
  lastName = s;
  return lastHash;
}

/** FNV-1a over the chars of `s[start, end)`, then a murmur3 finaliser (the low bits pick the slot). */
function hashRange(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = start; i < end; i++) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return finish(h);
}

/** {@link hashRange}'s murmur3 finaliser over an FNV-1a state (callers that hash as they scan). */
function finish(fnv: number): number {
  let h = fnv;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}
