import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Semaphore } from '../../../src/util/semaphore.js';
import { Mutex } from '../../../src/util/mutex.js';
import { sleep } from '../../../src/util/abort.js';
import { isKeepError } from '../../../src/errors.js';

test('Semaphore() never lets more than `permits` holders run at once', async () => {
  const sem = new Semaphore(3);
  let running = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      const release = await sem.acquire();
      running++;
      peak = Math.max(peak, running);
      await sleep(1);
      running--;
      release();
    }),
  );
  assert.equal(peak, 3);
  assert.equal(sem.available, 3);
});

test('Semaphore.acquire() with an aborted signal leaves the queue intact', async () => {
  const sem = new Semaphore(1);
  const release = await sem.acquire();
  const ac = new AbortController();
  const waiting = sem.acquire(ac.signal);
  assert.equal(sem.waiting, 1);
  ac.abort(new Error('stop'));
  await assert.rejects(waiting, /stop/);
  assert.equal(sem.waiting, 0);
  release();
  release(); // a second release is ignored
  assert.equal(sem.available, 1);
});

test('Semaphore() rejects a non-positive permit count', () => {
  assert.throws(() => new Semaphore(0), RangeError);
});

test('Mutex.runExclusive() serialises critical sections', async () => {
  const m = new Mutex();
  const log: string[] = [];
  await Promise.all(
    [1, 2, 3].map((i) =>
      m.runExclusive(async () => {
        log.push(`in${i}`);
        await sleep(2);
        log.push(`out${i}`);
      }),
    ),
  );
  assert.deepEqual(log, ['in1', 'out1', 'in2', 'out2', 'in3', 'out3']);
  assert.equal(m.locked, false);
});

test('sleep() rejects with ERR_ABORTED when aborted', async () => {
  const ac = new AbortController();
  const p = sleep(10_000, ac.signal);
  ac.abort();
  await assert.rejects(p, (e: unknown) => isKeepError(e, 'ERR_ABORTED'));
});
