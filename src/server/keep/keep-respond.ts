import type { ServerResponse } from 'node:http';

/** Send a keep protocol text response: `message + "\n"` (bodies of errors and of PUT). */
export function sendText(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(`${message}\n`, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(body.byteLength) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
