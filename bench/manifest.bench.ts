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
import { BIG_MANIFEST_BYTES, bigManifest, testLargeManifest } from './_manifests.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SIGN_OPTS = { key: 'zfhgfenhffzltr9dixws36j1yhksjoll2grmku38mi7yxd66h5j4q9w4jzanezacp8s6q0ro3hxakfye02152hncy6zml2ed0uc', token: 'v2/zzzzz-gj3su-077z32aux8dg2s1/3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi', expiry: 0x7fffffff, ttlSeconds: 1209600 };

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Median wall and CPU (user + system) milliseconds of some runs. */
interface Timing {
  wall: number;
  cpu: number;
}

function measureOnce(fn: () => unknown): Timing {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 };
}

function medians(samples: Timing[]): Timing {
  return { wall: median(samples.map((s) => s.wall)), cpu: median(samples.map((s) => s.cpu)) };
}

/** Median times of `fn` over RUNS runs, after one warm-up run. */
function time(fn: () => unknown, runs = RUNS): Timing {
  fn();
  const samples: Timing[] = [];
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    samples.push(measureOnce(fn));
  }
  return medians(samples);
}

/** Median times of `a` and `b`, run alternately so that both see the same machine state. */
function timePair(a: () => unknown, b: () => unknown, runs = RUNS): [Timing, Timing] {
  a();
  b();
  const ta: Timing[] = [];
  const tb: Timing[] = [];
  for (let r = 0; r < runs; r++) {
    globalThis.gc?.();
    ta.push(measureOnce(a));
    tb.push(measureOnce(b));
  }
  return [medians(ta), medians(tb)];
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

const mb = (bytes: number, t: Timing): string => `${(bytes / 1e6 / (t.wall / 1000)).toFixed(0)} MB/s`;
const ms = (t: Timing): string => `${t.wall.toFixed(1)} ms (cpu ${t.cpu.toFixed(1)})`;
const ratio = (base: Timing, t: Timing): string => `ratio to md5 ${(base.wall / t.wall).toFixed(3)} wall, ${(base.cpu / t.cpu).toFixed(3)} cpu`;
const rawMd5 = (b: Buffer) => (): string => createHash('md5').update(b).digest('hex');

function row(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(44)} ${value.padStart(26)}  ${note}`);
}

function main(): void {
  console.log(`manifest benchmark — node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), load ${loadavg()[0]?.toFixed(2)}, median of ${RUNS} runs`);
  const big = bigManifest();
  console.log(`bigmanifest: ${big.length} bytes (asserted ${BIG_MANIFEST_BYTES})`);

  let tokens = 0;
  const tokenizeT = time(() => (tokens = countTokens(big)));
  row('tokenize bigmanifest', ms(tokenizeT), `${tokens} tokens, ${mb(big.length, tokenizeT)}; target <= 500 ms`);

  const [md5T, pdhT] = timePair(rawMd5(big), () => portableDataHash(big));
  row('raw md5 bigmanifest (baseline)', ms(md5T), mb(big.length, md5T));
  row('portableDataHash bigmanifest', ms(pdhT), `${mb(big.length, pdhT)}; ${ratio(md5T, pdhT)} (target >= 0.9)`);

  let signed: Uint8Array = new Uint8Array(0);
  const signT = time(() => (signed = signManifest(big, SIGN_OPTS)));
  row('signManifest bigmanifest', ms(signT), `${signed.length} bytes out; target <= 1000 ms (Go: 4600 ms)`);
  const signedBuf = Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength);
  const [md5SignedT, pdhSignedT] = timePair(rawMd5(signedBuf), () => portableDataHash(signedBuf));
  row('raw md5 signed bigmanifest (baseline)', ms(md5SignedT), mb(signedBuf.length, md5SignedT));
  row('portableDataHash signed bigmanifest', ms(pdhSignedT), ratio(md5SignedT, pdhSignedT));
  const stripT = time(() => stripManifestSignatures(signedBuf));
  row('stripManifestSignatures signed bigmanifest', ms(stripT), mb(signedBuf.length, stripT));
  if (portableDataHash(signedBuf) !== portableDataHash(big)) throw new Error('PDH changed by signing');
  const validateT = time(() => validateManifest(big), 1);
  row('validateManifest bigmanifest', ms(validateT), mb(big.length, validateT));

  const many = testLargeManifest(512, 512, 1, 0);
  console.log(`many-files manifest: ${many.length} bytes, 262144 files, signed locators`);
  const tokenizeManyT = time(() => countTokens(many));
  row('tokenize many-files', ms(tokenizeManyT), mb(many.length, tokenizeManyT));
  const [md5ManyT, pdhManyT] = timePair(rawMd5(many), () => portableDataHash(many));
  row('raw md5 many-files (baseline)', ms(md5ManyT), mb(many.length, md5ManyT));
  row('portableDataHash many-files', ms(pdhManyT), ratio(md5ManyT, pdhManyT));
  row('signManifest many-files', ms(time(() => signManifest(many, SIGN_OPTS), 3)), '262144 distinct hashes');
  row('stripManifestSignatures many-files', ms(time(() => stripManifestSignatures(many))));
  let normalized: Uint8Array = new Uint8Array(0);
  const normalizeT = time(() => (normalized = normalizeManifest(many)), 3);
  row('normalize many-files (SimpleTree load+write)', ms(normalizeT), `${normalized.length} bytes out (Go load alone: 4960 ms)`);
}

main();
