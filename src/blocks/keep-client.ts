import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { isKeepError, KeepError } from '../errors.js';
import { sleep } from '../util/abort.js';
import { EMPTY_BLOCK_HASH, MAX_BLOCK_SIZE_BYTES, type AbortOptions, type BlockInfo, type BlockStore, type GetOptions, type PutOptions, type PutResult } from './block-store.js';
import { defaultHashPool, type HashPool } from './hash-pool.js';
import { isRetryableStatus, keepHttp, type KeepHttpResponse } from './keep-client-http.js';
import { parseIndex } from './keep-client-index.js';
import { writeToServices, type KeepService } from './keep-client-write.js';
import { checkExpectedHash, hashMismatch, hashOfLocator, resolveRange, sizeHintOf } from './locator-hash.js';
import { rendezvousOrder } from './rendezvous.js';

export interface KeepClientOptions {
  /** Keep services. Without a uuid a service gets `00000-bi6l4-<index, 15 digits>` (Arvados' static URIs). */
  services: Array<{ url: string; uuid?: string; readOnly?: boolean }>;
  /** API token sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Copies wanted per write (default 2, Arvados' default). */
  replicas?: number;
  /** Storage classes wanted per write (default: the servers' defaults). */
  storageClasses?: string[];
  /** Extra rounds after the first for retryable failures (default 2). */
  retries?: number;
  /** Per-request timeout in ms (default 300000). */
  timeoutMs?: number;
  /** First retry delay in ms; doubles each round, with jitter (default 250). */
  backoffBaseMs?: number;
  /** Longest retry delay in ms (default 5000). */
  backoffMaxMs?: number;
  /** md5 pool (default: the process-wide pool). */
  hashPool?: HashPool;
}

interface Outcome {
  service: KeepService;
  res?: KeepHttpResponse;
  err?: unknown;
}

/**
 * A BlockStore over keepstore-compatible HTTP services (arvados-collections.md §7.2–§7.3):
 * rendezvous probe order, writes until replicas and storage classes are satisfied, retries with
 * jittered exponential backoff on network errors/408/429/5xx (not 507), md5-verified reads,
 * size hint checks, no request for the empty block, per-request timeouts, AbortSignal.
 * `list`, `touch`, `trash` and `delete` use the admin routes (the token must be the admin token);
 * the keep protocol has no hard delete, so `delete` trashes.
 * @example
 * const kc = new KeepClient({ services: [{ url: 'http://127.0.0.1:25107' }], token, replicas: 1 });
 * const { locator } = await kc.put(data);
 * const back = await kc.get(locator);
 */
export class KeepClient implements BlockStore {
  readonly #services: KeepService[];
  readonly #token: string | undefined;
  readonly #replicas: number;
  readonly #classes: readonly string[];
  readonly #retries: number;
  readonly #timeoutMs: number;
  readonly #backoffBaseMs: number;
  readonly #backoffMaxMs: number;
  readonly #pool: HashPool;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(options: KeepClientOptions) {
    if (options.services.length === 0) throw new KeepError('ERR_INVALID_ARGUMENT', 'Cannot create KeepClient: no services');
    const seen = new Set<string>();
    this.#services = [];
    options.services.forEach((s, i) => {
      const url = s.url.replace(/\/+$/, '');
      if (seen.has(url)) return;
      seen.add(url);
      this.#services.push({ url, uuid: s.uuid ?? `00000-bi6l4-${String(i).padStart(15, '0')}`, readOnly: s.readOnly ?? false });
    });
    this.#token = options.token;
    this.#replicas = positiveInt('replicas', options.replicas ?? 2, 1);
    this.#classes = [...(options.storageClasses ?? [])];
    this.#retries = positiveInt('retries', options.retries ?? 2, 0);
    this.#timeoutMs = positiveInt('timeoutMs', options.timeoutMs ?? 300_000, 1);
    this.#backoffBaseMs = positiveInt('backoffBaseMs', options.backoffBaseMs ?? 250, 0);
    this.#backoffMaxMs = positiveInt('backoffMaxMs', options.backoffMaxMs ?? 5000, 0);
    this.#pool = options.hashPool ?? defaultHashPool();
  }

  /** Services in probe order for `hash` (descending rendezvous weight). */
  probeOrder(hash: string): KeepService[] {
    return rendezvousOrder(hash, this.#services, (s) => s.uuid);
  }

  async put(data: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    if (data.byteLength > MAX_BLOCK_SIZE_BYTES) throw new KeepError('ERR_BLOCK_TOO_LARGE', `Exceeded maximum block size (${MAX_BLOCK_SIZE_BYTES})`);
    // With the hash given, the servers check it (400 "content hash … did not match"), so the
    // data is hashed once, by the server, instead of twice.
    let hash: string;
    if (options.hash !== undefined) {
      checkExpectedHash(options.hash);
      hash = options.hash;
    } else {
      hash = await this.#pool.md5(data, options.signal === undefined ? {} : { signal: options.signal });
    }
    const services = this.probeOrder(hash).filter((s) => !s.readOnly);
    const replicas = options.replicas ?? this.#replicas;
    const classes = options.storageClasses !== undefined && options.storageClasses.length > 0 ? options.storageClasses : this.#classes;
    return writeToServices({
      hash,
      services,
      replicas,
      storageClasses: classes,
      retries: this.#retries,
      backoff: (attempt) => this.#backoff(attempt),
      signal: options.signal,
      send: async (service, wanted) => {
        const res = await this.#http(service, 'PUT', `/${hash}`, options.signal, data, {
          'Content-Type': 'application/octet-stream',
          'X-Keep-Desired-Replicas': String(this.#replicas),
          ...(wanted.length > 0 ? { 'X-Keep-Storage-Classes': wanted.join(', ') } : {}),
        });
        if (res.status === 400 && Buffer.from(res.body).toString('latin1', 0, 13) === 'content hash ') {
          const actual = await this.#pool.md5(data, options.signal === undefined ? {} : { signal: options.signal });
          if (actual !== hash) throw hashMismatch(hash, actual);
        }
        return res;
      },
    });
  }

  async get(locator: string, options: GetOptions = {}): Promise<Uint8Array> {
    const hash = hashOfLocator(locator);
    const sizeHint = sizeHintOf(locator);
    if (hash === EMPTY_BLOCK_HASH && (sizeHint ?? 0) === 0) {
      resolveRange(0, options.offset, options.length);
      return new Uint8Array(0);
    }
    const res = await this.#probe(hash, 'GET', locator, options.signal, (r) => {
      if (sizeHint !== undefined && r.body.byteLength !== sizeHint) return `size hint ${sizeHint} does not match Content-Length ${r.body.byteLength}`;
      return undefined;
    }, options.verify !== false);
    const [start, end] = resolveRange(res.body.byteLength, options.offset, options.length);
    return start === 0 && end === res.body.byteLength ? res.body : res.body.subarray(start, end);
  }

  async head(locator: string, options: AbortOptions = {}): Promise<BlockInfo> {
    const hash = hashOfLocator(locator);
    if (hash === EMPTY_BLOCK_HASH && (sizeHintOf(locator) ?? 0) === 0) return { hash, size: 0, mtimeMs: Date.now() };
    const res = await this.#probe(hash, 'HEAD', locator, options.signal, () => undefined, false);
    const size = Number(res.headers['content-length']);
    const lastModified = res.headers['last-modified'];
    const mtimeMs = lastModified === undefined ? Date.now() : Date.parse(lastModified);
    return { hash, size, mtimeMs: Number.isFinite(mtimeMs) ? mtimeMs : Date.now() };
  }

  async *list(prefix = '', options: AbortOptions = {}): AsyncIterable<BlockInfo> {
    const seen = new Set<string>();
    for (const service of this.#services) {
      const res = await this.#withRetries(service, 'GET', `/index/${prefix}`, options.signal);
      if (res.status !== 200) throw statusError(`Cannot list blocks on ${service.url}`, res);
      for (const info of parseIndex(res.body, service.url)) {
        if (seen.has(info.hash)) continue;
        seen.add(info.hash);
        yield info;
      }
    }
  }

  async touch(locator: string, options: AbortOptions = {}): Promise<void> {
    const outcomes = await this.#onEveryService('TOUCH', locator, options.signal);
    if (outcomes.some((o) => o.res?.status === 200)) return;
    throw this.#summarize(hashOfLocator(locator), outcomes);
  }

  async trash(locator: string, options: AbortOptions = {}): Promise<void> {
    const outcomes = await this.#onEveryService('DELETE', locator, options.signal);
    if (outcomes.some((o) => o.res?.status === 200) && outcomes.every((o) => o.res?.status === 200 || o.res?.status === 404)) return;
    throw this.#summarize(hashOfLocator(locator), outcomes);
  }

  /** The keep protocol has no hard delete: this trashes, and a missing block is not an error. */
  async delete(locator: string, options: AbortOptions = {}): Promise<void> {
    try {
      await this.trash(locator, options);
    } catch (err) {
      if (!isKeepError(err, 'ERR_BLOCK_NOT_FOUND')) throw err;
    }
  }

  /** Close idle connections. */
  close(): void {
    this.#agent.destroy();
  }

  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#backoffMaxMs, this.#backoffBaseMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  #http(service: KeepService, method: string, path: string, signal: AbortSignal | undefined, body?: Uint8Array, extra: Record<string, string> = {}, md5Body = false): Promise<KeepHttpResponse> {
    const headers: Record<string, string> = { 'X-Request-Id': requestId(), ...extra };
    if (this.#token !== undefined && this.#token !== '') headers.Authorization = `Bearer ${this.#token}`;
    return keepHttp(this.#agent, {
      method,
      url: new URL(service.url + path),
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      timeoutMs: this.#timeoutMs,
      maxBodyBytes: method === 'GET' && path.startsWith('/index/') ? Number.MAX_SAFE_INTEGER : MAX_BLOCK_SIZE_BYTES,
      md5Body,
      hashPool: this.#pool,
    });
  }

  /** One service, retrying retryable failures. */
  async #withRetries(service: KeepService, method: string, path: string, signal: AbortSignal | undefined): Promise<KeepHttpResponse> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.#http(service, method, path, signal);
        if (!isRetryableStatus(res.status) || attempt >= this.#retries) return res;
      } catch (err) {
        if (isKeepError(err, 'ERR_ABORTED') || attempt >= this.#retries) throw err;
      }
      await sleep(this.#backoff(attempt), signal);
    }
  }

  async #onEveryService(method: string, locator: string, signal: AbortSignal | undefined): Promise<Outcome[]> {
    hashOfLocator(locator);
    return Promise.all(
      this.#services.map(async (service): Promise<Outcome> => {
        try {
          return { service, res: await this.#withRetries(service, method, `/${locator}`, signal) };
        } catch (err) {
          if (isKeepError(err, 'ERR_ABORTED')) throw err;
          return { service, err };
        }
      }),
    );
  }

  /**
   * GET/HEAD from services in probe order, retrying retryable failures in later rounds.
   * `check` returns a reason to reject a 200 answer (the next service is tried).
   */
  async #probe(hash: string, method: 'GET' | 'HEAD', locator: string, signal: AbortSignal | undefined, check: (r: KeepHttpResponse) => string | undefined, verify: boolean): Promise<KeepHttpResponse> {
    let pending = this.probeOrder(hash);
    const final: Outcome[] = [];
    for (let attempt = 0; ; attempt++) {
      const retry: KeepService[] = [];
      for (const service of pending) {
        let res: KeepHttpResponse;
        try {
          res = await this.#http(service, method, `/${locator}`, signal, undefined, {}, verify);
        } catch (err) {
          if (isKeepError(err, 'ERR_ABORTED')) throw err;
          retry.push(service);
          final.push({ service, err });
          continue;
        }
        if (res.status === 200) {
          const problem = check(res) ?? (verify && res.md5 !== hash ? 'checksum' : undefined);
          if (problem === undefined) return res;
          final.push({ service, err: problem === 'checksum' ? new KeepError('ERR_HASH_MISMATCH', `Reader failed checksum (${service.url})`) : new KeepError('ERR_SIZE_MISMATCH', `${problem} (${service.url})`) });
          continue;
        }
        final.push({ service, res });
        if (isRetryableStatus(res.status)) retry.push(service);
      }
      if (retry.length === 0 || attempt >= this.#retries) break;
      await sleep(this.#backoff(attempt), signal);
      pending = retry;
    }
    throw this.#summarize(hash, lastPerService(final));
  }

  /** The error for a request that no service answered with success. */
  #summarize(hash: string, outcomes: Outcome[]): KeepError {
    if (outcomes.length > 0 && outcomes.every((o) => o.res?.status === 404)) {
      return new KeepError('ERR_BLOCK_NOT_FOUND', `Block not found: "${hash}"`);
    }
    const details = outcomes.map((o) => (o.res !== undefined ? `${o.service.url}: [${o.res.status}] ${Buffer.from(o.res.body).toString('utf8', 0, 200).trim()}` : `${o.service.url}: ${o.err instanceof Error ? o.err.message : String(o.err)}`));
    const errs = outcomes.map((o) => o.err).filter((e): e is KeepError => e instanceof KeepError);
    const statuses = outcomes.map((o) => o.res?.status).filter((s): s is number => s !== undefined && s !== 404);
    let code: KeepError['code'] = 'ERR_REMOTE';
    if (errs.length > 0 && statuses.length === 0 && errs.every((e) => e.code === errs[0]?.code)) code = errs[0]?.code ?? code;
    else if (statuses.length > 0 && errs.length === 0 && statuses.every((s) => s === statuses[0])) {
      if (statuses[0] === 401) code = 'ERR_UNAUTHORIZED';
      else if (statuses[0] === 403) code = 'ERR_PERMISSION_DENIED';
    }
    return new KeepError(code, `Cannot access block "${hash}": ${details.join('; ')}`);
  }
}

/** An Arvados-style request id: `req-` and 20 lowercase alphanumerics. */
function requestId(): string {
  const bytes = randomBytes(20);
  let id = 'req-';
  for (const b of bytes) id += ID_CHARS[b % ID_CHARS.length];
  return id;
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function lastPerService(outcomes: Outcome[]): Outcome[] {
  const byService = new Map<KeepService, Outcome>();
  for (const o of outcomes) byService.set(o.service, o);
  return [...byService.values()];
}

function statusError(what: string, res: KeepHttpResponse): KeepError {
  const code = res.status === 401 ? 'ERR_UNAUTHORIZED' : res.status === 403 ? 'ERR_PERMISSION_DENIED' : 'ERR_REMOTE';
  return new KeepError(code, `${what}: [${res.status}] ${Buffer.from(res.body).toString('utf8', 0, 200).trim()}`);
}

function positiveInt(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new KeepError('ERR_INVALID_ARGUMENT', `Cannot create KeepClient: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}
