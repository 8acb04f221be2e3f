import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { tokenizeManifest } from '../../../src/manifest/tokenize.js';

type Event = string;

/** Record the tokenizer's callbacks as readable strings. */
function events(text: string): Event[] {
  const buf = Buffer.from(text, 'latin1');
  const s = (a: number, b: number): string => JSON.stringify(buf.toString('latin1', a, b));
  const out: Event[] = [];
  tokenizeManifest(buf, {
    stream: (a, b, line) => out.push(`S${line}${s(a, b)}`),
    locator: (a, b) => out.push(`L${s(a, b)}`),
    file: (a, b, c1, c2) => out.push(`F${s(a, b)}@${c1 - a},${c2 < 0 ? -1 : c2 - a}`),
    endLine: (lf) => out.push(`E${lf}`),
  });
  return out;
}

/** The obvious split-based model of the tokenizer. */
function model(text: string): Event[] {
  const out: Event[] = [];
  if (text === '') return out;
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let pos = 0;
  lines.forEach((line, i) => {
    const toks = line.split(' ');
    out.push(`S${i + 1}${JSON.stringify(toks[0])}`);
    for (const tok of toks.slice(1)) {
      const c1 = tok.indexOf(':');
      if (c1 < 0) out.push(`L${JSON.stringify(tok)}`);
      else out.push(`F${JSON.stringify(tok)}@${c1},${tok.indexOf(':', c1 + 1)}`);
    }
    pos += line.length;
    out.push(`E${pos}`);
    pos += 1;
  });
  return out;
}

describe('tokenizeManifest()', () => {
  it('reports stream, locator and file tokens with colon positions', () => {
    assert.deepEqual(events('. abc+3 0:3:foo 1:2:a:b\n'), [
      'S1"."',
      'L"abc+3"',
      'F"0:3:foo"@1,3',
      'F"1:2:a:b"@1,3',
      'E23',
    ]);
  });

  it('splits on single spaces only (TAB and CR are token bytes)', () => {
    assert.deepEqual(events('.\tx a+1 0:1:f\r\n'), ['S1".\\tx"', 'L"a+1"', 'F"0:1:f\\r"@1,3', 'E14']);
  });

  it('yields empty tokens for doubled, leading and trailing spaces', () => {
    assert.deepEqual(events(' a  0:1 \n'), ['S1""', 'L"a"', 'L""', 'F"0:1"@1,-1', 'L""', 'E8']);
  });

  it('reports empty lines and a final line without LF', () => {
    assert.deepEqual(events('\n\nx y'), ['S1""', 'E0', 'S2""', 'E1', 'S3"x"', 'L"y"', 'E5']);
    assert.deepEqual(events('x '), ['S1"x"', 'L""', 'E2']);
    assert.deepEqual(events(''), []);
  });

  it('matches the split-based model on random texts', () => {
    const alphabet = fc.constantFrom(' ', '\n', ':', 'a', '+', '1', '\t', '.');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')), (text) => {
        assert.deepEqual(events(text), model(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('propagates an exception thrown by the visitor', () => {
    const boom = new Error('stop');
    assert.throws(
      () =>
        tokenizeManifest(Buffer.from('. a+1 0:1:x\n'), {
          stream: () => {},
          locator: () => {
            throw boom;
          },
          file: () => {},
          endLine: () => {},
        }),
      (err) => err === boom,
    );
  });
});
