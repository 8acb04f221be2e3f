import { isKeepError } from '../errors.js';
import { sleep } from '../util/abort.js';
import type { PutResult } from './block-store.js';
import { InsufficientReplicasError } from './keep-client-errors.js';
import { isRetryableStatus, type KeepHttpResponse } from './keep-client-http.js';

/** One keep service as the client sees it. */
export interface KeepService {
  url: string;
  uuid: string;
  readOnly: boolean;
}

/** What the write loop needs from the client. */
export interface WritePlan {
  hash: string;
  /** Writable services in probe order. */
  services: readonly KeepService[];
  replicas: number;
  storageClasses: readonly string[];
  retries: number;
  backoff: (attempt: number) => number;
  signal: AbortSignal | undefined;
  /** PUT the block to one service, with `X-Keep-Storage-Classes` set to `classes` when non-empty. */
  send: (service: KeepService, classes: readonly string[]) => Promise<KeepHttpResponse>;
}

/** Parse `X-Keep-Storage-Classes-Confirmed: a=1, b=2`; invalid entries are ignored. */
export function parseClassesConfirmed(value: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const n = Number(part.slice(eq + 1).trim());
    if (name === '' || !Number.isInteger(n) || n < 1) continue;
    out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}

/**
 * Arvados' client write (arvados-collections.md §7.3): PUT to services in probe order, at most as
 * many at once as replicas are still missing (the least-satisfied class when classes are
 * tracked), counting `X-Keep-Replicas-Stored` and per-class `X-Keep-Storage-Classes-Confirmed`,
 * until every class has `replicas` copies. Services failing with a retryable status or a network
 * error are tried again in later rounds (at most `retries` more, with backoff).
 * @throws InsufficientReplicasError (ERR_INSUFFICIENT_REPLICAS) with the partial result
 */
export async function writeToServices(plan: WritePlan): Promise<PutResult> {
  const classTodo = new Map<string, number>(plan.storageClasses.map((c) => [c, plan.replicas]));
  let trackClasses = classTodo.size > 0;
  let replicasTodo = plan.replicas;
  let replicasDone = 0;
  const confirmed: Record<string, number> = {};
  let locator: string | undefined;
  const failures: string[] = [];
  const satisfied = (): boolean => replicasTodo <= 0 && (!trackClasses || [...classTodo.values()].every((n) => n <= 0));
  const maxInFlight = (): number => {
    if (!trackClasses) return Math.max(1, replicasTodo);
    let min = Number.POSITIVE_INFINITY;
    for (const n of classTodo.values()) if (n > 0 && n < min) min = n;
    return Math.max(1, Number.isFinite(min) ? min : replicasTodo);
  };
  let pending = [...plan.services];
  for (let attempt = 0; ; attempt++) {
    const retry: KeepService[] = [];
    let next = 0;
    while (next < pending.length && !satisfied()) {
      const batch = pending.slice(next, next + maxInFlight());
      next += batch.length;
      const classes = trackClasses ? [...classTodo].filter(([, n]) => n > 0).map(([c]) => c) : [];
      const outcomes = await Promise.allSettled(batch.map((s) => plan.send(s, classes)));
      for (let i = 0; i < outcomes.length; i++) {
        const service = batch[i] as KeepService;
        const o = outcomes[i] as PromiseSettledResult<KeepHttpResponse>;
        if (o.status === 'rejected') {
          if (isKeepError(o.reason, 'ERR_ABORTED') || isKeepError(o.reason, 'ERR_HASH_MISMATCH')) throw o.reason;
          failures.push(`${service.url}: ${o.reason instanceof Error ? o.reason.message : String(o.reason)}`);
          retry.push(service);
          continue;
        }
        const res = o.value;
        if (res.status !== 200) {
          failures.push(`[${res.status}] ${Buffer.from(res.body).toString('utf8', 0, Math.min(res.body.byteLength, 200)).trim()}`);
          if (isRetryableStatus(res.status)) retry.push(service);
          continue;
        }
        const storedHeader = Number(res.headers['x-keep-replicas-stored']);
        const stored = Number.isInteger(storedHeader) && storedHeader >= 0 ? storedHeader : 1;
        replicasDone += stored;
        replicasTodo -= stored;
        locator = Buffer.from(res.body).toString('utf8').trim();
        const header = res.headers['x-keep-storage-classes-confirmed'];
        const text = Array.isArray(header) ? header.join(',') : (header ?? '');
        if (text.trim() === '') trackClasses = false;
        for (const [name, n] of parseClassesConfirmed(text)) {
          confirmed[name] = (confirmed[name] ?? 0) + n;
          const todo = classTodo.get(name);
          if (todo !== undefined) classTodo.set(name, todo - n);
        }
      }
    }
    if (satisfied() || retry.length === 0 || attempt >= plan.retries) break;
    await sleep(plan.backoff(attempt), plan.signal);
    pending = retry;
  }
  const result: PutResult = { locator: locator ?? '', replicas: replicasDone, storageClasses: confirmed };
  if (!satisfied() || locator === undefined) {
    throw new InsufficientReplicasError(`Could not write sufficient replicas: ${failures.join('; ') || 'no writable service'}`, result);
  }
  return result;
}

