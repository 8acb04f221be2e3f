#!/usr/bin/env node
// Runs the S3 tests (dist/test/s3/*.s3-test.js) against a real S3 engine. Unless
// AWS_ENDPOINT_URL is set, starts a throwaway radosgw with scripts/ceph-s3.sh and stops it after.
// If the engine cannot start, this fails with the script's diagnostics: nothing is skipped.
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const script = join(root, 'scripts', 'ceph-s3.sh');
const env = { ...process.env };
let started = false;

function ceph(cmd, opts = {}) {
  return spawnSync('bash', [script, cmd], { encoding: 'utf8', env: cephEnv, ...opts });
}

/** A TCP port that is free right now on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// A private cluster (own data dir and ports), so parallel runs on one machine do not collide.
const cephEnv = { ...process.env };
if (!env.AWS_ENDPOINT_URL) {
  cephEnv.S3_DIR ??= `/tmp/keepfs-ceph-s3-${process.pid}`;
  cephEnv.S3_PORT ??= String(await freePort());
  cephEnv.S3_MON_PORT ??= String(await freePort());
}

if (!env.AWS_ENDPOINT_URL) {
  let start = ceph('start', { stdio: ['ignore', 'inherit', 'inherit'] });
  if (start.status !== 0) {
    // One more try on fresh ports (a port taken between the probe and the bind fails a start).
    console.error('test:s3: the S3 engine did not start; retrying once on other ports');
    cephEnv.S3_PORT = String(await freePort());
    cephEnv.S3_MON_PORT = String(await freePort());
    start = ceph('start', { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (start.status !== 0) {
    console.error('test:s3: FAILED: the S3 engine (radosgw) could not start; see the messages above.');
    console.error('test:s3: install it with `bash scripts/ceph-s3.sh install`, or point AWS_ENDPOINT_URL at an S3 service.');
    process.exit(1);
  }
  started = true;
  const out = ceph('env');
  for (const line of out.stdout.split('\n')) {
    const m = /^export ([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]] = m[2];
  }
}

let status = 1;
try {
  const dir = join(root, 'dist', 'test', 's3');
  const files = readdirSync(dir).filter((f) => f.endsWith('.s3-test.js')).map((f) => join(dir, f));
  if (files.length === 0) throw new Error(`test:s3: no test files in ${dir}`);
  const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit', env });
  status = r.status ?? 1;
} finally {
  if (started) ceph('stop', { stdio: ['ignore', 'inherit', 'inherit'] });
}
process.exit(status);
