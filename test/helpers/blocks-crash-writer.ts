// Child process of the DirectoryStore crash test: writes random blocks into argv[2] forever,
// printing each stored locator, until it is killed.
import { randomBytes, randomInt } from 'node:crypto';
import { DirectoryStore } from '../../src/blocks/directory-store.js';

const root = process.argv[2];
if (root === undefined) throw new Error('usage: blocks-crash-writer ROOT');
const store = await DirectoryStore.open({ root, minFreeBytes: 0 });
process.stdout.write('ready\n');
for (;;) {
  const batch = Array.from({ length: 3 }, () => {
    const data = new Uint8Array(randomInt(1, 8 << 20));
    data.set(randomBytes(data.byteLength));
    return data;
  });
  const results = await Promise.all(batch.map((d) => store.put(d)));
  process.stdout.write(results.map((r) => `${r.locator}\n`).join(''));
}
