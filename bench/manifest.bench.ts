/**
 * `npm run bench -- manifest`: the manifest core on the reference benchmark inputs (§8).
 *
 * - bigmanifest: 2000 streams `./dirN`, each with 100 locators
 *   `d41d8cd98f00b204e9800998ecf8427e+99999` and 2000 file tokens `1200000:300000:fileM`
 *   (101,598,890 bytes).
 * - many-files: testLargeManifest(512, 512, 1, 0) — 262,144 files, one signed 64 MiB block each
 *   (`%032x+67108864+A%040x@%08x`), tokens `pos:67108864:dirJ/fileJ` in reversed layout.
 *
 * Prints tokenize, PDH (with its throughput as a ratio of raw md5 over the same bytes, measured
 * in the same run), signManifest, stripManifestSignatures, validate and normalize times.
 * Each figure is the median of several runs.
 */
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { cpus, loadavg } from 'node:os';
import { tokenizeManifest, type ManifestTokenVisitor } from '../src/manifest/tokenize.js';
import { portableDataHash } from '../src/manifest/portable-data-hash.js';
import { signManifest, stripManifestSignatures } from '../src/manifest/signature.js';
import { validateManifest } from '../src/manifest/validate-manifest.js';
import { normalizeManifest } from '../src/manifest/normalize.js';

const BIG_MANIFEST_BYTES = 101_598_890;
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIGN_OPTS = { key: 'zfhgfenhffzltr9dixws36j1yhksjoll2grmku38mi7yxd66h5j4q9w4jzanezacp8s6q0ro3hxakfye02152hncy6zml2ed0uc', token: 'v2/zzzzz-gj3su-077z32aux8dg2s1/3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi', expiry: 0x7fffffff, ttlSeconds: 1209600 };

/** BenchmarkParseManifest's input: built from one shared line tail, copied 2000 times. */
function bigManifest(): Buffer {
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

/** testLargeManifest(dirs, files, 1, 0): one signed 64 MiB block per file, reversed layout. */
function manyFilesManifest(dirs: number, files: number): Buffer {
  const blockSize = 1 << 26;
  const lines: string[] = [];
  let blockId = 0;
  for (let i = 0; i < dirs; i++) {
    const parts = [`./dir${i}`];
    for (let j = 0; j < files; j++) {
      blockId++;
      const id = blockId.toString(16);
      parts.push(`${id.padStart(32, '0')}+${blockSize}+A${id.padStart(40, '0')}@${id.padStart(8, '0')}`);
    }
    for (let j = 0; j < files; j++) parts.push(`${(files - j - 1) * blockSize}:${blockSize}:dir${j}/file${j}`);
    lines.push(parts.join(' ') + '\n');
  }
  return Buffer.from(lines.join(''), 'latin1');
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall time (ms) of `fn` over RUNS runs, after one warm-up run. */
function time(fn: () => unknown, runs = RUNS): number {
  fn();
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Median times of `a` and `b`, run alternately so that both see the same machine state. */
function timePair(a: () => unknown, b: () => unknown, runs = RUNS): [number, number] {
  a();
  b();
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    let t0 = performance.now();
    a();
    ta.push(performance.now() - t0);
    t0 = performance.now();
    b();
    tb.push(performance.now() - t0);
  }
  return [median(ta), median(tb)];
}

function countTokens(text: Uint8Array): number {
  let count = 0;
  const visitor: ManifestTokenVisitor = {
    stream: () => void count++,
    locator: () => void count++,
    file: () => void count++,
    endLine: () => undefined,
  };
  tokenizeManifest(text, visitor);
  return count;
}

const mb = (bytes: number, ms: number): string => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
const ms = (v: number): string => `${v.toFixed(1)} ms`;
const rawMd5 = (b: Buffer) => (): string => createHash('md5').update(b).digest('hex');

function row(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(44)} ${value.padStart(12)}  ${note}`);
}

function main(): void {
  console.log(`manifest benchmark — node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0]?.toFixed(2)}, ${RUNS} runs, median`);
  const big = bigManifest();
  console.log(`bigmanifest: ${big.length} bytes (asserted ${BIG_MANIFEST_BYTES})`);

  let tokens = 0;
  const tokenizeMs = time(() => (tokens = countTokens(big)));
  row('tokenize bigmanifest', ms(tokenizeMs), `${tokens} tokens, ${mb(big.length, tokenizeMs)}; target <= 500 ms`);

  const [md5Ms, pdhMs] = timePair(rawMd5(big), () => portableDataHash(big));
  row('raw md5 bigmanifest (baseline)', ms(md5Ms), mb(big.length, md5Ms));
  row('portableDataHash bigmanifest', ms(pdhMs), `${mb(big.length, pdhMs)}; ratio to md5 ${(md5Ms / pdhMs).toFixed(3)} (target >= 0.9)`);

  let signed: Uint8Array = new Uint8Array(0);
  const signMs = time(() => (signed = signManifest(big, SIGN_OPTS)));
  row('signManifest bigmanifest', ms(signMs), `${signed.length} bytes out; target <= 1000 ms (Go: 4600 ms)`);
  const signedBuf = Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength);
  const [md5SignedMs, pdhSignedMs] = timePair(rawMd5(signedBuf), () => portableDataHash(signedBuf));
  row('raw md5 signed bigmanifest (baseline)', ms(md5SignedMs), mb(signedBuf.length, md5SignedMs));
  row('portableDataHash signed bigmanifest', ms(pdhSignedMs), `ratio to md5 ${(md5SignedMs / pdhSignedMs).toFixed(3)}`);
  const stripMs = time(() => stripManifestSignatures(signedBuf));
  row('stripManifestSignatures signed bigmanifest', ms(stripMs), mb(signedBuf.length, stripMs));
  if (portableDataHash(signedBuf) !== portableDataHash(big)) throw new Error('PDH changed by signing');
  const validateMs = time(() => validateManifest(big), 1);
  row('validateManifest bigmanifest', ms(validateMs), mb(big.length, validateMs));

  const many = manyFilesManifest(512, 512);
  console.log(`many-files manifest: ${many.length} bytes, 262144 files, signed locators`);
  const tokenizeManyMs = time(() => countTokens(many));
  row('tokenize many-files', ms(tokenizeManyMs), mb(many.length, tokenizeManyMs));
  const [md5ManyMs, pdhManyMs] = timePair(rawMd5(many), () => portableDataHash(many));
  row('raw md5 many-files (baseline)', ms(md5ManyMs), mb(many.length, md5ManyMs));
  row('portableDataHash many-files', ms(pdhManyMs), `ratio to md5 ${(md5ManyMs / pdhManyMs).toFixed(3)}`);
  row('signManifest many-files', ms(time(() => signManifest(many, SIGN_OPTS))), '262144 distinct hashes');
  row('stripManifestSignatures many-files', ms(time(() => stripManifestSignatures(many))));
  let normalized: Uint8Array = new Uint8Array(0);
  const normalizeMs = time(() => (normalized = normalizeManifest(many)), 3);
  row('normalize many-files (SimpleTree load+write)', ms(normalizeMs), `${normalized.length} bytes out (Go load alone: 4960 ms)`);
}

main();
