import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isKeepError } from '../../../src/errors.js';
import {
  signLocator,
  signManifest,
  signatureExpiry,
  stripManifestSignatures,
  verifyLocatorSignature,
  verifyManifestSignatures,
} from '../../../src/manifest/signature.js';
import { portableDataHash } from '../../../src/manifest/portable-data-hash.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/vectors/', import.meta.url));
const KNOWN_KEY = [
  '13u9fkuccnboeewr0ne3mvapk28epf68a3bhj9q8sb4l6e4e5mkk',
  'p6nhj2mmpscgu1zze5h5enydxfe3j215024u16ij4hjaiqs5u4pzsl3nczmaoxnc',
  'ljkm4875xqn4xv058koz3vkptmzhyheiy6wzevzjmdvxhvcqsvr5abhl15c2d4o4',
  'jhl0s91lojy1mtrzqqvprqcverls0xvy9vai9t1l1lvvazpuadafm71jl4mrwq2y',
  'gokee3eamvjy8qq1fvy238838enjmy5wzy2md7yvsitp5vztft6j4q866efym7e6',
  'vu5wm9fpnwjyxfldw3vbo01mgjs75rgo7qioh8z8ij7jpyp8508okhgbbex3ceei',
  '786u5rw2a9gx743dj3fgq2irk',
].join('');
const KNOWN_TOKEN = 'hocfupkn2pjhrpgp2vxv8rsku7tvtx49arbc9s4bvu7p7wxqvk';
const FOO = 'acbd18db4cc2f85cedef654fccc4a4d8';
const KNOWN_SIG = '+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@7fffffff';
const TTL = 1209600;
const KNOWN = { key: KNOWN_KEY, token: KNOWN_TOKEN, expiry: 0x7fffffff, ttlSeconds: TTL };
const VERIFY = { key: KNOWN_KEY, token: KNOWN_TOKEN, ttlSeconds: TTL, now: 1800000000 };
const FIXTURE_KEY = 'zfhgfenhffzltr9dixws36j1yhksjoll2grmku38mi7yxd66h5j4q9w4jzanezacp8s6q0ro3hxakfye02152hncy6zml2ed0uc';

function verifyResult(locator: string, opts: typeof VERIFY): string | null {
  try {
    verifyLocatorSignature(locator, opts);
    return null;
  } catch (err: unknown) {
    assert.ok(isKeepError(err), 'verify throws KeepError');
    const expectedCode = { 'Missing signature': 'ERR_SIGNATURE_MISSING', 'Invalid signature': 'ERR_SIGNATURE_INVALID', 'Signature expired': 'ERR_SIGNATURE_EXPIRED' }[err.message];
    assert.equal(err.code, expectedCode, err.message);
    return err.message;
  }
}

interface SigVector {
  locator: string;
  key: string;
  token: string;
  expiry: number;
  ttl: number;
  signed: string;
  now: number;
  verify: Array<{ case: string; locator: string; token: string; result: string | null }>;
}

describe('signatures.jsonl', () => {
  const vectors = readFileSync(FIXTURES + 'signatures.jsonl', 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as SigVector);
  it('has the 30 vectors', () => assert.equal(vectors.length, 30));
  for (const [i, v] of vectors.entries()) {
    it(`line ${i + 1}: signLocator and the four verify cases`, () => {
      assert.equal(signLocator(v.locator, { key: v.key, token: v.token, expiry: v.expiry, ttlSeconds: v.ttl }), v.signed);
      assert.equal(signatureExpiry(v.signed), v.expiry);
      for (const c of v.verify) {
        assert.equal(verifyResult(c.locator, { key: v.key, token: c.token, ttlSeconds: v.ttl, now: v.now }), c.result, c.case);
      }
    });
  }
});

describe('signLocator()', () => {
  it('signs the §2.2 known vector and uses the documented HMAC message', () => {
    assert.equal(signLocator(`${FOO}+3`, KNOWN), `${FOO}+3${KNOWN_SIG}`);
    const msg = `${FOO}@${KNOWN_TOKEN}@7fffffff@127500`;
    assert.equal(createHmac('sha1', KNOWN_KEY).update(msg).digest('hex'), KNOWN_SIG.slice(2, 42));
  });

  const extra: Array<[string, string, string, number, number, string]> = [
    ['v1 token', FIXTURE_KEY, '3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi', 0x7fffffff, TTL, `${FOO}+3+A538be7cb5d1a2c3367f4444418d9f0796f60b487@7fffffff`],
    [
      'v2 token signed whole',
      FIXTURE_KEY,
      'v2/zzzzz-gj3su-077z32aux8dg2s1/3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi',
      0x7fffffff,
      TTL,
      `${FOO}+3+Ad61efc56babafa9dbe636b5ee5e4882510023fae@7fffffff`,
    ],
    ['expiry 1, ttl 3600', FIXTURE_KEY, 'tok', 1, 3600, `${FOO}+3+Aea4f015a2c017f9bf499c64b808c1730477469bc@00000001`],
    ['52-char key', KNOWN_KEY.slice(0, 52), KNOWN_TOKEN, 0x7fffffff, TTL, `${FOO}+3+Acffc319c77a42c10fb0e1c7aed0def8389844957@7fffffff`],
  ];
  for (const [name, key, token, expiry, ttlSeconds, want] of extra) {
    it(`§2.2 extra vector: ${name}`, () => assert.equal(signLocator(`${FOO}+3`, { key, token, expiry, ttlSeconds }), want));
  }

  it('keeps existing hints and appends +A last; a 9-digit expiry is signable but not verifiable', () => {
    const token = '3kg6k6lzmp9kj5cpkcoxie963cmvjahbt2fod9zru30k1jqdmi';
    const signed = signLocator(`${FOO}+3+K@xyzzy`, { key: FIXTURE_KEY, token, expiry: 0x100000000, ttlSeconds: 3600 });
    assert.equal(signed, `${FOO}+3+K@xyzzy+A7fa82cc210ee43a7cd701b1843f875921967b1b7@100000000`);
    assert.equal(verifyResult(signed, { key: FIXTURE_KEY, token, ttlSeconds: 3600, now: 0 }), 'Missing signature');
    assert.equal(signatureExpiry(signed), undefined);
  });

  it('returns the locator unchanged when the key or the token is empty', () => {
    assert.equal(signLocator(`${FOO}+3`, { ...KNOWN, key: '' }), `${FOO}+3`);
    assert.equal(signLocator(`${FOO}+3`, { ...KNOWN, token: '' }), `${FOO}+3`);
  });

  it('rejects a negative or fractional expiry', () => {
    for (const expiry of [-1, 1.5, Number.NaN]) {
      assert.throws(() => signLocator(`${FOO}+3`, { ...KNOWN, expiry }), (e: unknown) => isKeepError(e, 'ERR_INVALID_ARGUMENT'));
    }
  });
});

describe('verifyLocatorSignature()', () => {
  const sig = KNOWN_SIG;
  const cases: Array<[string, string, string | null, Partial<typeof VERIFY>?]> = [
    ['plain', `${FOO}+3${sig}`, null],
    ['+K before', `${FOO}+3+K@xyzzy${sig}`, null],
    ['+Z after', `${FOO}+3${sig}+Zfoo`, null],
    ['both extra hints', `${FOO}+3+K@xyzzy${sig}+Zfoo`, null],
    ['+R hint before', `${FOO}+3+Rzzzzz-xx${sig}`, null],
    ['wrong size', `${FOO}+999999${sig}`, null],
    ['no size', `${FOO}${sig}`, null],
    ['wrong key', `${FOO}+3${sig}`, 'Invalid signature', { key: '00000000000000000000' }],
    ['wrong token', `${FOO}+3${sig}`, 'Invalid signature', { token: '00000000' }],
    ['different TTL', `${FOO}+3${sig}`, 'Invalid signature', { ttlSeconds: 3600 }],
    ['expired', `${FOO}+3${sig}`, 'Signature expired', { now: 0x80000000 }],
    ['expired wins over a wrong token', `${FOO}+3${sig}`, 'Signature expired', { now: 0x80000000, token: 'x' }],
    ['expiry equal to now is valid', `${FOO}+3${sig}`, null, { now: 0x7fffffff }],
    ['uppercase signature hex', `${FOO}+3+A${sig.slice(2).toUpperCase()}`, 'Invalid signature'],
    ['short signature', `${FOO}+3+Aaaaaaaaaaaaaaaa@7fffffff`, 'Missing signature'],
    ['non-hex timestamp', `${FOO}+3+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@OOOOOOOl`, 'Missing signature'],
    ['9-digit timestamp', `${FOO}+3+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@100000000`, 'Missing signature'],
    ['no signature', `${FOO}+3`, 'Missing signature'],
    ['two signatures', `${FOO}+3${sig}${sig}`, 'Missing signature'],
    ['lowercase hint', `${FOO}+3+k@xyzzy${sig}`, 'Missing signature'],
    ['short hash', `${FOO.slice(1)}+3${sig}`, 'Missing signature'],
  ];
  for (const [name, locator, want, over] of cases) {
    it(`${name} → ${want ?? 'ok'}`, () => assert.equal(verifyResult(locator, { ...VERIFY, ...over }), want));
  }

  it('defaults now to the current time', () => {
    const past = signLocator(`${FOO}+3`, { ...KNOWN, expiry: Math.floor(Date.now() / 1000) - 10 });
    const future = signLocator(`${FOO}+3`, { ...KNOWN, expiry: Math.floor(Date.now() / 1000) + 100 });
    const { now: _now, ...noNow } = VERIFY;
    assert.equal(verifyResult(past, noNow as typeof VERIFY), 'Signature expired');
    assert.equal(verifyResult(future, noNow as typeof VERIFY), null);
  });

  it('round-trips sign → verify for arbitrary locators, tokens and expiries', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
    const hint = fc.constantFrom('', '+K@xyzzy', '+Zfoo', '+Rzzzzz-abc@1');
    fc.assert(
      fc.property(hex, fc.nat(), hint, fc.string({ minLength: 1 }), fc.integer({ min: 0x10000000, max: 0xffffffff }), fc.integer({ min: 1, max: 1 << 24 }), (h, size, extra, token, expiry, ttl) => {
        const key = 'k3y';
        const signed = signLocator(`${h}+${size}${extra}`, { key, token, expiry, ttlSeconds: ttl });
        assert.equal(signatureExpiry(signed), expiry);
        verifyLocatorSignature(signed, { key, token, ttlSeconds: ttl, now: expiry });
        assert.equal(verifyResult(signed, { key, token: token + 'x', ttlSeconds: ttl, now: expiry }), 'Invalid signature');
      }),
    );
  });
});

describe('signManifest() / stripManifestSignatures()', () => {
  const unsigned = `. ${FOO}+3 0:3:foo\n./dir1 3858f62230ac3c915f300c664312c63f+6+K@xyzzy 3:3:bar 0:3:foo\n`;
  const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

  it('signs every block token, keeping other hints, and re-signs already signed ones', () => {
    const signed = text(signManifest(unsigned, KNOWN));
    const s2 = signLocator('3858f62230ac3c915f300c664312c63f+6+K@xyzzy', KNOWN);
    assert.equal(signed, `. ${FOO}+3${KNOWN_SIG} 0:3:foo\n./dir1 ${s2} 3:3:bar 0:3:foo\n`);
    const resigned = text(signManifest(signManifest(unsigned, { ...KNOWN, expiry: 5 }), KNOWN));
    assert.equal(resigned, signed);
  });

  it('removes every +A hint wherever it is in the token before signing', () => {
    const m = `. ${FOO}+3+Afoo+K@x+Abar+Zz 0:3:foo\n`;
    assert.equal(text(signManifest(m, KNOWN)), `. ${FOO}+3+K@x+Zz${KNOWN_SIG} 0:3:foo\n`);
    assert.equal(text(stripManifestSignatures(m)), `. ${FOO}+3+K@x+Zz 0:3:foo\n`);
  });

  it('treats any whitespace-delimited token starting with 32 lowercase hex digits as a block', () => {
    const upper = FOO.toUpperCase();
    const m = `${FOO} ${upper}+3 x${FOO}+3 ${FOO}0+3\t${FOO}\r\n0:0:${FOO}+3\n`;
    const sig0 = signLocator(FOO, KNOWN);
    const sig1 = signLocator(`${FOO}0+3`, KNOWN);
    assert.equal(text(signManifest(m, KNOWN)), `${sig0} ${upper}+3 x${FOO}+3 ${sig1}\t${sig0}\r\n0:0:${FOO}+3\n`);
  });

  it('handles a block token at the very end of the text, and the empty text', () => {
    assert.equal(text(signManifest(`. ${FOO}+3`, KNOWN)), `. ${FOO}+3${KNOWN_SIG}`);
    assert.equal(text(signManifest('', KNOWN)), '');
    assert.equal(text(stripManifestSignatures('')), '');
  });

  it('only strips when the key or the token is empty', () => {
    const m = `. ${FOO}+3${KNOWN_SIG} 0:3:foo\n`;
    assert.equal(text(signManifest(m, { ...KNOWN, key: '' })), `. ${FOO}+3 0:3:foo\n`);
  });

  it('matches signLocator on each token and keeps the PDH, on random manifests', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
    const loc = fc.tuple(hex, fc.nat(1 << 26), fc.constantFrom('', '+K@xyzzy', KNOWN_SIG, `+Zq${KNOWN_SIG}+Zr`)).map(([h, s, x]) => `${h}+${s}${x}`);
    const name = fc.string({ unit: fc.constantFrom('a', 'b', '\\', '0', '7', '4', ':'), minLength: 1, maxLength: 8 });
    const stream = fc.tuple(fc.constantFrom('.', './d', './a/b'), fc.array(loc, { minLength: 1, maxLength: 6 }), fc.array(name, { minLength: 1, maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 5 }), (streams) => {
        const build = (f: (l: string) => string): string =>
          streams.map(([s, locs, names]) => [s, ...locs.map(f), ...names.map((n, i) => `${i}:0:${n}`)].join(' ') + '\n').join('');
        const strip = (l: string): string => l.replace(/\+A[^+]*/g, '');
        const m = build((l) => l);
        const signed = text(signManifest(m, KNOWN));
        assert.equal(signed, build((l) => signLocator(strip(l), KNOWN)));
        assert.equal(text(stripManifestSignatures(signed)), build(strip));
        assert.equal(portableDataHash(signed), portableDataHash(build(strip)));
        assert.deepEqual(verifyManifestSignatures(signed, VERIFY), []);
      }),
      { numRuns: 300 },
    );
  });

  it('equals the regex formulation of Go SignManifest on random byte strings', () => {
    const oracle = (m: string, sign: boolean): string =>
      m.replace(/[^\t\n\f\r ]+/g, (tok) => {
        if (!/^[0-9a-f]{32}/.test(tok)) return tok;
        const stripped = tok.replace(/\+A[^+]*/g, '');
        return sign ? signLocator(stripped, KNOWN) : stripped;
      });
    const hexUnit = fc.oneof({ arbitrary: fc.constantFrom(...'0123456789abcdef'), weight: 60 }, { arbitrary: fc.constantFrom(' ', 'g', '\n'), weight: 1 });
    const piece = fc.oneof(
      fc.string({ unit: hexUnit, minLength: 28, maxLength: 70 }),
      fc.string({ unit: fc.constantFrom('+', 'A', 'K', '@', '0', 'f', ':', '.', ' ', '\t', '\n', '\r', '\f', '\v'), maxLength: 12 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(piece, fc.constantFrom('', ' ', '\t', '\n', '\r', '\f', '\v', '\u00a0')), { maxLength: 12 }), (pieces) => {
        const m = pieces.map(([p, sep]) => p + sep).join('');
        // Non-ASCII characters are neither whitespace nor hex, so the UTF-16 oracle applies to the UTF-8 bytes.
        assert.deepEqual(Buffer.from(signManifest(m, KNOWN)), Buffer.from(oracle(m, true)));
        assert.deepEqual(Buffer.from(stripManifestSignatures(m)), Buffer.from(oracle(m, false)));
      }),
      { numRuns: 3000 },
    );
  });

  it('encodes string input as UTF-8 and leaves non-ASCII bytes alone', () => {
    const m = `./café ${FOO}+3 0:3:日本語\n`;
    assert.equal(Buffer.from(signManifest(m, KNOWN)).toString('utf8'), `./café ${FOO}+3${KNOWN_SIG} 0:3:日本語\n`);
  });
});

describe('verifyManifestSignatures()', () => {
  it('reports each failing block token with its line number', () => {
    const good = `${FOO}+3${KNOWN_SIG}`;
    const m = `. ${good} 0:3:foo\n./a ${FOO}+3 ${good} 0:3:foo\n./b ${FOO}+3+A89118b78732c33104a4d6231e8b5a5fa1e4301e4@7fffffff 0:3:x\n`;
    const problems = verifyManifestSignatures(m, VERIFY);
    assert.deepEqual(
      problems.map((p) => [p.line, p.locator, p.code, p.message]),
      [
        [2, `${FOO}+3`, 'ERR_SIGNATURE_MISSING', 'Missing signature'],
        [3, `${FOO}+3+A89118b78732c33104a4d6231e8b5a5fa1e4301e4@7fffffff`, 'ERR_SIGNATURE_INVALID', 'Invalid signature'],
      ],
    );
    assert.deepEqual(
      verifyManifestSignatures(m, { ...VERIFY, now: 0x80000000 }).map((p) => p.message),
      // the expiry is checked before the HMAC, so the bad signature on line 3 reports "expired"
      ['Signature expired', 'Missing signature', 'Signature expired', 'Signature expired'],
    );
  });
});
