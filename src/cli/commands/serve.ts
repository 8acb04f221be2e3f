/**
 * `keepfs serve [--data DIR] [--listen HOST:PORT]`: the embedded single-process server. For now
 * it runs the Keep block protocol over a DirectoryStore in `DIR/blocks`. On first start it
 * creates DIR and a blob signing key (`DIR/signing-key`, mode 0600); PUT answers are signed for
 * the caller's token and reads need a valid signature. Prints `keepfs serve listening on <url>`.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DirectoryStore } from '../../blocks/directory-store.js';
import { KeepError } from '../../errors.js';
import { startKeepServer } from '../../server/keep/keep-server.js';
import { closeOnSignals, parseListen } from './keepstore.js';

interface ServeCliOptions {
  data: string;
  listen: string;
}

/** Read `file`, or create it with a new random key (mode 0600) when it does not exist. */
export async function loadOrCreateKey(file: string): Promise<string> {
  try {
    const key = (await readFile(file, 'utf8')).trim();
    if (key === '') throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot start: signing key file "${file}" is empty`);
    return key;
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(48).toString('base64url');
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return key;
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('run keepfs (for now: the Keep block protocol over ./keepfs-data/blocks)')
    .option('--data <dir>', 'data directory', 'keepfs-data')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:25107')
    .action(async (opts: ServeCliOptions) => {
      const { host, port } = parseListen(opts.listen);
      const data = resolve(opts.data);
      await mkdir(data, { recursive: true, mode: 0o700 });
      const signingKey = await loadOrCreateKey(join(data, 'signing-key'));
      const store = await DirectoryStore.open({ root: join(data, 'blocks') });
      const server = await startKeepServer({
        store,
        host,
        port,
        signingKey,
        requireSignatures: true,
        onError: (err, info) => process.stderr.write(`keepfs serve: ${info.method} ${info.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
      });
      process.stdout.write(`keepfs serve listening on ${server.url} (data ${data})\n`);
      closeOnSignals(server);
    });
}
