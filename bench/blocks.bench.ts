/**
 * Block storage benchmark (`npm run bench -- blocks [size]`, size like 2G, 512M; default 2 GiB).
 * Every figure is printed with a ratio against a baseline measured in the same run:
 * - put: DirectoryStore.put of 64 MiB random blocks (one per core in flight) vs plain node:fs
 *   "md5 + write + fdatasync" of the same bytes, one block at a time;
 * - get: DirectoryStore.get (verify off) vs fs.readFile of the same files; verified get vs
 *   fs.readFile + md5;
 * - ranged 1 MiB reads at random offsets from a ReadCache holding the blocks vs slicing the same
 *   in-memory blocks directly;
 * - keep protocol: the same put/get through KeepClient → keep server (over a DirectoryStore) on
 *   127.0.0.1, as a ratio of the direct DirectoryStore figures.
 * Each pair is run in ABBA rounds (KEEPFS_BENCH_ROUNDS, default 4) after a `sync`, and the best
 * time of each side is kept: this VM's disk and CPU figures vary by 2× from run to run.
 * Temp files go to os.tmpdir() (override with KEEPFS_BENCH_DIR) and are removed at the end.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DirectoryStore } from '../src/blocks/directory-store.js';
import { KeepClient } from '../src/blocks/keep-client.js';
import { ReadCache } from '../src/blocks/read-cache.js';
import { startKeepServer } from '../src/server/keep/keep-server.js';
import { parseSize, pooled } from './_util.js';

const MiB = 1 << 20;
const BLOCK = 64 * MiB;
/** Puts and gets in flight: one per core measured best on the 2-core VM (4 puts: 0.93–1.47×, noisy). */
const PUT_IN_FLIGHT = Number(process.env['KEEPFS_BENCH_PUT_IN_FLIGHT'] ?? availableParallelism());
const GET_IN_FLIGHT = Number(process.env['KEEPFS_BENCH_GET_IN_FLIGHT'] ?? availableParallelism());
const RANGED_SECONDS = 3;


const fmtRate = (bytes: number, ms: number): string => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
const ratio = (x: number, base: number): string => `${(x / base).toFixed(2)}×`;


async function timed(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

interface Row {
  name: string;
  figure: string;
  baseline: string;
  ratio: string;
  target: string;
}
const rows: Row[] = [];

function report(row: Row): void {
  rows.push(row);
  const rssMiB = (process.memoryUsage().rss / MiB).toFixed(0);
  process.stdout.write(`${row.name.padEnd(44)} ${row.figure.padStart(14)}  baseline ${row.baseline.padStart(14)}  ratio ${row.ratio.padStart(6)}  target ${row.target}  (rss ${rssMiB} MiB)\n`);
}

async function baselinePut(dir: string, blocks: readonly Uint8Array[]): Promise<string[]> {
  const paths: string[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const data = blocks[i] as Uint8Array;
    const hash = createHash('md5').update(data).digest('hex');
    const path = join(dir, hash);
    const fh = await open(path, 'w');
    try {
      await fh.write(data, 0, data.byteLength, 0);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    paths.push(path);
  }
  return paths;
}

/**
 * KeepClient → keep server figures, as ratios of direct DirectoryStore figures measured in ABBA
 * rounds next to them: each round puts every block into a fresh DirectoryStore directly, and
 * through KeepClient into a keep server (127.0.0.1, same process) over another fresh one; then the
 * blocks are read back both ways (md5 verified).
 */
async function benchKeepProtocol(base: string, blocks: readonly Uint8Array[], total: number, rounds: number): Promise<void> {
  let direct: DirectoryStore | undefined;
  let served: DirectoryStore | undefined;
  let server: Awaited<ReturnType<typeof startKeepServer>> | undefined;
  let client: KeepClient | undefined;
  const directLocs: string[] = new Array<string>(blocks.length);
  const keepLocs: string[] = new Array<string>(blocks.length);
  const stop = async (): Promise<void> => {
    await server?.close();
    for (const s of [direct, served]) if (s !== undefined) await rm(s.root, { recursive: true, force: true });
  };
  try {
    const put = await alternate(rounds, async () => {
      const d = direct as DirectoryStore;
      await pooled(blocks, PUT_IN_FLIGHT, async (b, i) => {
        directLocs[i] = (await d.put(b)).locator;
      });
    }, async () => {
      const c = client as KeepClient;
      await pooled(blocks, PUT_IN_FLIGHT, async (b, i) => {
        keepLocs[i] = (await c.put(b)).locator;
        gc();
      });
    }, async (r) => {
      await stop();
      direct = await DirectoryStore.open({ root: join(base, `direct-${r}`), minFreeBytes: 0 });
      served = await DirectoryStore.open({ root: join(base, `served-${r}`), minFreeBytes: 0 });
      server = await startKeepServer({ store: served });
      client = new KeepClient({ services: [{ url: server.url }], replicas: 1 });
    });
    report({ name: 'put via KeepClient → keep server', figure: fmtRate(total, put.ms), baseline: fmtRate(total, put.baseMs), ratio: ratio(put.baseMs, put.ms), target: '>= 0.7× (direct DirectoryStore.put; same-process server, judged on the child-process variant of `bench keep`)' });
    const get = await alternate(rounds, async () => {
      const d = direct as DirectoryStore;
      await pooled(directLocs, GET_IN_FLIGHT, async (l) => {
        await d.get(l);
      });
    }, async () => {
      const c = client as KeepClient;
      await pooled(keepLocs, GET_IN_FLIGHT, async (l) => {
        await c.get(l);
        gc();
      });
    });
    report({ name: 'get via KeepClient → keep server (verified)', figure: fmtRate(total, get.ms), baseline: fmtRate(total, get.baseMs), ratio: ratio(get.baseMs, get.ms), target: '>= 0.7× (direct verified get; same-process server, judged in `bench keep`)' });
  } finally {
    await stop();
  }
}

/**
 * Collect garbage now (with --expose-gc). Dead 64 MiB buffers are external memory V8 collects
 * lazily: without this, a 2 GiB run's keep phase grew to 24 GB and was OOM-killed.
 */
function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Flush dirty pages and let the disk settle, so one phase's writeback does not bill the next. */
async function settle(): Promise<void> {
  gc();
  spawnSync('sync');
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/**
 * Best (lowest) time of `rounds` rounds of a baseline and a candidate, in ABBA order (the side
 * that goes second was measured up to 2× slower on this VM's disk, whichever it was).
 */
async function alternate(rounds: number, baseline: (round: number) => Promise<void>, candidate: (round: number) => Promise<void>, prepare?: (round: number) => Promise<void>): Promise<{ baseMs: number; ms: number }> {
  let baseMs = Number.POSITIVE_INFINITY;
  let ms = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    await prepare?.(r);
    const runBase = async (): Promise<void> => {
      await settle();
      baseMs = Math.min(baseMs, await timed(() => baseline(r)));
    };
    const runCandidate = async (): Promise<void> => {
      await settle();
      ms = Math.min(ms, await timed(() => candidate(r)));
    };
    if (r % 2 === 0) {
      await runBase();
      await runCandidate();
    } else {
      await runCandidate();
      await runBase();
    }
  }
  return { baseMs, ms };
}

async function main(): Promise<void> {
  const total = parseSize(process.argv[2], 2048 * MiB);
  const rounds = Number(process.env['KEEPFS_BENCH_ROUNDS'] ?? 4);
  const count = Math.ceil(total / BLOCK);
  process.stdout.write(`blocks benchmark: ${(total / MiB).toFixed(0)} MiB as ${count} block(s) of up to 64 MiB, ${PUT_IN_FLIGHT} puts / ${GET_IN_FLIGHT} gets in flight, best of ${rounds} ABBA rounds\n`);
  const blocks: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const b = new Uint8Array(Math.min(BLOCK, total - i * BLOCK));
    randomFillSync(b);
    blocks.push(b);
  }
  const base = await mkdtemp(join(process.env['KEEPFS_BENCH_DIR'] ?? tmpdir(), 'keepfs-bench-blocks-'));
  try {
    // put: each round writes into fresh directories, removed before the next round.
    const locators: string[] = new Array<string>(count);
    let store: DirectoryStore | undefined;
    // Each round writes into fresh directories; the previous round's are removed before timing.
    const put = await alternate(rounds, async (r) => {
      await baselinePut(join(base, `plain-${r}`), blocks);
    }, async (r) => {
      const s = store as DirectoryStore;
      await pooled(blocks, PUT_IN_FLIGHT, async (b, i) => {
        locators[i] = (await s.put(b)).locator;
      });
    }, async (r) => {
      await rm(join(base, `plain-${r - 1}`), { recursive: true, force: true });
      await mkdir(join(base, `plain-${r}`));
      if (store !== undefined) await rm(store.root, { recursive: true, force: true });
      store = await DirectoryStore.open({ root: join(base, `store-${r}`), minFreeBytes: 0 });
    });
    await rm(join(base, `plain-${rounds - 1}`), { recursive: true, force: true });
    report({ name: 'DirectoryStore.put (64 MiB blocks)', figure: fmtRate(total, put.ms), baseline: fmtRate(total, put.baseMs), ratio: ratio(put.baseMs, put.ms), target: '>= 0.9× (md5+write+fsync)' });
    if (store === undefined) throw new Error('no store');
    const st = store;

    // get: page cache warm for both; the baseline reads the store's own files.
    const storeFiles = locators.map((l) => join(st.root, l.slice(0, 3), l.slice(0, 32)));
    const raw = await alternate(rounds, async () => {
      for (const p of storeFiles) await readFile(p);
    }, () => pooled(locators, GET_IN_FLIGHT, async (l) => {
      await st.get(l, { verify: false });
    }));
    report({ name: 'DirectoryStore.get (verify off)', figure: fmtRate(total, raw.ms), baseline: fmtRate(total, raw.baseMs), ratio: ratio(raw.baseMs, raw.ms), target: '>= 0.9× (fs.readFile)' });
    const verified = await alternate(rounds, async () => {
      for (const p of storeFiles) createHash('md5').update(await readFile(p)).digest('hex');
    }, () => pooled(locators, GET_IN_FLIGHT, async (l) => {
      await st.get(l);
    }));
    report({ name: 'DirectoryStore.get (md5 verified)', figure: fmtRate(total, verified.ms), baseline: fmtRate(total, verified.baseMs), ratio: ratio(verified.baseMs, verified.ms), target: '>= 0.9× (fs.readFile + md5)' });

    // ranged 1 MiB reads at random offsets from cached blocks vs slicing the same memory.
    const cache = new ReadCache(st, { maxBytes: total + BLOCK });
    await pooled(locators, GET_IN_FLIGHT, async (l) => {
      await cache.get(l, { offset: 0, length: 1 });
    });
    const pick = (): [number, number] => {
      const i = Math.floor(Math.random() * count);
      return [i, Math.floor(Math.random() * Math.max(1, (blocks[i] as Uint8Array).byteLength - MiB))];
    };
    const sliceDirect = async (i: number, off: number): Promise<Uint8Array> => (blocks[i] as Uint8Array).slice(off, off + MiB);
    let ops = 0;
    let baseOps = 0;
    let ms = 0;
    let baseMs = 0;
    for (let r = 0; r < rounds * 4; r++) {
      const sliceMs = (RANGED_SECONDS * 1000) / (rounds * 4);
      baseMs += await timed(async () => {
        for (const until = performance.now() + sliceMs; performance.now() < until; baseOps++) {
          const [i, off] = pick();
          await sliceDirect(i, off);
        }
      });
      ms += await timed(async () => {
        for (const until = performance.now() + sliceMs; performance.now() < until; ops++) {
          const [i, off] = pick();
          await cache.get(locators[i] as string, { offset: off, length: MiB });
        }
      });
    }
    const opsPerS = ops / (ms / 1000);
    const baseOpsPerS = baseOps / (baseMs / 1000);
    report({ name: 'ReadCache ranged 1 MiB reads (cached)', figure: `${opsPerS.toFixed(0)} ops/s`, baseline: `${baseOpsPerS.toFixed(0)} ops/s`, ratio: ratio(opsPerS, baseOpsPerS), target: 'report (baseline: slice of the same memory)' });
    const stats = cache.stats();
    process.stdout.write(`  cache: ${stats.hits} hits, ${stats.misses} misses, ${stats.fetches} fetches, ${(stats.memoryBytes / MiB).toFixed(0)} MiB held\n`);
    cache.clearMemory();

    await rm(st.root, { recursive: true, force: true });
    await benchKeepProtocol(base, blocks, total, rounds);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
