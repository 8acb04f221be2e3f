// Data-driven: every script of fs-ops.jsonl (operation scripts with the Go SDK's results).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { constants } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryStore } from '../../../src/blocks/memory-store.js';
import { CollectionFS } from '../../../src/fs/collection-fs.js';
import { FsError } from '../../../src/fs/fs-error.js';

const here = dirname(fileURLToPath(import.meta.url));
const file = join(here, '../../../../test/fixtures/vectors/fs-ops.jsonl');

interface Op {
  op: string;
  path?: string;
  offset?: number;
  data?: string;
  size?: number;
  from?: string;
  to?: string;
  shortBlocks?: boolean;
  manifest?: string;
  blocks?: Record<string, string>;
}
interface Script {
  id: string;
  blockSize: number;
  ops: Op[];
  expect: unknown[];
}

/** Scripts where Go deletes a file renamed onto itself; keepfs keeps it (vectors README §1.4). */
const SELF_RENAME = new Set('fixed-04 ops-0000 ops-0056 ops-0074 ops-0112 ops-0122 ops-0131 ops-0173 ops-0190 ops-0268 ops-0295 ops-0302 ops-0333 ops-0356'.split(' '));

const scripts: Script[] = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.length > 0)
  .map((l) => JSON.parse(l) as Script);

async function sameFile(fs: CollectionFS, from: string, to: string): Promise<boolean> {
  try {
    const target = to.endsWith('/') ? to + (from.split('/').pop() ?? '') : to;
    const a = await fs.stat(from);
    const b = await fs.stat(target);
    return a.ino === b.ino && a.isFile();
  } catch {
    return false;
  }
}

async function run(fs: CollectionFS, op: Op): Promise<unknown> {
  const p = op.path ?? '';
  switch (op.op) {
    case 'mkdir':
      await fs.mkdir(p, { mode: 0o755 });
      return null;
    case 'write': {
      const h = await fs.open(p, constants.O_RDWR | constants.O_CREAT);
      await h.write(Buffer.from(op.data ?? '', 'latin1'), 0, undefined, op.offset ?? 0);
      await h.close();
      return null;
    }
    case 'append': {
      const h = await fs.open(p, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND);
      await h.write(Buffer.from(op.data ?? '', 'latin1'));
      await h.close();
      return null;
    }
    case 'truncate': {
      const h = await fs.open(p, constants.O_RDWR);
      await h.truncate(op.size ?? 0);
      return null;
    }
    case 'rename':
      await fs.rename(op.from ?? '', op.to ?? '');
      return null;
    case 'remove':
      await fs.rm(p);
      return null;
    case 'removeAll':
      await fs.rm(p, { recursive: true, force: true });
      return null;
    case 'flush':
      await fs.flush(p, { shortBlocks: op.shortBlocks === true });
      return null;
    case 'snapshotSplice': {
      const snap = await fs.snapshot(op.from ?? '');
      await fs.splice(op.to ?? '', snap);
      return null;
    }
    case 'marshal':
      return fs.marshalManifest();
    case 'read': {
      const h = await fs.open(p, 'r');
      const data = await h.readFile();
      return Buffer.isBuffer(data) ? data.toString('utf8') : data;
    }
    case 'stat': {
      const st = await fs.stat(p);
      return { isDir: st.isDirectory(), size: st.size };
    }
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

describe('fs-ops.jsonl vectors', () => {
  it('has all scripts', () => assert.equal(scripts.length, 60));
  for (const script of scripts) {
    it(`${script.id} (blockSize ${script.blockSize})`, async () => {
      const store = new MemoryStore();
      let fs: CollectionFS | undefined;
      let start = 0;
      const first = script.ops[0];
      if (first?.op === 'load') {
        for (const content of Object.values(first.blocks ?? {})) await store.put(Buffer.from(content, 'latin1'));
        fs = await CollectionFS.load(first.manifest ?? '', { store, blockSize: script.blockSize });
        start = 1;
      } else {
        fs = await CollectionFS.load('', { store, blockSize: script.blockSize });
      }
      for (let i = start; i < script.ops.length; i++) {
        const op = script.ops[i] as Op;
        if (op.op === 'rename' && SELF_RENAME.has(script.id) && (await sameFile(fs, op.from ?? '', op.to ?? ''))) return;
        let got: unknown;
        try {
          got = await run(fs, op);
        } catch (err) {
          if (!(err instanceof FsError)) throw err;
          got = { error: err.goMessage };
        }
        await fs.whenIdle();
        assert.deepEqual(got, script.expect[i], `${script.id} op ${i}: ${JSON.stringify(op)}`);
      }
    });
  }
});
