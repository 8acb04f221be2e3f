import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { portableDataHash } from '../../../src/manifest/portable-data-hash.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/vectors/', import.meta.url));
const D = 'd41d8cd98f00b204e9800998ecf8427e';
const SIG = '+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@7fffffff';

/** The §1.8 rule written the obvious way (split, classify, concatenate): the oracle. */
function referencePdh(text: Uint8Array): string {
  const s = Buffer.from(text).toString('latin1');
  const chunks = s.split(' ');
  let fed = '';
  chunks.forEach((chunk, i) => {
    if (i === chunks.length - 1) {
      fed += chunk;
      return;
    }
    const isBlock = chunk.length >= 34 && chunk[32] === '+' && !chunk.slice(0, 32).includes(':') && chunk[0] !== '.';
    if (isBlock) {
      const j = chunk.indexOf('+', 33);
      fed += (j === -1 ? chunk : chunk.slice(0, j)) + ' ';
    } else fed += chunk + ' ';
  });
  const bytes = Buffer.from(fed, 'latin1');
  return `${createHash('md5').update(bytes).digest('hex')}+${bytes.length}`;
}

describe('portableDataHash()', () => {
  it('matches every line of pdh.jsonl', () => {
    const lines = readFileSync(FIXTURES + 'pdh.jsonl', 'utf8').split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 50);
    for (const line of lines) {
      const v = JSON.parse(line) as { manifest: string; pdh: string };
      assert.equal(portableDataHash(v.manifest), v.pdh, JSON.stringify(v.manifest));
      assert.equal(portableDataHash(Buffer.from(v.manifest, 'utf8')), v.pdh);
    }
  });

  it('matches pdh_in and pdh_out of every line of manifest-roundtrip.jsonl (malformed inputs included)', () => {
    const lines = readFileSync(FIXTURES + 'manifest-roundtrip.jsonl', 'utf8').split('\n').filter((l) => l !== '');
    assert.ok(lines.length >= 80);
    for (const line of lines) {
      const v = JSON.parse(line) as { manifest: string; marshal: string | null; pdh_in: string; pdh_out: string | null };
      assert.equal(portableDataHash(v.manifest), v.pdh_in, JSON.stringify(v.manifest));
      if (v.marshal !== null) assert.equal(portableDataHash(v.marshal), v.pdh_out, JSON.stringify(v.marshal));
    }
  });

  const table: Array<[string, string, string]> = [
    ['#1 empty', '', `${D}+0`],
    ['#2 foo', '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n', '1f4b0bc7583c2a7f9102c395f4ffc5e3+45'],
    ['#3 signed', `. acbd18db4cc2f85cedef654fccc4a4d8+3${SIG} 0:3:foo\n`, '1f4b0bc7583c2a7f9102c395f4ffc5e3+45'],
    ['#3 +K before', `. acbd18db4cc2f85cedef654fccc4a4d8+3+K@xyzzy${SIG} 0:3:foo\n`, '1f4b0bc7583c2a7f9102c395f4ffc5e3+45'],
    ['#3 +K only', '. acbd18db4cc2f85cedef654fccc4a4d8+3+K@xyzzy 0:3:foo\n', '1f4b0bc7583c2a7f9102c395f4ffc5e3+45'],
    ['#4 bar', '. 37b51d194a7513e45b56f6524f2d51f2+3 0:3:bar\n', 'fa7aeb5140e2848d39b416daeef4ffc5+45'],
    ['#5 dir1', './dir1 3858f62230ac3c915f300c664312c63f+6 3:3:bar 0:3:foo\n', '870369fc72738603c2fad16664e50e2d+58'],
    [
      '#6 four streams',
      ['.', './dir1', './dir1/subdir', './dir2'].map((s) => `${s} ${D}+0 0:0:file1 0:0:file2 0:0:file3\n`).join(''),
      'f9ddda46bb293b6847da984e3aa735db+290',
    ],
    [
      '#7 doc example',
      `. 930625b054ce894ac40596c3f5a0d947+33 0:0:a 0:0:b 0:33:output.txt\n./c ${D}+0 0:0:d\n`,
      'a195f5f4d549f9bb9aa39e5dd8638618+111',
    ],
    [
      '#7 doc example signed',
      `. 930625b054ce894ac40596c3f5a0d947+33${SIG} 0:0:a 0:0:b 0:33:output.txt\n./c ${D}+0${SIG} 0:0:d\n`,
      'a195f5f4d549f9bb9aa39e5dd8638618+111',
    ],
    [
      '#8 docker image',
      '. c449ed86671e4a34a8b8b9430850beba+67108864 09fcfea01c3a141b89dd0dcfa1b7768e+22534144 0:89643008:Docker\\040image.tar\n',
      'df4f56c6f3c1b820b1174f8300e446ed+117',
    ],
    ['#9 emptydir', `./emptydir ${D}+0 0:0:\\056\n`, 'b9597b989c6d8e97164f96502ebb00d6+55'],
    ['#10 empty foo', `. ${D}+0 0:0:foo\n`, 'aa4f15cbf013142a7d98b1e273f9c661+45'],
    ['#11 root marker', `. ${D}+0 0:0:\\056\n`, '9af22896a69241c4226db896639fbefc+46'],
    [
      '#12 two streams',
      '. acbd18db4cc2f85cedef654fccc4a4d8+3 0:3:foo\n./dir1 3858f62230ac3c915f300c664312c63f+6 3:3:bar 0:3:foo\n',
      '7e910ec9682d09e25667d4c062230c59+103',
    ],
  ];
  for (const [name, manifest, pdh] of table) {
    it(`§1.8 ${name}`, () => assert.equal(portableDataHash(manifest), pdh));
  }

  it('hashes a short non-hex locator verbatim', () => {
    const m = '. xyz+3 0:3:foo\n';
    assert.equal(portableDataHash(m), `${createHash('md5').update(m).digest('hex')}+${m.length}`);
  });

  it('keeps the hints of the very last chunk (no following space)', () => {
    const m = `. 0:0:a ${D}+0+Zfoo`;
    assert.equal(portableDataHash(m), `${createHash('md5').update(m).digest('hex')}+${m.length}`);
  });

  it('strips from the first + after byte 32, even when bytes 0-31 contain +', () => {
    const tok = 'a'.repeat(10) + '+' + 'b'.repeat(21) + '+5+Zx';
    assert.equal(portableDataHash(`. ${tok} 0:0:f\n`), referencePdh(Buffer.from(`. ${tok} 0:0:f\n`)));
    const fed = `. ${'a'.repeat(10)}+${'b'.repeat(21)}+5 0:0:f\n`;
    assert.equal(portableDataHash(`. ${tok} 0:0:f\n`), `${createHash('md5').update(fed).digest('hex')}+${fed.length}`);
  });

  it('does not treat a token starting with "." or with ":" in its hash part as a block token', () => {
    for (const tok of [`.${D.slice(1)}+0+Zfoo`, `${D.slice(0, 5)}:${D.slice(6)}+0+Zfoo`]) {
      const m = `. ${tok} 0:0:f\n`;
      assert.equal(portableDataHash(m), `${createHash('md5').update(m).digest('hex')}+${m.length}`);
    }
  });

  it('equals the split-based oracle on random strings of manifest-like bytes', () => {
    const alphabet = fc.constantFrom(' ', '+', ':', '.', 'a', '0', '\n', '\t', 'A', 'f');
    // Hash parts are mostly clean so that block tokens (and near misses) are common.
    const hashUnit = fc.oneof(
      { arbitrary: fc.constantFrom('a', '0', 'f', '+', 'A', '\t'), weight: 40 },
      { arbitrary: fc.constantFrom(':', '.', ' '), weight: 1 },
    );
    const token = fc.oneof(
      fc.string({ unit: alphabet, maxLength: 60 }),
      fc.tuple(fc.string({ unit: hashUnit, minLength: 31, maxLength: 33 }), fc.string({ unit: alphabet, maxLength: 20 })).map(([h, t]) => `${h}+${t}`),
    );
    fc.assert(
      fc.property(fc.array(token, { maxLength: 30 }), (tokens) => {
        const bytes = Buffer.from(tokens.join(' '), 'latin1');
        assert.equal(portableDataHash(bytes), referencePdh(bytes));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives a signed manifest the PDH of its unsigned form', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(fc.array(fc.tuple(hex, fc.nat(1 << 26), fc.boolean()), { minLength: 1, maxLength: 8 }), (blocks) => {
        const plain = blocks.map(([h, s]) => `${h}+${s}`);
        const signed = blocks.map(([h, s, k]) => `${h}+${s}${k ? '+K@xyzzy' : ''}${SIG}`);
        const a = `. ${plain.join(' ')} 0:0:x\n`;
        const b = `. ${signed.join(' ')} 0:0:x\n`;
        assert.equal(portableDataHash(b), portableDataHash(a));
        assert.equal(portableDataHash(a), `${createHash('md5').update(a).digest('hex')}+${Buffer.byteLength(a)}`);
      }),
    );
  });

  it('does not depend on the view offset of the input buffer', () => {
    const m = Buffer.from(`xx. acbd18db4cc2f85cedef654fccc4a4d8+3${SIG} 0:3:foo\n`);
    assert.equal(portableDataHash(m.subarray(2)), '1f4b0bc7583c2a7f9102c395f4ffc5e3+45');
  });
});
