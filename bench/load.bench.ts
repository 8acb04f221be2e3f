/**
 * `npm run bench -- load [case…] [sink…]`: the manifest loader (`loadManifest`) alone, on issue 4's
 * four load inputs, into three sinks:
 * - noop: a sink that keeps nothing (interns no locator, `childOf` always misses), so the figure
 *   is the loader's own cost;
 * - simple: the reference `SimpleTree`;
 * - fs: `CollectionFS.load(text, { store: new MemoryStore() })` (fs-core's tree and locator table).
 * Cases: many (512 dirs × 512 files, signed), large (800 files × 1000 blocks), interleaved
 * (50 × 1000, 4 MiB chunks), big (the 101.6 MB bigmanifest). Every (case, sink) runs in its own
 * child process; each prints the median wall and CPU (user + system) time of RUNS loads (env
 * BENCH_RUNS, default 5; 1 for big into simple), after one warm-up load, and the same-run ratio to
 * a raw byte scan (count every space with Buffer.indexOf, the least work any parser does).
 * The loaded tree is checked (segment count or total size) so a broken loader cannot look fast.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bigManifest, testLargeManifest } from './_manifests.js';
import os from 'node:os';
import { MemoryStore } from '../src/blocks/memory-store.js';
import { CollectionFS } from '../src/fs/collection-fs.js';
import { loadManifest } from '../src/manifest/load-manifest.js';
import { SimpleTree } from '../src/manifest/simple-tree.js';
import type { LocatorIds, ManifestTreeSink } from '../src/manifest/tree.js';

const MiB = 1 << 20;
const BLOCK = 64 * MiB;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);

interface Case {
  make: () => Buffer;
  /** Total bytes of all files. */
  size: number;
  /** Stored segments the loader appends. */
  segments: number;
}

const CASES: Record<string, Case> = {
  many: { make: () => testLargeManifest(512, 512, 1, 0), size: 512 * 512 * BLOCK, segments: 512 * 512 },
  large: { make: () => testLargeManifest(1, 800, 1000, 0), size: 800 * 1000 * BLOCK, segments: 800 * 1000 },
  interleaved: { make: () => testLargeManifest(1, 50, 1000, 4 * MiB), size: 50 * 1000 * BLOCK, segments: 50 * 16000 },
  big: { make: bigManifest, size: 2000 * 2000 * 300000, segments: 2000 * 2000 * 4 },
};

/** Locator ids that keep nothing. */
class NoopLocators implements LocatorIds {
  internBytes(): number {
    return 0;
  }
  intern(): number {
    return 0;
  }
  text(): string {
    return '';
  }
  size(): number {
    return 0;
  }
}

/** A sink that keeps nothing: every lookup misses, every node is a fresh directory id. */
class NoopSink implements ManifestTreeSink {
  readonly locators = new NoopLocators();
  readonly root = 0;
  nodes = 1;
  segments = 0;
  bytes = 0;
  parentOf(): number {
    return 0;
  }
  childOf(): number {
    return -1;
  }
  isDir(): boolean {
    return true;
  }
  addDir(): number {
    return this.nodes++;
  }
  addFile(): number {
    return this.nodes++;
  }
  addSegment(_file: number, _locator: number, _offset: number, length: number): void {
    this.segments++;
    this.bytes += length;
  }
}

type SinkName = 'noop' | 'simple' | 'fs';
const SINKS: readonly SinkName[] = ['noop', 'simple', 'fs'];

/** Load once into `sink`; resolves to the check of the result (run it outside the timing). */
async function loadInto(sink: SinkName, text: Buffer, c: Case): Promise<() => void> {
  if (sink === 'noop') {
    const s = new NoopSink();
    loadManifest(text, s);
    return () => {
      if (s.segments !== c.segments || s.bytes !== c.size) throw new Error(`noop: ${s.segments} segments / ${s.bytes} B, want ${c.segments} / ${c.size}`);
    };
  }
  if (sink === 'simple') {
    const t = new SimpleTree();
    loadManifest(text, t);
    return () => {
      if (t.size() !== c.size) throw new Error(`simple: size ${t.size()}, want ${c.size}`);
    };
  }
  const fs = await CollectionFS.load(text, { store: new MemoryStore() });
  return () => {
    if (fs.size() !== c.size) throw new Error(`fs: size ${fs.size()}, want ${c.size}`);
  };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

/** Child: time RUNS loads of one case into one sink; prints `ROW <json>`. */
async function child(caseName: string, sink: SinkName): Promise<void> {
  const c = CASES[caseName];
  if (c === undefined) throw new Error(`unknown case ${caseName}`);
  const text = c.make();
  const runs = caseName === 'big' && sink === 'simple' ? 1 : RUNS;
  const scans: number[] = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    let n = 0;
    for (let i = text.indexOf(32); i >= 0; i = text.indexOf(32, i + 1)) n++;
    scans.push(performance.now() - t0);
    if (n === 0) throw new Error('empty manifest');
  }
  (await loadInto(sink, text, c))(); // warm-up and check
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let r = 0; r < runs; r++) {
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const check = await loadInto(sink, text, c);
    walls.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    cpus.push((d.user + d.system) / 1000);
    check();
  }
  const row = { caseName, sink, mb: text.length / 1e6, wall: median(walls), cpu: median(cpus), scan: median(scans), runs };
  process.stdout.write(`ROW ${JSON.stringify(row)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    await child(args[1] ?? '', (args[2] ?? 'noop') as SinkName);
    process.exit(0);
  }
  const cases = args.filter((a) => a in CASES);
  const sinks = args.filter((a): a is SinkName => (SINKS as readonly string[]).includes(a));
  const caseNames = cases.length > 0 ? cases : Object.keys(CASES);
  const sinkNames = sinks.length > 0 ? sinks : SINKS;
  process.stdout.write(`load benchmark — node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0]?.toFixed(1)}, median of ${RUNS} runs\n\n`);
  process.stdout.write('| case | sink | wall | CPU | same-run ratio |\n|---|---|---|---|---|\n');
  for (const caseName of caseNames) {
    for (const sink of sinkNames) {
      const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', caseName, sink], { encoding: 'utf8', maxBuffer: 1 << 24 });
      const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('ROW '));
      if (line === undefined) {
        process.stdout.write(`| ${caseName} | ${sink} | FAILED (exit ${r.status}): ${(r.stderr ?? '').slice(0, 300).replace(/\n/g, ' ')} | | |\n`);
        continue;
      }
      const x = JSON.parse(line.slice(4)) as { mb: number; wall: number; cpu: number; scan: number; runs: number };
      process.stdout.write(`| ${caseName} (${x.mb.toFixed(1)} MB) | ${sink} | ${(x.wall / 1000).toFixed(3)} s | ${(x.cpu / 1000).toFixed(3)} s | ${(x.wall / x.scan).toFixed(1)}× byte scan (${x.scan.toFixed(0)} ms)${x.runs === 1 ? ', 1 run' : ''} |\n`);
    }
  }
  process.stdout.write(`\nload average after: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}\n`);
}

await main();
