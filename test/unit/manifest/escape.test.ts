import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { manifestEscape, manifestUnescape } from '../../../src/manifest/escape.js';

/** A byte string holding the UTF-8 bytes of `text`. */
const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe('manifestEscape()', () => {
  it('escapes the reference names (§1.2)', () => {
    const cases: Array<[string, string]> = [
      ['back\\slash', 'back\\134slash'],
      ['col:on', 'col\\072on'],
      ['del\x7f', 'del\x7f'],
      ['nl\nhere', 'nl\\012here'],
      ['tab\there', 'tab\\011here'],
      [bytes('unié'), bytes('unié')],
      ['with space', 'with\\040space'],
      ['cr\r', 'cr\\015'],
      ['nul\x00', 'nul\\000'],
      ['a/b', 'a/b'],
      ['\xff\x80', '\xff\x80'],
    ];
    for (const [name, escaped] of cases) assert.equal(manifestEscape(name), escaped, JSON.stringify(name));
  });

  it('escapes every byte 0x00-0x20, ":" and "\\" and nothing else', () => {
    for (let b = 0; b < 256; b++) {
      const ch = String.fromCharCode(b);
      const expected = b <= 0x20 || b === 0x3a || b === 0x5c ? '\\' + b.toString(8).padStart(3, '0') : ch;
      assert.equal(manifestEscape(ch), expected, `byte ${b}`);
    }
  });
});

describe('manifestUnescape()', () => {
  it('decodes \\ooo up to 255 and \\\\, leaving everything else unchanged', () => {
    const cases: Array<[string, string]> = [
      ['a\\040b', 'a b'],
      ['\\056', '.'],
      ['foo\\057bar', 'foo/bar'],
      ['\\\\', '\\'],
      ['\\\\040', '\\040'],
      ['f\\oo', 'f\\oo'],
      ['f\\400oo', 'f\\400oo'],
      ['\\777', '\\777'],
      ['\\377', '\xff'],
      ['\\009', '\\009'],
      ['\\04', '\\04'],
      ['trail\\', 'trail\\'],
      ['\\\\\\', '\\\\'],
      ['\\303\\251', bytes('é')],
      ['plain', 'plain'],
    ];
    for (const [text, name] of cases) assert.equal(manifestUnescape(text), name, JSON.stringify(text));
  });

  it('round-trips arbitrary byte names', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (arr) => {
        const name = Buffer.from(arr).toString('latin1');
        const escaped = manifestEscape(name);
        assert.doesNotMatch(escaped, /[\x00-\x20:]/);
        assert.equal(manifestUnescape(escaped), name);
      }),
      { numRuns: 2000 },
    );
  });
});
