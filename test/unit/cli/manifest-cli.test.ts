import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeManifest } from '../../../src/manifest/normalize.js';
import { signLocator, signatureExpiry, verifyManifestSignatures } from '../../../src/manifest/signature.js';

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8';
const FOO_MANIFEST = `. ${FOO}+3 0:3:foo\n`;
const FOO_PDH = '1f4b0bc7583c2a7f9102c395f4ffc5e3+45';
const KEY = 'zfhgfenhffzltr9dixws36j1yhksjoll2grmku38mi7yxd66h5j4q9w4jzanezacp8s6q0ro3hxakfye02152hncy6zml2ed0uc';
const TOKEN = '3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi';

interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Run `node main.js manifest …args` for real, feeding `stdin`. */
function keepfs(args: readonly string[], stdin: string | Buffer = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'manifest', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.end(stdin);
  });
}

function assertOneLineError(run: Run): void {
  assert.notEqual(run.code, 0);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1, `one stderr line, got: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
}

describe('keepfs manifest (CLI)', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'keepfs-manifest-cli-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, content: string | Buffer): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, content);
    return p;
  };

  it('pdh reads stdin and prints the portable data hash', async () => {
    const run = await keepfs(['pdh'], FOO_MANIFEST);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString(), `${FOO_PDH}\n`);
  });

  it('pdh reads a file, and ignores signatures', async () => {
    const signed = `. ${signLocator(`${FOO}+3`, { key: KEY, token: TOKEN, expiry: 0x7fffffff, ttlSeconds: 60 })} 0:3:foo\n`;
    const run = await keepfs(['pdh', await file('signed.txt', signed)]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString(), `${FOO_PDH}\n`);
  });

  it('normalize prints the Go-compatible re-marshalled manifest', async () => {
    const input = `./d 3858f62230ac3c915f300c664312c63f+6 3:3:bar 0:3:foo\n. ${FOO}+3 0:3:foo\n`;
    const run = await keepfs(['normalize', await file('unsorted.txt', input)]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout, Buffer.from(normalizeManifest(input)));
    assert.ok(run.stdout.toString().startsWith('. '), 'root stream first');
  });

  it('normalize reports a malformed manifest as one stderr line', async () => {
    const run = await keepfs(['normalize'], '. xyz 0:3:foo\n');
    assertOneLineError(run);
    assert.match(run.stderr, /malformed manifest_text: line 1: bad locator "xyz"/);
    assert.equal(run.stdout.length, 0);
  });

  it('validate prints nothing and exits 0 for a valid manifest', async () => {
    const run = await keepfs(['validate'], FOO_MANIFEST);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString(), '');
  });

  it('validate prints "line N: message" per problem and exits 1', async () => {
    const run = await keepfs(['validate', await file('bad.txt', `${FOO_MANIFEST}./a/.. ${FOO}+3 0:3:foo \n. ${FOO}+3`)]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout.toString(),
      [
        'line 2: trailing space',
        'line 2: missing or invalid stream name "./a/.."',
        'line 3: no file tokens',
        'line 3: does not end with newline',
        '',
      ].join('\n'),
    );
  });

  it('sign signs every locator with the given expiry; verify accepts the result', async () => {
    const input = `. ${FOO}+3 0:3:foo\n./d ${FOO}+3+K@xyzzy 0:3:bar\n`;
    const signed = await keepfs(['sign', '--key', KEY, '--token', TOKEN, '--ttl', '3600', '--expires', '2147483647'], input);
    assert.equal(signed.code, 0, signed.stderr);
    const opts = { key: KEY, token: TOKEN, expiry: 0x7fffffff, ttlSeconds: 3600 };
    assert.equal(signed.stdout.toString(), `. ${signLocator(`${FOO}+3`, opts)} 0:3:foo\n./d ${signLocator(`${FOO}+3+K@xyzzy`, opts)} 0:3:bar\n`);
    const verified = await keepfs(['verify', '--key', KEY, '--token', TOKEN, '--ttl', '3600', await file('signed2.txt', signed.stdout)]);
    assert.equal(verified.code, 0, verified.stdout.toString() + verified.stderr);
    assert.equal(verified.stdout.toString(), '');
  });

  it('sign defaults the expiry to now + ttl', async () => {
    const before = Math.floor(Date.now() / 1000);
    const run = await keepfs(['sign', '--key', KEY, '--token', TOKEN, '--ttl', '1209600'], FOO_MANIFEST);
    const after = Math.floor(Date.now() / 1000);
    assert.equal(run.code, 0, run.stderr);
    const locator = run.stdout.toString().split(' ')[1] ?? '';
    const expiry = signatureExpiry(locator) ?? 0;
    assert.ok(expiry >= before + 1209600 && expiry <= after + 1209600, `expiry ${expiry}`);
    assert.deepEqual(verifyManifestSignatures(run.stdout, { key: KEY, token: TOKEN, ttlSeconds: 1209600 }), []);
  });

  it('verify prints "line N: <locator>: <error>" per failure and exits 1', async () => {
    const opts = { key: KEY, token: TOKEN, expiry: 0x7fffffff, ttlSeconds: 60 };
    const good = signLocator(`${FOO}+3`, opts);
    const otherToken = signLocator(`${FOO}+3`, { ...opts, token: 'someone-else' });
    const old = signLocator(`${FOO}+3`, { ...opts, expiry: 1000 });
    const input = `. ${good} 0:3:foo\n./a ${FOO}+3 ${otherToken} 0:3:foo\n./b ${old} 0:3:foo\n`;
    const run = await keepfs(['verify', '--key', KEY, '--token', TOKEN, '--ttl', '60', '--now', '1800000000'], input);
    assert.equal(run.code, 1);
    assert.equal(
      run.stdout.toString(),
      `line 2: ${FOO}+3: Missing signature\nline 2: ${otherToken}: Invalid signature\nline 3: ${old}: Signature expired\n`,
    );
  });

  it('verify with a different TTL reports invalid signatures', async () => {
    const signed = `. ${signLocator(`${FOO}+3`, { key: KEY, token: TOKEN, expiry: 0x7fffffff, ttlSeconds: 60 })} 0:3:foo\n`;
    const run = await keepfs(['verify', '--key', KEY, '--token', TOKEN, '--ttl', '61', '--now', '0'], signed);
    assert.equal(run.code, 1);
    assert.match(run.stdout.toString(), /^line 1: .*: Invalid signature\n$/);
  });

  it('rejects bad options and missing files with one stderr line and no stack trace', async () => {
    const runs = await Promise.all([
      keepfs(['sign', '--key', KEY, '--token', TOKEN, '--ttl', 'abc'], FOO_MANIFEST),
      keepfs(['sign', '--key', KEY, '--token', TOKEN, '--ttl', '60', '--expires', '-5'], FOO_MANIFEST),
      keepfs(['sign', '--token', TOKEN, '--ttl', '60'], FOO_MANIFEST),
      keepfs(['verify', '--key', KEY, '--ttl', '60'], FOO_MANIFEST),
      keepfs(['pdh', join(dir, 'does-not-exist.txt')]),
    ]);
    for (const run of runs) assertOneLineError(run);
    assert.match(runs[0]?.stderr ?? '', /--ttl/);
    assert.match(runs[2]?.stderr ?? '', /--key/);
    assert.match(runs[4]?.stderr ?? '', /does-not-exist\.txt/);
  });
});
