import { KeepError } from '../../errors.js';
import { checkAdmin } from './keep-auth-check.js';
import type { KeepRequest, KeepSettings } from './keep-context.js';
import { parseKeepLocator } from './keep-locator.js';
import { drained, sendText } from './keep-respond.js';

const PREFIX = /^[0-9a-f]{0,32}$/;
const NS_PER_MS = 1_000_000n;

/** Unix nanoseconds of a millisecond timestamp (BigInt: nanoseconds exceed 2^53). */
export function msToNs(mtimeMs: number): bigint {
  const whole = Math.floor(mtimeMs);
  return BigInt(whole) * NS_PER_MS + BigInt(Math.round((mtimeMs - whole) * 1e6));
}

/**
 * `GET /index[/<prefix>]` (admin): lines `<hash>+<size> <mtime ns>`, then a blank line that
 * marks the listing complete. Streamed as the store lists.
 */
export async function handleIndex(ctx: KeepRequest, settings: KeepSettings, prefix: string): Promise<void> {
  checkAdmin(ctx, settings);
  if (!PREFIX.test(prefix)) throw new KeepError('ERR_INVALID_ARGUMENT', 'invalid prefix');
  const res = ctx.res;
  let started = false;
  let batch: string[] = [];
  for await (const info of settings.store.list(prefix, { signal: ctx.signal })) {
    if (!started) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      started = true;
    }
    batch.push(`${info.hash}+${info.size} ${msToNs(info.mtimeMs)}\n`);
    if (batch.length >= 1000) {
      if (!res.write(batch.join(''))) await drained(res, ctx.signal);
      batch = [];
    }
  }
  if (!started) res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${batch.join('')}\n`);
}

/** `TOUCH /<locator>` (admin): refresh a block's mtime. */
export async function handleTouch(ctx: KeepRequest, settings: KeepSettings, locator: string): Promise<void> {
  checkAdmin(ctx, settings);
  const li = parseKeepLocator(locator);
  await settings.store.touch(li.hash, { signal: ctx.signal });
  sendText(ctx.res, 200, '');
}

/** `DELETE /<locator>` (admin): move a block to the trash. */
export async function handleDelete(ctx: KeepRequest, settings: KeepSettings, locator: string): Promise<void> {
  checkAdmin(ctx, settings);
  const li = parseKeepLocator(locator);
  await settings.store.trash(li.hash, { signal: ctx.signal });
  sendText(ctx.res, 200, '');
}
