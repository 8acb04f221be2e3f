import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { validateManifest } from '../../../src/manifest/validate-manifest.js';
import { signManifest } from '../../../src/manifest/signature.js';

const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/vectors/', import.meta.url));
const D = 'd41d8cd98f00b204e9800998ecf8427e+0';
const L = 'acbd18db4cc2f85cedef654fccc4a4d8+3';

/** Problems as `N: message` strings, for compact expectations. */
function check(text: string | Uint8Array): string[] {
  return validateManifest(text).map((p) => `${p.line}: ${p.message}`);
}

describe('validateManifest(): valid manifests', () => {
  const valid: Array<[string, string]> = [
    ['empty text', ''],
    ['one stream', `. ${L} 0:3:foo\n`],
    ['several locators and files', `. ${L} ${D} 0:3:foo 3:0:bar 0:0:baz\n`],
    ['nested stream', `./a/b/c ${L} 0:3:foo\n`],
    ['signed and hinted locators', `. ${L}+K@xyzzy+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@7fffffff+Zfoo 0:3:foo\n`],
    ['empty dir marker .', `./empty_dir ${D} 0:0:.\n`],
    ['empty dir marker \\056', `./empty_dir ${D} 0:0:\\056\n`],
    ['escaped slash in a file name', `. ${D} 0:0:foo\\057bar\n`],
    ['escaped colon', `. ${D} 0:0:\\072\n`],
    ['escaped slash in the stream name', `.\\057Data ${D} 0:0:foo\n`],
    ['fully escaped stream prefix', `\\056\\057Data ${D} 0:0:foo\n`],
    ['escaped backslash then digits', `./\\134444 ${D} 0:0:foo\n`],
    ['escaped TAB', `./\\011foo ${D} 0:0:foo\n`],
    ['escaped space', `./Data\\040Folder ${D} 0:0:foo\n`],
    ['escaped backslash before 057', `. ${D} 0:0:\\134057foo/bar\n`],
    ['subdirectory in a file name', `. ${D} 0:0:a/b/c.txt\n`],
    ['dots inside names', `./... ${D} 0:0:..a 0:0:b/...\n`],
    ['UTF-8 and DEL bytes', `./café ${D} 0:0:日本語\x7f\n`],
    ['two streams', `. ${L} 0:3:foo\n./d ${D} 0:0:x\n`],
  ];
  for (const [name, text] of valid) it(name, () => assert.deepEqual(check(text), []));

  it('accepts every signed canonical manifest of pdh.jsonl that the rules allow', () => {
    // Canonical re-serialisations from the vectors use only valid streams and names.
    const lines = readFileSync(FIXTURES + 'pdh.jsonl', 'utf8').split('\n').filter((l) => l !== '');
    let validCount = 0;
    for (const line of lines) {
      const { manifest } = JSON.parse(line) as { manifest: string };
      if (check(manifest).length === 0) {
        validCount++;
        const signed = signManifest(manifest, { key: 'k', token: 't', expiry: 0x7fffffff, ttlSeconds: 60 });
        assert.deepEqual(check(signed), [], 'signing keeps a valid manifest valid');
      }
    }
    assert.ok(validCount >= 10, `expected several valid manifests, got ${validCount}`);
  });
});

describe('validateManifest(): Go writer output', () => {
  it('accepts every stream name and file token the Go writer produced in manifest-roundtrip.jsonl', () => {
    const lines = readFileSync(FIXTURES + 'manifest-roundtrip.jsonl', 'utf8').split('\n').filter((l) => l !== '');
    let checked = 0;
    for (const line of lines) {
      const { marshal } = JSON.parse(line) as { marshal: string | null };
      if (marshal === null) continue;
      checked++;
      // The Go loader does not check hashes, so its output may carry non-hex ones; nothing else may be reported.
      for (const p of validateManifest(marshal)) {
        const m = /^missing or invalid locator "(.*)"$/.exec(p.message);
        assert.ok(m !== null && !/^[0-9a-f]{32}\+/.test(m[1] ?? ''), `${p.line}: ${p.message} in ${JSON.stringify(marshal)}`);
      }
    }
    assert.ok(checked >= 40, `${checked} marshalled manifests`);
  });
});

describe('validateManifest(): each rule', () => {
  const cases: Array<[string, string, string[]]> = [
    ['no trailing newline', `. ${L} 0:3:foo`, ['1: does not end with newline']],
    ['no trailing newline on line 2', `. ${L} 0:3:foo\n.`, ['2: missing or invalid locator', '2: does not end with newline']],
    ['a lone dot without newline', '.', ['1: missing or invalid locator', '1: does not end with newline']],
    ['trailing space', `. ${L} 0:3:foo \n`, ['1: trailing space']],
    ['blank line', `. ${L} 0:3:foo\n\n`, ['2: missing stream name']],
    ['blank first line', `\n. ${L} 0:3:foo\n`, ['1: missing stream name']],
    ['space-only line', ` \n. ${L} 0:3:foo\n`, ['1: trailing space', '1: missing stream name']],
    ['leading space', ` . ${L} 0:3:foo\n`, ['1: missing stream name']],
    ['stream not starting with .', `/dir1 ${L} 0:3:foo\n`, ['1: missing or invalid stream name "/dir1"']],
    ['stream name is a locator', `${D} 0:0:abc.txt\n`, [`1: missing or invalid stream name "${D}"`, '1: missing or invalid locator "0:0:abc.txt"']],
    ['stream ./', `./ ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./"']],
    ['stream .//foo', `.//foo ${D} 0:0:foo\n`, ['1: missing or invalid stream name ".//foo"']],
    ['stream ./foo/', `./foo/ ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./foo/"']],
    ['stream ./a/.', `./a/. ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./a/."']],
    ['stream ./a/../b', `./a/../b ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./a/../b"']],
    ['stream ./\\011/..', `./\\011/.. ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./\\\\011/.."']],
    ['stream .\\056\\057', `.\\056\\057 ${D} 0:0:foo\n`, ['1: missing or invalid stream name ".\\\\056\\\\057"']],
    ['stream .\\057/Data', `.\\057/Data ${D} 0:0:foo\n`, ['1: missing or invalid stream name ".\\\\057/Data"']],
    ['raw TAB in the stream', `./\tfoo ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./\\tfoo"']],
    ['raw CR in the stream', `./foo\r ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./foo\\r"']],
    ['TAB as a separator', `.\t${D} 0:0:foo\n`, [`1: missing or invalid stream name ".\\t${D}"`, '1: missing or invalid locator "0:0:foo"']],
    ['lone backslash in the stream', `./foo\\ ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./foo\\\\"']],
    ['double backslash in the stream', `./\\\\444 ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./\\\\\\\\444"']],
    ['non-octal escape in the stream', `./foo\\888 ${D} 0:0:foo\n`, ['1: missing or invalid stream name "./foo\\\\888"']],
    ['>8-bit escape in the stream', `./foo\\444 ${D} 0:0:foo\n`, ['1: >8-bit encoded chars not allowed on stream token "./foo\\\\444"']],
    ['no locators, nothing else', '.\n', ['1: missing or invalid locator']],
    ['no locators, file token first', '. 0:0:foo.txt\n', ['1: missing or invalid locator "0:0:foo.txt"']],
    ['locator after a file token', `. 0:0:foo.txt ${D}\n`, ['1: missing or invalid locator "0:0:foo.txt"', `1: invalid file token "${D}"`]],
    ['locator without size', '. d41d8cd98f00b204e9800998ecf8427e 0:0:abc.txt\n', ['1: missing or invalid locator "d41d8cd98f00b204e9800998ecf8427e"']],
    ['31-digit hash', '. d41d8cd98f00b204e9800998ecf8427+0 0:0:abc.txt\n', ['1: missing or invalid locator "d41d8cd98f00b204e9800998ecf8427+0"']],
    ['uppercase hash', `. ${D.toUpperCase()} 0:0:abc.txt\n`, [`1: missing or invalid locator "${D.toUpperCase()}"`]],
    ['lowercase hint', `. ${D}+k@x 0:0:abc.txt\n`, [`1: missing or invalid locator "${D}+k@x"`]],
    ['TAB after the locator', `. ${D}\t 0:0:foo.txt\n`, [`1: missing or invalid locator "${D}\\t"`]],
    ['no file tokens', `. ${D}\n`, ['1: no file tokens']],
    ['no file tokens, two locators', `. ${D} ${L}\n`, ['1: no file tokens']],
    ['file token without a name', `. ${D} 0:0:\n`, ['1: invalid file token "0:0:"']],
    ['file token with one colon', `. ${D} 0:abc.txt\n`, ['1: invalid file token "0:abc.txt"']],
    ['bare file name', `. ${D} 0:0:abc.txt xyz.txt\n`, ['1: invalid file token "xyz.txt"']],
    ['double space', `. ${D}  0:0:foo.txt\n`, ['1: invalid file token ""']],
    ['raw TAB in a file name', `. ${D} 0:0:foo.txt\t\n`, ['1: invalid file token "0:0:foo.txt\\t"']],
    ['lone backslash in a file name', `. ${D} 0:0:foo\\\n`, ['1: invalid file token "0:0:foo\\\\"']],
    ['escaped-looking r', `. ${D} 0:0:foo\\r\n`, ['1: invalid file token "0:0:foo\\\\r"']],
    ['non-octal escape in a file name', `. ${D} 0:0:foo\\888\n`, ['1: invalid file token "0:0:foo\\\\888"']],
    ['>8-bit escape in a file name', `. ${D} 0:0:foo\\444\n`, ['1: >8-bit encoded chars not allowed on file token "0:0:foo\\\\444"']],
    ['file named ..', `. ${D} 0:0:..\n`, ['1: invalid file token "0:0:.."']],
    ['escaped ..', `./d ${D} 0:0:\\056\\056\n`, ['1: invalid file token "0:0:\\\\056\\\\056"']],
    ['escaped ../foo', `./d ${D} 0:0:\\056\\056\\057foo\n`, ['1: invalid file token "0:0:\\\\056\\\\056\\\\057foo"']],
    ['dir marker with a length', `. ${L} 0:1:.\n`, ['1: invalid file token "0:1:."']],
    ['dir marker not at 0', `. ${L} 1:0:.\n`, ['1: invalid file token "1:0:."']],
    ['./ prefix in a file name', `. ${D} 0:0:./abc.txt\n`, ['1: invalid file token "0:0:./abc.txt"']],
    ['../ prefix', `. ${D} 0:0:../abc.txt\n`, ['1: invalid file token "0:0:../abc.txt"']],
    ['/. suffix', `. ${D} 0:0:abc.txt/.\n`, ['1: invalid file token "0:0:abc.txt/."']],
    ['/.. suffix', `. ${D} 0:0:abc.txt/..\n`, ['1: invalid file token "0:0:abc.txt/.."']],
    ['/./ inside', `. ${D} 0:0:a/./bc.txt\n`, ['1: invalid file token "0:0:a/./bc.txt"']],
    ['/../ inside', `. ${D} 0:0:a/../bc.txt\n`, ['1: invalid file token "0:0:a/../bc.txt"']],
    ['leading /', `. ${D} 0:0:/foo.txt\n`, ['1: invalid file token "0:0:/foo.txt"']],
    ['trailing /', `. ${D} 0:0:foo/\n`, ['1: invalid file token "0:0:foo/"']],
    ['// inside', `. ${D} 0:0:foo//bar.txt\n`, ['1: invalid file token "0:0:foo//bar.txt"']],
    ['escaped slash next to a slash', `. ${D} 0:0:foo\\057/bar\n`, ['1: invalid file token "0:0:foo\\\\057/bar"']],
    ['escaped leading slash', `. ${D} 0:0:\\057foo/bar\n`, ['1: invalid file token "0:0:\\\\057foo/bar"']],
    ['escaped colons in positions', `./d ${D} 0\\0720\\072foo\n`, ['1: invalid file token "0\\\\0720\\\\072foo"']],
    ['escaped digits in positions', `./d ${D} \\060:\\060:foo\n`, ['1: invalid file token "\\\\060:\\\\060:foo"']],
    ['escaped spaces in positions', `. ${D} \\040:\\040:foo.txt\n`, ['1: invalid file token "\\\\040:\\\\040:foo.txt"']],
    ['negative position', `. ${D} -1:0:foo\n`, ['1: invalid file token "-1:0:foo"']],
  ];
  for (const [name, text, want] of cases) it(name, () => assert.deepEqual(check(text), want));

  it('quotes non-UTF-8 bytes like Go %q', () => {
    const bytes = Buffer.concat([Buffer.from(`. ${D} 0:0:a\\444`), Buffer.from([0xff]), Buffer.from('\n')]);
    assert.deepEqual(check(bytes), ['1: >8-bit encoded chars not allowed on file token "0:0:a\\\\444\\xff"']);
  });
});

describe('validateManifest(): reporting', () => {
  it('reports every violation of every line, with its line number', () => {
    const text = [`./ok ${L} 0:3:foo`, `./a/.. ${D} 0:0:x 0:0:y/ 0:0:\\444`, `. ${L} 0:3:foo `, '', `. xyz`].join('\n');
    assert.deepEqual(check(text), [
      '2: missing or invalid stream name "./a/.."',
      '2: invalid file token "0:0:y/"',
      '2: >8-bit encoded chars not allowed on file token "0:0:\\\\444"',
      '3: trailing space',
      '4: missing stream name',
      '5: missing or invalid locator "xyz"',
      '5: does not end with newline',
    ]);
  });

  it('treats string input as UTF-8 and bytes as bytes', () => {
    assert.deepEqual(check(`./é ${D} 0:0:x\n`), []);
    assert.deepEqual(check(Buffer.from(`./é ${D} 0:0:x\n`)), []);
  });

  it('never throws and reports line numbers within range, on random input', () => {
    const unit = fc.constantFrom('.', '/', ' ', '\n', '\\', '0', '4', ':', 'a', 'd', '+', '\t', 'é');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 120 }), (text) => {
        const lines = text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
        for (const p of validateManifest(text)) assert.ok(p.line >= 1 && p.line <= lines, `line ${p.line} of ${lines}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts random well-formed manifests', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '\\040', '\\072', '\\134', '\\011', 'é', '.', '-'), minLength: 1, maxLength: 6 }).filter((s) => s !== '.' && s !== '..');
    const name = fc.array(part, { minLength: 1, maxLength: 3 }).map((ps) => ps.join('/'));
    const stream = fc.tuple(fc.array(part, { maxLength: 3 }), fc.array(fc.tuple(hex, fc.nat()), { minLength: 1, maxLength: 3 }), fc.array(fc.tuple(fc.nat(), fc.nat(), name), { minLength: 1, maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(stream, { maxLength: 4 }), (streams) => {
        const text = streams
          .map(([dirs, locs, files]) => [['.', ...dirs].join('/'), ...locs.map(([h, s]) => `${h}+${s}`), ...files.map(([p, l, n]) => `${p}:${l}:${n}`)].join(' ') + '\n')
          .join('');
        assert.deepEqual(check(text), []);
      }),
    );
  });
});
