import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { BlockStore } from '../../blocks/block-store.js';
import type { HashPool } from '../../blocks/hash-pool.js';
import { KEEP_CORS_HEADERS } from './keep-cors.js';
import { createKeepHandler } from './keep-handler.js';
import { serveRawMethod } from './keep-raw-method.js';

export interface KeepServerOptions {
  store: BlockStore;
  /** Listen address (default 127.0.0.1). */
  host?: string;
  /** Port (default 0: any free port). */
  port?: number;
  signingKey?: string;
  ttlSeconds?: number;
  adminToken?: string;
  requireSignatures?: boolean;
  hashPool?: HashPool;
  onError?: (err: unknown, info: { method: string; path: string; requestId: string | undefined }) => void;
}

export interface KeepServer {
  /** `http://host:port` */
  url: string;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

/**
 * Start a keepstore-compatible HTTP server over `store`.
 * @example
 * const server = await startKeepServer({ store: new MemoryStore() });
 * // PUT `${server.url}/<md5>` …
 * await server.close();
 */
export async function startKeepServer(options: KeepServerOptions): Promise<KeepServer> {
  const { store, host = '127.0.0.1', port = 0, ...rest } = options;
  const handler = createKeepHandler({ store, ...rest });
  // The request whose body is being received on each socket: a client that half-closes its side
  // before sending the whole body gets keepstore's "content length" 400 from the handler.
  const receiving = new WeakMap<Socket, IncomingMessage>();
  const server = createServer({ keepAliveTimeout: 30_000 }, (req, res) => {
    if (!req.complete) {
      receiving.set(req.socket, req);
      req.once('end', () => receiving.delete(req.socket));
    }
    handler(req, res);
  });
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket) => {
    if (err.code === 'HPE_INVALID_METHOD' && serveRawMethod(handler, err.rawPacket, socket)) return;
    const req = receiving.get(socket);
    if (err.code === 'HPE_INVALID_EOF_STATE' && req !== undefined && !req.complete) {
      receiving.delete(socket);
      req.emit('truncated');
      return;
    }
    if (socket.writable && err.code !== 'ECONNRESET') {
      const cors = Object.entries(KEEP_CORS_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
      socket.end(`HTTP/1.1 400 Bad Request\r\n${cors}Content-Type: text/plain; charset=utf-8\r\nContent-Length: 12\r\nConnection: close\r\n\r\nBad Request\n`);
    } else socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const urlHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${urlHost}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
