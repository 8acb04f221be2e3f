/**
 * CollectionFS API-call overhead (`npm run bench -- fs-api [many|small] [passes]`): the per-call
 * half of `fs many` and `fs small`, timed apart from loading and marshalling, with CPU time
 * (user + system, all threads) next to wall time because the host is shared.
 * - many: load `testLargeManifest(512, 512, 1, 0)` (as `fs many`), then `passes` passes (default 3)
 *   of `stat(p)`, `open(p, 'r')`, `close()` over all 262,144 files through the same generator of
 *   paths as `fs many`. Pass 1 is the figure `fs many` measures (code not yet optimised by V8);
 *   later passes show the steady state.
 * - small: 100,000 × `writeFile('fileN', 1000 B)` into an empty collection, no marshal.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomFillSync } from 'node:crypto';
import { testLargeManifest } from './_manifests.js';
import { MemoryStore } from '../src/blocks/memory-store.js';
import { CollectionFS } from '../src/fs/collection-fs.js';

const cpuMs = (start: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};
const figure = (ms: number, cpu: number, calls: number): string => `${ms.toFixed(0)} ms wall, ${cpu.toFixed(0)} ms CPU (${((cpu * 1e6) / calls).toFixed(0)} ns CPU per file)`;

function* manyFilesPaths(): Iterable<string> {
  for (let i = 0; i < 512; i++) for (let j = 0; j < 512; j++) yield `dir${i}/dir${j}/file${j}`;
}

async function many(passes: number): Promise<void> {
  const fs = await CollectionFS.load(testLargeManifest(512, 512, 1, 0), { store: new MemoryStore() });
  for (let pass = 1; pass <= passes; pass++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const path of manyFilesPaths()) {
      await fs.stat(path);
      const h = await fs.open(path, 'r');
      await h.close();
    }
    process.stdout.write(`many: stat+open+close of 262,144 files, pass ${pass}: ${figure(performance.now() - t0, cpuMs(c0), 262144)}\n`);
  }
}

async function small(passes: number): Promise<void> {
  const n = 100_000;
  const data = randomFillSync(Buffer.allocUnsafe(n * 1000));
  for (let pass = 1; pass <= passes; pass++) {
    const fs = await CollectionFS.load('', { store: new MemoryStore() });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fs.writeFile(`file${i}`, data.subarray(i * 1000, (i + 1) * 1000));
    process.stdout.write(`small: writeFile of 100,000 new 1000-byte files, pass ${pass}: ${figure(performance.now() - t0, cpuMs(c0), n)}\n`);
  }
}

const args = process.argv.slice(2);
const passes = Number(args.find((a) => /^\d+$/.test(a)) ?? 3);
const cases = args.filter((a) => a === 'many' || a === 'small');
for (const name of cases.length > 0 ? cases : ['many', 'small']) await (name === 'many' ? many(passes) : small(passes));
process.stdout.write(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, ${os.cpus().length} CPUs, Node ${process.version}\n`);
