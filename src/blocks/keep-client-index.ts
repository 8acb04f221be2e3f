import { KeepError } from '../errors.js';
import type { BlockInfo } from './block-store.js';

const LINE = /^([0-9a-f]{32})\+([0-9]+) ([0-9]+)$/;

/**
 * Parse a keepstore index response: lines `<hash>+<size> <mtime ns>`, complete only when it ends
 * with a blank line (`\n\n`, or exactly `\n` when empty).
 * @throws KeepError ERR_REMOTE (incomplete or malformed index)
 */
export function parseIndex(body: Uint8Array, source: string): BlockInfo[] {
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
  if (text !== '\n' && !text.endsWith('\n\n')) throw new KeepError('ERR_REMOTE', `Cannot list blocks on ${source}: incomplete index`);
  const out: BlockInfo[] = [];
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue;
    const m = LINE.exec(line);
    if (m === null) throw new KeepError('ERR_REMOTE', `Cannot list blocks on ${source}: bad index line "${line.slice(0, 80)}"`);
    const ns = BigInt(m[3] as string);
    out.push({ hash: m[1] as string, size: Number(m[2]), mtimeMs: Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6 });
  }
  return out;
}
