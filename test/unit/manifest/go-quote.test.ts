import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goQuote, goQuoteList } from '../../../src/manifest/go-quote.js';

const bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe('goQuote()', () => {
  it('quotes like Go strconv.Quote', () => {
    const cases: Array<[string, string]> = [
      ['', '""'],
      ['foo', '"foo"'],
      ['a b', '"a b"'],
      ['say "hi"', '"say \\"hi\\""'],
      ['back\\slash', '"back\\\\slash"'],
      ['\\056', '"\\\\056"'],
      ['tab\there', '"tab\\there"'],
      ['nl\n', '"nl\\n"'],
      ['cr\r', '"cr\\r"'],
      ['\x07\x08\x0b\x0c', '"\\a\\b\\v\\f"'],
      ['del\x7f', '"del\\x7f"'],
      ['nul\x00\x1b', '"nul\\x00\\x1b"'],
      [bytes('café'), '"café"'],
      [bytes('日本語'), '"日本語"'],
      [bytes('⛵'), '"⛵"'],
      [bytes('😀'), '"😀"'],
      [bytes('\u00a0'), '"\\u00a0"'],
      [bytes('\u0085'), '"\\u0085"'],
      [bytes('\u200b'), '"\\u200b"'],
      [bytes('\u{e0001}'), '"\\U000e0001"'],
      ['\xff', '"\\xff"'],
      ['\xc3', '"\\xc3"'],
      ['\xc3(', '"\\xc3("'],
      ['\xc0\x80', '"\\xc0\\x80"'],
      ['\xed\xa0\x80', '"\\xed\\xa0\\x80"'],
      ['\xf4\x90\x80\x80', '"\\xf4\\x90\\x80\\x80"'],
      ['\xe2\x9b', '"\\xe2\\x9b"'],
    ];
    for (const [input, expected] of cases) assert.equal(goQuote(input), expected, JSON.stringify(input));
  });

  it('quotes a list like Go %q of []string', () => {
    assert.equal(goQuoteList(['.', 'foo', '..']), '["." "foo" ".."]');
    assert.equal(goQuoteList([]), '[]');
  });
});
