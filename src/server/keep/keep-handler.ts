import type { IncomingMessage, ServerResponse } from 'node:http';
import { defaultHashPool } from '../../blocks/hash-pool.js';
import { KeepError } from '../../errors.js';
import { httpErrorFor, KEEP_PROTOCOL_STATUS } from '../errors.js';
import { handleDelete, handleIndex, handleTouch } from './keep-admin.js';
import { requestToken } from './keep-auth.js';
import { DEFAULT_TTL_SECONDS, type KeepHandlerOptions, type KeepRequest, type KeepSettings } from './keep-context.js';
import { ReceiveBuffers } from './keep-buffers.js';
import { setKeepCorsHeaders } from './keep-cors.js';
import { handleRead } from './keep-read.js';
import { sendText } from './keep-respond.js';
import { handleWrite } from './keep-write.js';

const READ_PATH = /^\/\/?([0-9a-f]{32}.*)$/s;
const WRITE_PATH = /^\/([0-9a-f]{32}.*)$/s;

/** A keepstore-compatible request handler for `node:http`. */
export type KeepHandler = (req: IncomingMessage, res: ServerResponse) => void;

/** Apply defaults to handler options. */
export function keepSettings(options: KeepHandlerOptions): KeepSettings {
  if (options.requireSignatures === true && (options.signingKey === undefined || options.signingKey === '')) {
    throw new KeepError('ERR_INVALID_ARGUMENT', 'Cannot create keep handler: requireSignatures needs a signingKey');
  }
  return {
    store: options.store,
    signingKey: options.signingKey,
    ttlSeconds: options.ttlSeconds ?? DEFAULT_TTL_SECONDS,
    adminToken: options.adminToken,
    requireSignatures: options.requireSignatures ?? false,
    hashPool: options.hashPool ?? defaultHashPool(),
    now: options.now ?? Date.now,
    buffers: new ReceiveBuffers(),
  };
}

/**
 * Serve the keep block protocol over any BlockStore: `PUT /<md5>`, `GET|HEAD /<locator>`,
 * `OPTIONS`, and the admin routes `GET /index[/<prefix>]`, `DELETE /<locator>` (`TOUCH` arrives
 * through {@link handleRawTouch}, node's parser does not know the method). Everything else is
 * 400. Every response carries the keep CORS headers; error bodies are `message + "\n"` with the
 * status from `server/errors.ts`. The work of a request is aborted when its client goes away.
 */
export function createKeepHandler(options: KeepHandlerOptions): KeepHandler {
  const settings = keepSettings(options);
  return (req, res) => {
    void serve(settings, options, req, res);
  };
}

async function serve(settings: KeepSettings, options: KeepHandlerOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const ac = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) ac.abort(new KeepError('ERR_ABORTED', 'client closed the connection'));
  });
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const method = req.method ?? 'GET';
  const ctx: KeepRequest = { req, res, method, path, query, token: requestToken(req.headers, query), signal: ac.signal };
  setKeepCorsHeaders(res);
  try {
    await route(ctx, settings);
  } catch (err) {
    const { status, message, unexpected } = httpErrorFor(err);
    if (unexpected) options.onError?.(err, { method, path, requestId: headerValue(req.headers['x-request-id']) });
    if (ac.signal.aborted || res.destroyed) return; // 499: the client is gone, nothing to send
    sendText(res, status, message);
  }
  if (!req.complete && !res.destroyed) {
    // An unread body (error before reading it) would be parsed as the next request.
    res.once('finish', () => req.socket.destroySoon());
  }
}

async function route(ctx: KeepRequest, settings: KeepSettings): Promise<void> {
  const { method, path } = ctx;
  if (method === 'OPTIONS') {
    ctx.res.writeHead(200, { 'Content-Length': '0' });
    ctx.res.end();
    return;
  }
  if (method === 'GET' && (path === '/index' || path.startsWith('/index/'))) {
    await handleIndex(ctx, settings, path === '/index' ? '' : path.slice('/index/'.length));
    return;
  }
  if (method === 'GET' || method === 'HEAD') {
    const m = READ_PATH.exec(path);
    if (m?.[1] !== undefined) return handleRead(ctx, settings, m[1]);
  } else if (method === 'PUT' || method === 'DELETE' || method === 'TOUCH') {
    const m = WRITE_PATH.exec(path);
    if (m?.[1] !== undefined) {
      if (method === 'PUT') return handleWrite(ctx, settings, m[1]);
      if (method === 'DELETE') return handleDelete(ctx, settings, m[1]);
      return handleTouch(ctx, settings, m[1]);
    }
  }
  sendText(ctx.res, KEEP_PROTOCOL_STATUS.badRequest, 'Bad Request');
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
