/**
 * Generators for the reference benchmark manifests of arvados-collections.md §8, shared by the
 * manifest, load and fs benchmarks so every benchmark measures the same bytes.
 */

const BLOCK_BYTES = 64 * 1024 * 1024;

/** Size of the reference `bigmanifest` in bytes. */
export const BIG_MANIFEST_BYTES = 101_598_890;

/** Deterministic PRNG (mulberry32) for the interleaved layout. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Joins many small strings into one Buffer without building one giant JS string. */
class TextBuilder {
  readonly #chunks: Buffer[] = [];
  #parts: string[] = [];
  #len = 0;
  push(s: string): void {
    this.#parts.push(s);
    this.#len += s.length;
    if (this.#len > 1 << 22) this.#spill();
  }
  #spill(): void {
    this.#chunks.push(Buffer.from(this.#parts.join(''), 'latin1'));
    this.#parts = [];
    this.#len = 0;
  }
  finish(): Buffer {
    this.#spill();
    return Buffer.concat(this.#chunks);
  }
}

/**
 * The reference's `testLargeManifest(dirs, filesPerDir, blocksPerFile, interleaveChunk)`:
 * streams `./dirI`, 64 MiB blocks with locators `%032x+67108864+A%040x@%08x`, file tokens
 * `dirJ/fileJ` (paths `./dirI/dirJ/fileJ`). Without interleaving file j covers the (n−j−1)-th
 * file-sized region; with it, each file is made of `interleaveChunk` pieces at shuffled offsets.
 */
export function testLargeManifest(dirs: number, filesPerDir: number, blocksPerFile: number, interleaveChunk: number): Buffer {
  const out = new TextBuilder();
  const rnd = prng(42);
  const expiry = (Math.floor(Date.now() / 1000) + 14 * 86400).toString(16).padStart(8, '0');
  const fileSize = blocksPerFile * BLOCK_BYTES;
  let blockNo = 0;
  for (let i = 0; i < dirs; i++) {
    out.push(`./dir${i}`);
    for (let k = 0; k < filesPerDir * blocksPerFile; k++, blockNo++) {
      out.push(` ${blockNo.toString(16).padStart(32, '0')}+67108864+A${blockNo.toString(16).padStart(40, '0')}@${expiry}`);
    }
    if (interleaveChunk <= 0) {
      for (let j = 0; j < filesPerDir; j++) out.push(` ${(filesPerDir - j - 1) * fileSize}:${fileSize}:dir${j}/file${j}`);
    } else {
      const perFile = fileSize / interleaveChunk;
      const pos = Array.from({ length: filesPerDir * perFile }, (_, x) => x);
      for (let x = pos.length - 1; x > 0; x--) {
        const y = Math.floor(rnd() * (x + 1));
        const t = pos[x] as number;
        pos[x] = pos[y] as number;
        pos[y] = t;
      }
      for (let j = 0; j < filesPerDir; j++) {
        for (let c = 0; c < perFile; c++) out.push(` ${(pos[j * perFile + c] as number) * interleaveChunk}:${interleaveChunk}:dir${j}/file${j}`);
      }
    }
    out.push('\n');
  }
  return out.finish();
}

/** The reference's `bigmanifest`: 2000 streams × (100 fake blocks, 2000 overlapping files). */
export function bigManifest(): Buffer {
  let tail = '';
  for (let b = 0; b < 100; b++) tail += ' d41d8cd98f00b204e9800998ecf8427e+99999';
  for (let f = 0; f < 2000; f++) tail += ` 1200000:300000:file${f}`;
  tail += '\n';
  const tailBytes = Buffer.from(tail, 'latin1');
  const out = Buffer.allocUnsafe(BIG_MANIFEST_BYTES);
  let at = 0;
  for (let s = 0; s < 2000; s++) {
    at += out.write(`./dir${s}`, at, 'latin1');
    at += tailBytes.copy(out, at);
  }
  if (at !== BIG_MANIFEST_BYTES) throw new Error(`bigmanifest is ${at} bytes, expected ${BIG_MANIFEST_BYTES}`);
  return out;
}
