/**
 * Keep protocol benchmark (`npm run bench -- keep [size]`, default 1G): put/get of the same
 * 64 MiB random blocks through KeepClient → keep server on 127.0.0.1 vs the direct
 * DirectoryStore the server stores into (same disk, same run). Measured variants:
 * - server in this process (`startKeepServer`) and server in a child process (`keepfs keepstore`,
 *   how it runs for real: client and server each get their own event loop);
 * - put with the hash known by the caller (`put(data, { hash })`: the server checks it, the
 *   client does not hash again).
 * Each pair runs in ABBA rounds (KEEPFS_BENCH_ROUNDS, default 2) after a `sync`; the best time of
 * each side is kept (this VM's disk and CPU vary by 2× from run to run), and the median CPU time
 * (user + system, client and server process) is printed next to it. Target: ≥ 0.7×, judged on
 * the child-process variant. KEEPFS_BENCH_PHASES=put or =get runs only that half.
 */
import { createHash, randomFillSync } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
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



/** Wall and CPU times of each run of one side. */
interface Runs {
  wallMs: number[];
  cpuMs: number[];
}
const runs = (): Runs => ({ wallMs: [], cpuMs: [] });

/** CPU ms (user + system) used so far by process `pid`, from /proc (Linux; 0 elsewhere). */
function childCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/**
 * Run `fn` once after a `sync`, adding its wall time and the CPU time of this process (and of
 * the keepstore child `pid`, when given) to `into`: on the shared 2-core VM CPU time is the
 * steadier figure for comparing two versions of the code.
 */
async function timed(into: Runs, fn: () => Promise<void>, pid?: number): Promise<void> {
  spawnSync('sync');
  await new Promise((r) => setTimeout(r, 300));
  const c0 = process.cpuUsage();
  const k0 = childCpuMs(pid);
  const t0 = performance.now();
  await fn();
  into.wallMs.push(performance.now() - t0);
  const c = process.cpuUsage(c0);
  into.cpuMs.push((c.user + c.system) / 1000 + childCpuMs(pid) - k0);
}

const rate = (bytes: number, ms: number): string => `${(bytes / MiB / (ms / 1000)).toFixed(0)} MiB/s`;
const best = (xs: number[]): number => Math.min(...xs);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function report(name: string, total: number, side: Runs, base: Runs, judged = false): void {
  const ms = best(side.wallMs);
  const baseMs = best(base.wallMs);
  const cpu = `cpu ${(median(side.cpuMs) / 1000).toFixed(2)} s vs ${(median(base.cpuMs) / 1000).toFixed(2)} s`;
  process.stdout.write(`${name.padEnd(52)} ${rate(total, ms).padStart(11)}  baseline ${rate(total, baseMs).padStart(11)}  ratio ${(baseMs / ms).toFixed(2)}×  target >= 0.7×${judged ? ' (judged)' : '          '}  ${cpu}\n`);
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
  // Whole 64 MiB blocks: the size asked for is rounded up, and rates count what is moved.
  const count = Math.max(1, Math.ceil(parseSize(process.argv[2], 1024 * MiB) / BLOCK));
  const total = count * BLOCK;
  const rounds = Number(process.env['KEEPFS_BENCH_ROUNDS'] ?? 2);
  process.stdout.write(`keep benchmark: ${count} block(s) of 64 MiB, ${IN_FLIGHT} in flight, best of ${rounds} ABBA rounds, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  const blocks = Array.from({ length: count }, () => {
    const b = new Uint8Array(BLOCK);
    randomFillSync(b);
    return b;
  });
  const hashes = blocks.map((b) => createHash('md5').update(b).digest('hex'));
  const base = await mkdtemp(join(process.env['KEEPFS_BENCH_DIR'] ?? tmpdir(), 'keepfs-bench-keep-'));
  try {
    const direct = { put: runs(), get: runs() };
    const viaKeep = { put: runs(), putHash: runs(), get: runs(), childPut: runs(), childGet: runs() };
    const phases = (process.env['KEEPFS_BENCH_PHASES'] ?? 'put,get').split(',');
    for (let r = 0; r < rounds; r++) {
      const dirDirect = join(base, `direct-${r}`);
      const dirKeep = join(base, `keep-${r}`);
      const dirChild = join(base, `child-${r}`);
      const store = await DirectoryStore.open({ root: dirDirect, minFreeBytes: 0 });
      const server = await startKeepServer({ store: await DirectoryStore.open({ root: dirKeep, minFreeBytes: 0 }) });
      const child = await childKeepstore(dirChild);
      const pid = child.child.pid;
      const kc = new KeepClient({ services: [{ url: server.url }], replicas: 1 });
      const kcChild = new KeepClient({ services: [{ url: child.url }], replicas: 1 });
      const locs = blocks.map((b, i) => `${hashes[i]}+${b.byteLength}`);
      const putAll = (s: { put(b: Uint8Array): Promise<unknown> }) => () => pooled(blocks, IN_FLIGHT, async (b) => void (await s.put(b)));
      const getAll = (s: { get(l: string): Promise<unknown> }) => () => pooled(locs, IN_FLIGHT, async (l) => void (await s.get(l)));
      const sides: Array<() => Promise<void>> = [
        () => timed(direct.put, putAll(store)),
        () => timed(viaKeep.put, putAll(kc)),
        () => timed(viaKeep.childPut, putAll(kcChild), pid),
      ];
      // Without the put phase, the gets read blocks stored untimed.
      if (phases.includes('put')) for (const side of r % 2 === 0 ? sides : [...sides].reverse()) await side();
      else await Promise.all([putAll(store)(), putAll(kc)(), putAll(kcChild)()]);
      if (phases.includes('put')) await timed(viaKeep.putHash, () => pooled(blocks, IN_FLIGHT, async (b, i) => void (await kc.put(b, { hash: hashes[i] as string }))));
      const gets: Array<() => Promise<void>> = [
        () => timed(direct.get, getAll(store)),
        () => timed(viaKeep.get, getAll(kc)),
        () => timed(viaKeep.childGet, getAll(kcChild), pid),
      ];
      if (phases.includes('get')) for (const side of r % 2 === 0 ? gets : [...gets].reverse()) await side();
      kc.close();
      kcChild.close();
      await server.close();
      child.child.kill('SIGTERM');
      await rm(dirDirect, { recursive: true, force: true });
      await rm(dirKeep, { recursive: true, force: true });
      await rm(dirChild, { recursive: true, force: true });
    }
    // Judged on the child-process variant: keepstore runs as its own process for real, and there
    // client and server hash on different cores. CPU: median per run, client + server processes.
    if (phases.includes('put')) {
      report('put: KeepClient → keep server (same process)', total, viaKeep.put, direct.put);
      report('put: KeepClient → keepfs keepstore (child process)', total, viaKeep.childPut, direct.put, true);
      report('put with known hash: KeepClient → keep server', total, viaKeep.putHash, direct.put);
    }
    if (phases.includes('get')) {
      report('get (md5 verified): KeepClient → keep server', total, viaKeep.get, direct.get);
      report('get (md5 verified): KeepClient → keepfs keepstore', total, viaKeep.childGet, direct.get, true);
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

await main();
