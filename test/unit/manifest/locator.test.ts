import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isKeepError } from '../../../src/errors.js';
import { formatLocator, isStrictLocator, parseLocator, stripAllHints, type Locator } from '../../../src/manifest/locator.js';
import { signatureExpiry } from '../../../src/manifest/signature.js';

const H = 'acbd18db4cc2f85cedef654fccc4a4d8';
const SIG = '+A89118b78732c33104a4d6231e8b5a5fa1e4301e3@7fffffff';

function lenient(text: string): Locator | string {
  try {
    return parseLocator(text);
  } catch (err: unknown) {
    assert.ok(isKeepError(err, 'ERR_BAD_LOCATOR'), `expected ERR_BAD_LOCATOR for ${text}`);
    return 'bad';
  }
}

function strict(text: string): Locator | string {
  try {
    const loc = parseLocator(text, { strict: true });
    assert.ok(isStrictLocator(text));
    return loc;
  } catch (err: unknown) {
    assert.ok(isKeepError(err, 'ERR_BAD_LOCATOR'), `expected ERR_BAD_LOCATOR for ${text}`);
    return 'bad';
  }
}

describe('parseLocator() lenient (Go collection loader, §1.3/§2.1)', () => {
  const cases: Array<[string, Locator | 'bad']> = [
    [`${H}+3`, { hash: H, size: 3, hints: [] }],
    [`${H}+3+K@xyzzy${SIG}`, { hash: H, size: 3, hints: ['K@xyzzy', SIG.slice(1)] }],
    ['xyz+3', { hash: 'xyz', size: 3, hints: [] }],
    [`${H.slice(2)}+3`, { hash: H.slice(2), size: 3, hints: [] }],
    [`${H.toUpperCase()}+3`, { hash: H.toUpperCase(), size: 3, hints: [] }],
    [`${H}+2147483647`, { hash: H, size: 2147483647, hints: [] }],
    [`${H}+2147483648`, 'bad'],
    [`${H}+-1`, 'bad'],
    [`${H}+-0`, { hash: H, size: 0, hints: [] }],
    [`${H}+007`, { hash: H, size: 7, hints: [] }],
    [`${H}+3++x+`, { hash: H, size: 3, hints: ['', 'x', ''] }],
    [`${H}+3+k@lower*`, { hash: H, size: 3, hints: ['k@lower*'] }],
    ['+3', { hash: '', size: 3, hints: [] }],
    [H, 'bad'],
    [`${H}+`, 'bad'],
    [`${H}++3`, 'bad'],
    [`${H}+3x`, 'bad'],
    [`${H}+ 3`, 'bad'],
    [`${H}+0x10`, 'bad'],
    [`${H}+1e3`, 'bad'],
    [`${H}+3+a:b`, 'bad'],
    ['', 'bad'],
  ];
  for (const [text, want] of cases) {
    it(`${JSON.stringify(text)} → ${want === 'bad' ? 'ERR_BAD_LOCATOR' : `size ${want.size}`}`, () => assert.deepEqual(lenient(text), want));
  }
});

describe('parseLocator() strict (API server grammar, §2.1)', () => {
  const cases: Array<[string, string, Locator | 'bad']> = [
    ['plain', `${H}+3`, { hash: H, size: 3, hints: [] }],
    ['signed with extra hints', `${H}+3+K@xyzzy${SIG}+Zbar_baz-1`, { hash: H, size: 3, hints: ['K@xyzzy', SIG.slice(1), 'Zbar_baz-1'] }],
    ['remote signature hint', `${H}+3+Rzzzzz-${'0'.repeat(40)}@7fffffff`, { hash: H, size: 3, hints: [`Rzzzzz-${'0'.repeat(40)}@7fffffff`] }],
    ['a hint letter alone', `${H}+3+Z`, { hash: H, size: 3, hints: ['Z'] }],
    ['size above int32', `${H}+4294967296`, { hash: H, size: 4294967296, hints: [] }],
    ['doc invalid: no size', `${H}`, 'bad'],
    ['doc invalid: no size, hint only', `${H}+K@xyzzy`, 'bad'],
    ['doc invalid: hint before size', `${H}+K@xyzzy+3`, 'bad'],
    ['doc invalid: two sizes', `${H}+3+4`, 'bad'],
    ['doc invalid: lowercase hint', `${H}+3+k@xyzzy`, 'bad'],
    ['doc invalid: * in a hint', `${H}+3+K@xy*zzy`, 'bad'],
    ['uppercase hex', `${H.toUpperCase()}+3`, 'bad'],
    ['31 hex digits', `${H.slice(1)}+3`, 'bad'],
    ['33 hex digits', `${H}0+3`, 'bad'],
    ['non-hex digit', `${H.slice(1)}g+3`, 'bad'],
    ['empty hint', `${H}+3++K@x`, 'bad'],
    ['trailing +', `${H}+3+`, 'bad'],
    ['trailing newline', `${H}+3\n`, 'bad'],
    ['size beyond 2^53', `${H}+99999999999999999999`, 'bad'],
  ];
  for (const [name, text, want] of cases) {
    it(`${name}: ${JSON.stringify(text)}`, () => assert.deepEqual(strict(text), want));
  }

  it('isStrictLocator() is exactly the documented regex', () => {
    const re = /^[0-9a-f]{32}\+[0-9]+(\+[A-Z][A-Za-z0-9@_-]*)*$/;
    const unit = fc.constantFrom('a', '0', 'f', 'F', 'g', '+', 'K', 'k', '@', '_', '-', '*', ':', ' ', '9');
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 30, maxLength: 34 }), fc.string({ unit, maxLength: 20 }), (h, rest) => {
        const text = `${h}+${rest}`;
        assert.equal(isStrictLocator(text), re.test(text));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('§2.1 consumer table: how each rule maps onto keepfs', () => {
  it('Ruby API LOCATOR_REGEXP (size optional, uppercase hex): keepfs strict follows the documented grammar instead', () => {
    assert.equal(strict(`${H}+K@xyzzy`), 'bad');
    assert.equal(strict(`${H.toUpperCase()}+3`), 'bad');
    assert.deepEqual(lenient(`${H.toUpperCase()}+3`), { hash: H.toUpperCase(), size: 3, hints: [] });
  });

  it('Go blockdigest.LocatorPattern: keepfs strict is the same pattern restricted to lowercase hex', () => {
    assert.ok(isStrictLocator(`${H}+3+Zfoo`));
    assert.ok(!isStrictLocator(`${H.toUpperCase()}+3+Zfoo`));
  });

  it('collectionfs loader: no ":", two or more "+" parts, second an int32 >= 0, anything else goes', () => {
    assert.equal(lenient(`${H}+3:x`), 'bad');
    assert.equal(lenient('x'), 'bad');
    assert.deepEqual(lenient('!!+0+ +\t'), { hash: '!!', size: 0, hints: [' ', '\t'] });
  });

  it('SignedLocatorRe: exactly one +A with 40 hex digits and an 8-digit timestamp (signatureExpiry)', () => {
    assert.equal(signatureExpiry(`${H}+3${SIG}`), 0x7fffffff);
    assert.equal(signatureExpiry(`${H}${SIG}+Zfoo`), 0x7fffffff);
    assert.equal(signatureExpiry(`${H}+3${SIG}${SIG}`), undefined);
    assert.equal(signatureExpiry(`${H}+3+A${'a'.repeat(40)}@1234567`), undefined);
    assert.equal(signatureExpiry(`${H}+3`), undefined);
  });

  it('stripAllHints: the part before the first "+" when that "+" is not at index 0', () => {
    const cases: Array<[string, string]> = [
      [`${H}+3${SIG}`, H],
      [`${H}+3`, H],
      [H, H],
      ['+abc', '+abc'],
      ['', ''],
      ['a+', 'a'],
      ['xyz+3+K@x', 'xyz'],
    ];
    for (const [input, want] of cases) assert.equal(stripAllHints(input), want, input);
  });
});

describe('formatLocator()', () => {
  it('formats hash+size+hints', () => {
    assert.equal(formatLocator({ hash: H, size: 3, hints: [] }), `${H}+3`);
    assert.equal(formatLocator({ hash: H, size: 0, hints: ['K@xyzzy', 'Zfoo'] }), `${H}+0+K@xyzzy+Zfoo`);
  });

  it('round-trips with parseLocator at both levels', () => {
    const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 });
    const hint = fc.tuple(fc.constantFrom(...'ABKRZ'), fc.string({ unit: fc.constantFrom(...'az09@_-Q'), maxLength: 12 })).map(([a, b]) => a + b);
    fc.assert(
      fc.property(hex, fc.nat(0x7fffffff), fc.array(hint, { maxLength: 4 }), (hash, size, hints) => {
        const loc = { hash, size, hints };
        const text = formatLocator(loc);
        assert.deepEqual(parseLocator(text), loc);
        assert.deepEqual(parseLocator(text, { strict: true }), loc);
        assert.equal(stripAllHints(text), hash);
      }),
    );
  });
});
