import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temp directory and its remover. */
export async function blocksTempDir(label: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `keepfs-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** md5 hex of bytes. */
export function blocksMd5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

/** Random bytes in a fresh, non-pooled buffer. */
export function blocksRandom(size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size > 0) out.set(randomBytes(size));
  return out;
}
