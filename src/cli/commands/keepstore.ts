/**
 * `keepfs keepstore --listen HOST:PORT --volume dir:/path[:class[,class]]… [--signing-key-file F]
 * [--admin-token T]`: a keepstore-compatible block server over a VolumeSet of DirectoryStores.
 * With a signing key, PUT answers are signed for the caller's token and reads need a valid
 * signature (keepstore's BlobSigning). Prints `keepstore listening on <url>` when ready;
 * SIGINT/SIGTERM stop it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DirectoryStore } from '../../blocks/directory-store.js';
import { VolumeSet, type VolumeConfig } from '../../blocks/volume-set.js';
import { KeepError } from '../../errors.js';
import { startKeepServer, type KeepServer } from '../../server/keep/keep-server.js';

interface KeepstoreCliOptions {
  listen: string;
  volume: string[];
  signingKeyFile?: string;
  adminToken?: string;
  ttl: number;
}

/** Parse `HOST:PORT` (`[v6]:PORT` for IPv6). Port 0 picks a free port. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):([0-9]{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (m === null || port > 65535) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot listen on "${text}": expected HOST:PORT`);
  return { host: m[1] ?? m[2] ?? '127.0.0.1', port };
}

/** `dir:/path[:class,class]` → a volume (uuid derived from the absolute path). */
export async function openVolume(spec: string): Promise<VolumeConfig> {
  const m = /^dir:([^:]+)(?::(.+))?$/.exec(spec);
  if (m === null || m[1] === undefined) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot use volume "${spec}": expected dir:/path[:class[,class]]`);
  const root = resolve(m[1]);
  const classes = (m[2] ?? 'default').split(',').map((c) => c.trim()).filter((c) => c !== '');
  const store = await DirectoryStore.open({ root, storageClasses: classes });
  const uuid = `zzzzz-nyw5e-${createHash('md5').update(root).digest('hex').slice(0, 15)}`;
  return { uuid, store, storageClasses: classes };
}

/** Stop `server` on SIGINT/SIGTERM. */
export function closeOnSignals(server: KeepServer): void {
  const stop = (): void => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function register(program: Command): void {
  program
    .command('keepstore')
    .description('serve the Keep block protocol over directory volumes')
    .requiredOption('--listen <host:port>', 'address to listen on', '127.0.0.1:25107')
    .requiredOption('--volume <dir:/path[:classes]>', 'a directory volume (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--signing-key-file <file>', 'blob signing key: sign PUT answers, require signatures on reads')
    .option('--admin-token <token>', 'token for the admin routes (index, TOUCH, DELETE)')
    .option('--ttl <seconds>', 'signature TTL', (v: string) => Number(v), 1209600)
    .action(async (opts: KeepstoreCliOptions) => {
      if (opts.volume.length === 0) throw new KeepError('ERR_INVALID_ARGUMENT', 'Cannot start keepstore: at least one --volume is required');
      const { host, port } = parseListen(opts.listen);
      const volumes = await Promise.all(opts.volume.map(openVolume));
      const defaults = [...new Set(volumes.flatMap((v) => v.storageClasses ?? ['default']))].includes('default') ? ['default'] : [...(volumes[0]?.storageClasses ?? ['default'])];
      const store = new VolumeSet({ volumes, defaultStorageClasses: defaults });
      const signingKey = opts.signingKeyFile === undefined ? undefined : (await readFile(opts.signingKeyFile, 'utf8')).trim();
      if (signingKey === '') throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot start keepstore: signing key file "${opts.signingKeyFile}" is empty`);
      const server = await startKeepServer({
        store,
        host,
        port,
        ttlSeconds: opts.ttl,
        ...(signingKey === undefined ? {} : { signingKey, requireSignatures: true }),
        ...(opts.adminToken === undefined ? {} : { adminToken: opts.adminToken }),
        onError: (err, info) => process.stderr.write(`keepstore: ${info.method} ${info.path}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`),
      });
      process.stdout.write(`keepstore listening on ${server.url}\n`);
      closeOnSignals(server);
    });
}
