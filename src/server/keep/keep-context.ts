import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BlockStore } from '../../blocks/block-store.js';
import type { HashPool } from '../../blocks/hash-pool.js';
import type { ReceiveBuffers } from './keep-buffers.js';

/** Settings of a keep protocol handler. */
export interface KeepHandlerOptions {
  /** The blocks served. */
  store: BlockStore;
  /** Blob signing key: PUT responses are signed for the request token when set. */
  signingKey?: string;
  /** Signature TTL in seconds (default 1209600, two weeks, as Arvados). */
  ttlSeconds?: number;
  /** Token required by admin routes (index, TOUCH, DELETE). Without it they answer 403. */
  adminToken?: string;
  /** Refuse GET/HEAD of locators without a valid signature (needs `signingKey`). */
  requireSignatures?: boolean;
  /** md5 pool for verifying stored data (default: the process-wide pool). */
  hashPool?: HashPool;
  /** Clock, ms since the epoch (default Date.now). */
  now?: () => number;
  /** Called with unexpected errors (non-KeepErrors, internal errors) for logging. */
  onError?: (err: unknown, info: { method: string; path: string; requestId: string | undefined }) => void;
}

/** Default signature TTL: two weeks, Arvados' BlobSigningTTL default. */
export const DEFAULT_TTL_SECONDS = 1209600;

/** One request being served. */
export interface KeepRequest {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** The raw path (no query). */
  path: string;
  query: URLSearchParams;
  token: string | undefined;
  /** Aborted when the client goes away before the response is complete. */
  signal: AbortSignal;
}

/** Options with defaults applied. */
export interface KeepSettings {
  store: BlockStore;
  signingKey: string | undefined;
  ttlSeconds: number;
  adminToken: string | undefined;
  requireSignatures: boolean;
  hashPool: HashPool;
  now: () => number;
  /** Recycled receive buffers of PUT bodies. */
  buffers: ReceiveBuffers;
}
