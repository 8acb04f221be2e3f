// kill -9 a process writing into a DirectoryStore at random times, ~20 times, and check that the
// store never shows a partial or wrong block, and that reopening removes the leftover temp files.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DirectoryStore } from '../../../src/blocks/directory-store.js';
import { blocksMd5, blocksTempDir } from '../../helpers/blocks-tmp.js';

const WRITER = fileURLToPath(new URL('../../helpers/blocks-crash-writer.js', import.meta.url));
const ROUNDS = 20;

/**
 * Start the writer, kill -9 it `delayMs` after it is ready and has reported `afterBlocks` stored
 * blocks; resolve with the locators it reported.
 */
function runAndKill(root: string, delayMs: number, afterBlocks: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, root], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const stored = out.split('\n').length - 2; // lines after "ready", the last one still open
      if (timer === undefined && out.startsWith('ready\n') && stored >= afterBlocks) timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}/${signal}: ${err}`));
      else resolve(out.split('\n').filter((l) => l !== '' && l !== 'ready'));
    });
  });
}

it('DirectoryStore survives kill -9 during writes: no partial or corrupt block is ever visible', { timeout: 180_000 }, async () => {
  const { dir: root, cleanup } = await blocksTempDir('crash');
  try {
    const reported = new Set<string>();
    let interruptedWrites = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // Every fourth writer is killed only after it has stored a block, so a slow (loaded) machine
      // still checks that reported blocks survive; the others die at any point, start-up included.
      for (const loc of await runAndKill(root, randomInt(20, 300), round % 4 === 0 ? 1 : 0)) reported.add(loc);
      // The next writer's open removes these, so count them now.
      interruptedWrites += (await readdir(join(root, 'tmp'))).length;
      // Check the store as the crash left it (no cleanup yet): every listed block is whole.
      const store = new DirectoryStore({ root, readOnly: true });
      for await (const info of store.list()) {
        const data = await store.get(`${info.hash}+${info.size}`, { verify: false });
        assert.equal(data.byteLength, info.size);
        assert.equal(blocksMd5(data), info.hash, `round ${round}: block ${info.hash} is corrupt`);
      }
    }
    // The kills did hit writes in progress (their temp files are still there).
    assert.ok(interruptedWrites > 0, 'no write was interrupted');
    const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
    const listed = new Map<string, number>();
    for await (const info of store.list()) listed.set(info.hash, info.size);
    assert.ok(reported.size > 0, 'the writer stored nothing before being killed');
    // Every block the writer reported as stored is there, whole.
    for (const loc of reported) {
      const [hash, size] = loc.split('+');
      assert.equal(listed.get(hash ?? ''), Number(size), `reported block ${loc} missing`);
      assert.equal(blocksMd5(await store.get(loc)), hash);
    }
    // Reopening removed the killed writers' temp files; nothing but blocks in the hash dirs.
    assert.deepEqual(await readdir(join(root, 'tmp')), []);
    for (const d of await readdir(root)) {
      if (d === 'tmp' || d === 'trash') continue;
      assert.match(d, /^[0-9a-f]{3}$/);
      for (const f of await readdir(join(root, d))) assert.match(f, /^[0-9a-f]{32}$/);
    }
  } finally {
    await cleanup();
  }
});
