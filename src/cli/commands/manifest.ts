/**
 * `keepfs manifest pdh|normalize|validate|sign|verify [FILE]`: manifest tools. Each reads FILE,
 * or standard input when FILE is absent, and writes its result to standard output.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { KeepError } from '../../errors.js';
import { normalizeManifest } from '../../manifest/normalize.js';
import { portableDataHash } from '../../manifest/portable-data-hash.js';
import { signManifest, verifyManifestSignatures } from '../../manifest/signature.js';
import { validateManifest } from '../../manifest/validate-manifest.js';

interface KeyOptions {
  key: string;
  token: string;
  ttl: number;
}

interface SignCliOptions extends KeyOptions {
  expires?: number;
}

interface VerifyCliOptions extends KeyOptions {
  now?: number;
}

/** Read FILE, or all of stdin when `file` is undefined or `-`. */
async function readInput(file: string | undefined): Promise<Buffer> {
  if (file === undefined || file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
  try {
    return await readFile(file);
  } catch (err: unknown) {
    const reason = err instanceof Error && 'code' in err ? String(err.code) : String(err);
    throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot read ${JSON.stringify(file)}: ${reason}`, { cause: err });
  }
}

/** Commander option parser for a non-negative whole number of seconds. */
function wholeSeconds(name: string): (value: string) => number {
  return (value: string): number => {
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot use ${name} ${JSON.stringify(value)}: expected a whole number of seconds`);
    }
    return Number(value);
  };
}

function write(text: string | Uint8Array): void {
  process.stdout.write(text);
}

function keyOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--key <key>', 'blob signing key')
    .requiredOption('--token <token>', 'API token the signatures are for')
    .requiredOption('--ttl <seconds>', 'blob signing TTL in seconds', wholeSeconds('--ttl'));
}

/**
 * Register `keepfs manifest …`.
 *
 * @param program the root command
 */
export function register(program: Command): void {
  const manifest = program.command('manifest').description('Manifest tools (read FILE or standard input)');

  manifest
    .command('pdh')
    .description('print the portable data hash')
    .argument('[file]', 'manifest file (default: stdin)')
    .action(async (file: string | undefined) => {
      write(`${portableDataHash(await readInput(file))}\n`);
    });

  manifest
    .command('normalize')
    .description('print the manifest re-marshalled like the Arvados Go SDK')
    .argument('[file]', 'manifest file (default: stdin)')
    .action(async (file: string | undefined) => {
      write(normalizeManifest(await readInput(file)));
    });

  manifest
    .command('validate')
    .description('check the API server rules; print "line N: message" per problem, exit 1 if any')
    .argument('[file]', 'manifest file (default: stdin)')
    .action(async (file: string | undefined) => {
      const problems = validateManifest(await readInput(file));
      if (problems.length > 0) {
        write(problems.map((p) => `line ${p.line}: ${p.message}\n`).join(''));
        process.exitCode = 1;
      }
    });

  keyOptions(manifest.command('sign'))
    .description('sign every locator (replacing existing signatures)')
    .option('--expires <unixtime>', 'expiry time, Unix seconds (default: now + ttl)', wholeSeconds('--expires'))
    .argument('[file]', 'manifest file (default: stdin)')
    .action(async (file: string | undefined, opts: SignCliOptions) => {
      const input = await readInput(file);
      const expiry = opts.expires ?? Math.floor(Date.now() / 1000) + opts.ttl;
      write(signManifest(input, { key: opts.key, token: opts.token, expiry, ttlSeconds: opts.ttl }));
    });

  keyOptions(manifest.command('verify'))
    .description('check every signature; print "line N: <locator>: <error>" per failure, exit 1 if any')
    .option('--now <unixtime>', 'check expiry against this time instead of the clock', wholeSeconds('--now'))
    .argument('[file]', 'manifest file (default: stdin)')
    .action(async (file: string | undefined, opts: VerifyCliOptions) => {
      const input = await readInput(file);
      const verifyOpts = { key: opts.key, token: opts.token, ttlSeconds: opts.ttl, ...(opts.now === undefined ? {} : { now: opts.now }) };
      const problems = verifyManifestSignatures(input, verifyOpts);
      if (problems.length > 0) {
        write(problems.map((p) => `line ${p.line}: ${p.locator}: ${p.message}\n`).join(''));
        process.exitCode = 1;
      }
    });
}
