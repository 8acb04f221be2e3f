// Child process of the HashPool test: uses a pool (tasks and a session) and never closes it. The
// process must still exit on its own: idle workers are unref'd.
import { HashPool } from '../../src/blocks/hash-pool.js';

const pool = new HashPool({ threads: 2 });
const big = (): Uint8Array => new Uint8Array(new SharedArrayBuffer(1 << 20));
await Promise.all([pool.md5(big()), pool.md5(big())]);
const session = await pool.session();
session.update(big());
await session.digest();
process.stdout.write('hashed');
