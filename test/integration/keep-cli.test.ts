import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { http, md5, randomData } from './keep-helpers.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Spawn `keepfs <args>` and wait for its "listening on <url>" line. */
async function start(args: string[], cwd?: string): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd === undefined ? {} : { cwd }) });
  let out = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${err}`)), 15_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; stderr: ${err}`));
    });
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { child, url, stop };
}

describe('keepfs keepstore', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('serves PUT/GET over directory volumes, with classes, signatures and the admin index', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keepstore-cli-'));
    dirs.push(dir);
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, 'cli-test-signing-key\n');
    const ks = await start(['keepstore', '--listen', '127.0.0.1:0', '--volume', `dir:${join(dir, 'v0')}`, '--volume', `dir:${join(dir, 'v1')}:archive`, '--signing-key-file', keyFile, '--admin-token', 'adm']);
    try {
      const data = randomData(2048);
      const h = md5(data);
      const put = await http(ks.url, 'PUT', `/${h}`, { Authorization: 'Bearer tok1', 'X-Keep-Storage-Classes': 'default, archive' }, data);
      assert.equal(put.status, 200);
      assert.equal(put.headers['x-keep-replicas-stored'], '2');
      const confirmed = String(put.headers['x-keep-storage-classes-confirmed']).split(', ').sort();
      assert.deepEqual(confirmed, ['archive=1', 'default=1']);
      const locator = put.body.toString().trim();
      assert.match(locator, new RegExp(`^${h}\\+2048\\+A[0-9a-f]{40}@[0-9a-f]{8}$`));
      const get = await http(ks.url, 'GET', `/${locator}`, { Authorization: 'Bearer tok1' });
      assert.equal(get.status, 200);
      assert.deepEqual(new Uint8Array(get.body), data);
      assert.equal((await http(ks.url, 'GET', `/${locator}`)).status, 401);
      assert.equal((await http(ks.url, 'GET', `/${h}+2048`, { Authorization: 'Bearer tok1' })).status, 400);
      const index = await http(ks.url, 'GET', '/index', { Authorization: 'Bearer adm' });
      assert.match(index.body.toString(), new RegExp(`^${h}\\+2048 [0-9]+\\n\\n$`));
      // The block is a file in each volume: <root>/<hash[0:3]>/<hash>.
      for (const v of ['v0', 'v1']) assert.deepEqual(await readdir(join(dir, v, h.slice(0, 3))), [h]);
    } finally {
      await ks.stop();
    }
  });

  it('refuses to start without a volume', async () => {
    await assert.rejects(start(['keepstore', '--listen', '127.0.0.1:0']), /exited with [1-9]/);
  });
});

describe('keepfs serve', () => {
  it('creates the data dir and a 0600 signing key on first start, serves PUT/GET, keeps the key across restarts', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'keepfs-serve-'));
    try {
      let srv = await start(['serve', '--listen', '127.0.0.1:0'], cwd);
      const data = randomData(5000);
      const h = md5(data);
      let locator: string;
      try {
        const keyStat = await stat(join(cwd, 'keepfs-data', 'signing-key'));
        assert.equal(keyStat.mode & 0o777, 0o600);
        const put = await http(srv.url, 'PUT', `/${h}`, { Authorization: 'Bearer t' }, data);
        assert.equal(put.status, 200);
        locator = put.body.toString().trim();
        assert.match(locator, /\+A[0-9a-f]{40}@/);
        const get = await http(srv.url, 'GET', `/${locator}`, { Authorization: 'Bearer t' });
        assert.deepEqual(new Uint8Array(get.body), data);
        assert.deepEqual(await readdir(join(cwd, 'keepfs-data', 'blocks', h.slice(0, 3))), [h]);
      } finally {
        await srv.stop();
      }
      srv = await start(['serve', '--listen', '127.0.0.1:0', '--data', join(cwd, 'keepfs-data')]);
      try {
        const again = await http(srv.url, 'GET', `/${locator}`, { Authorization: 'Bearer t' });
        assert.equal(again.status, 200);
        assert.deepEqual(new Uint8Array(again.body), data);
      } finally {
        await srv.stop();
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});
