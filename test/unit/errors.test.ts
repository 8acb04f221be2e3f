import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError, isKeepError } from '../../src/errors.js';

class ExampleError extends KeepError {
  constructor(readonly detail: string) {
    super('ERR_INVALID_ARGUMENT', `Cannot do it: ${detail}`);
  }
}

test('KeepError carries code, name from the class, and cause', () => {
  const cause = new Error('root');
  const e = new KeepError('ERR_BLOCK_NOT_FOUND', 'Cannot read block "x": not found', { cause });
  assert.equal(e.code, 'ERR_BLOCK_NOT_FOUND');
  assert.equal(e.name, 'KeepError');
  assert.equal(e.cause, cause);
  assert.ok(e instanceof Error);
  const sub = new ExampleError('why');
  assert.equal(sub.name, 'ExampleError');
  assert.ok(sub instanceof KeepError);
});

test('isKeepError() matches by brand and optional code, not by class identity', () => {
  const e = new KeepError('ERR_TIMEOUT', 'slow');
  assert.equal(isKeepError(e), true);
  assert.equal(isKeepError(e, 'ERR_TIMEOUT'), true);
  assert.equal(isKeepError(e, 'ERR_ABORTED'), false);
  assert.equal(isKeepError(new Error('plain')), false);
  assert.equal(isKeepError(null), false);
  // An object from "another copy of the package" carries the same Symbol.for brand.
  const foreign = Object.assign(new Error('x'), { code: 'ERR_TIMEOUT' });
  Object.defineProperty(foreign, Symbol.for('keepfs.KeepError'), { value: true });
  assert.equal(isKeepError(foreign, 'ERR_TIMEOUT'), true);
  assert.ok(foreign instanceof KeepError);
});
