/**
 * Keep protocol benchmark (`npm run bench -- keep [size]`, default 1G): put/get of the same
 * 64 MiB random blocks through KeepClient → keep server on 127.0.0.1 vs the direct
 * DirectoryStore the server stores into (same disk, same run). Measured variants:
 * - server in this process (`startKeepServer`) and server in a child process (`keepfs keepstore`,
 *   how it runs for real: client and server each get their own event loop);
 * - put with the hash known by the caller (`put(data, { hash })`: the server checks it, the
 *   client does not hash again).
 * Each pair runs in ABBA rounds (KEEPFS_BENCH_ROUNDS, default 2) after a `sync`; the best time of
 * each side is kept (this VM's disk and CPU vary by 2× from run to run). Target: ≥ 0.7×.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DirectoryStore } from '../src/blocks/directory-store.js';
import { KeepClient } from '../src/blocks/keep-client.js';
import { startKeepServer } from '../src/server/keep/keep-server.js';
import { parseSize, pooled } from './_util.js';

const MiB = 1 << 20;
const BLOCK = 64 * MiB;
const IN_FLIGHT = Number(process.env['KEEPFS_BENCH_IN_FLIGHT'] ?? availableParallelism());
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));



async function timed(fn: () => Promise<void>): Promise<number> {
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const rate = (bytes: number, ms: number): string => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;

function report(name: string, total: number, ms: number, baseMs: number): void {
  process.stdout.write(`${name.padEnd(52)} ${rate(total, ms).padStart(11)}  baseline ${rate(total, baseMs).padStart(11)}  ratio ${(baseMs / ms).toFixed(2)}×  target >= 0.7×\n`);
}

/** Start `keepfs keepstore` over `dir` in a child process. */
async function childKeepstore(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [MAIN, 'keepstore', '--listen', '127.0.0.1:0', '--volume', `dir:${dir}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m?.[1] !== undefined) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`keepstore exited with ${code}`)));
  });
  return { url, child };
}

async function main(): Promise<void> {
  const total = parseSize(process.argv[2], 1024 * MiB);
  const rounds = Number(process.env['KEEPFS_BENCH_ROUNDS'] ?? 2);
  const count = Math.ceil(total / BLOCK);
  process.stdout.write(`keep benchmark: ${count} block(s) of 64 MiB, ${IN_FLIGHT} in flight, best of ${rounds} ABBA rounds\n`);
  const blocks = Array.from({ length: count }, () => {
    const b = new Uint8Array(BLOCK);
    randomFillSync(b);
    return b;
  });
  const hashes = blocks.map((b) => createHash('md5').update(b).digest('hex'));
  const base = await mkdtemp(join(process.env['KEEPFS_BENCH_DIR'] ?? tmpdir(), 'keepfs-bench-keep-'));
  try {
    const direct = { put: Infinity, get: Infinity };
    const viaKeep = { put: Infinity, putHash: Infinity, get: Infinity, childPut: Infinity, childGet: Infinity };
    for (let r = 0; r < rounds; r++) {
      const dirDirect = join(base, `direct-${r}`);
      const dirKeep = join(base, `keep-${r}`);
      const dirChild = join(base, `child-${r}`);
      const store = await DirectoryStore.open({ root: dirDirect, minFreeBytes: 0 });
      const server = await startKeepServer({ store: await DirectoryStore.open({ root: dirKeep, minFreeBytes: 0 }) });
      const child = await childKeepstore(dirChild);
      const kc = new KeepClient({ services: [{ url: server.url }], replicas: 1 });
      const kcChild = new KeepClient({ services: [{ url: child.url }], replicas: 1 });
      const locs = blocks.map((b, i) => `${hashes[i]}+${b.byteLength}`);
      const sides: Array<() => Promise<void>> = [
        async () => { direct.put = Math.min(direct.put, await timed(() => pooled(blocks, IN_FLIGHT, async (b) => void (await store.put(b))))); },
        async () => { viaKeep.put = Math.min(viaKeep.put, await timed(() => pooled(blocks, IN_FLIGHT, async (b) => void (await kc.put(b))))); },
        async () => { viaKeep.childPut = Math.min(viaKeep.childPut, await timed(() => pooled(blocks, IN_FLIGHT, async (b) => void (await kcChild.put(b))))); },
      ];
      for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await side();
      viaKeep.putHash = Math.min(viaKeep.putHash, await timed(() => pooled(blocks, IN_FLIGHT, async (b, i) => void (await kc.put(b, { hash: hashes[i] as string })))));
      const gets: Array<() => Promise<void>> = [
        async () => { direct.get = Math.min(direct.get, await timed(() => pooled(locs, IN_FLIGHT, async (l) => void (await store.get(l))))); },
        async () => { viaKeep.get = Math.min(viaKeep.get, await timed(() => pooled(locs, IN_FLIGHT, async (l) => void (await kc.get(l))))); },
        async () => { viaKeep.childGet = Math.min(viaKeep.childGet, await timed(() => pooled(locs, IN_FLIGHT, async (l) => void (await kcChild.get(l))))); },
      ];
      for (const side of r % 2 === 0 ? gets : [...gets].reverse()) await side();
      kc.close();
      kcChild.close();
      await server.close();
      child.child.kill('SIGTERM');
      await rm(dirDirect, { recursive: true, force: true });
      await rm(dirKeep, { recursive: true, force: true });
      await rm(dirChild, { recursive: true, force: true });
    }
    report('put: KeepClient → keep server (same process)', total, viaKeep.put, direct.put);
    report('put: KeepClient → keepfs keepstore (child process)', total, viaKeep.childPut, direct.put);
    report('put with known hash: KeepClient → keep server', total, viaKeep.putHash, direct.put);
    report('get (md5 verified): KeepClient → keep server', total, viaKeep.get, direct.get);
    report('get (md5 verified): KeepClient → keepfs keepstore', total, viaKeep.childGet, direct.get);
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
