/** Shared helpers of the keep protocol integration tests (real HTTP on 127.0.0.1). */
import { createHash, randomBytes } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export function md5(data: Uint8Array | string): string {
  return createHash('md5').update(data).digest('hex');
}

/** One HTTP request with node:http (any method, exact path), whole body read. */
export function http(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const req = request({ host: u.hostname, port: u.port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'Content-Length': String(body.byteLength) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Write raw bytes on a new TCP connection and collect everything the server sends until it closes. */
export function rawExchange(base: string, payload: string | Buffer, halfClose = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const u = new URL(base);
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', (err) => (chunks.length > 0 ? resolve(Buffer.concat(chunks).toString('latin1')) : reject(err)));
    sock.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    sock.write(payload, () => {
      if (halfClose) sock.end();
    });
  });
}

/** Random bytes in a fresh (non-pooled) buffer. */
export function randomData(size: number): Uint8Array {
  const out = new Uint8Array(size);
  if (size > 0) out.set(randomBytes(size));
  return out;
}
