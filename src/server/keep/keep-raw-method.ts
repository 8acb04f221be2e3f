import { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { KeepHandler } from './keep-handler.js';

const RAW_METHODS = ['TOUCH'] as const;
const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * node's HTTP parser refuses methods it does not know, such as keepstore's `TOUCH`. This turns
 * such a request (as the parser's `clientError` hands it over: `rawPacket`) into a regular
 * IncomingMessage/ServerResponse pair for `handler`, then closes the connection. Returns false
 * when the packet is not a complete, bodiless request with a method of ours.
 */
export function serveRawMethod(handler: KeepHandler, rawPacket: Buffer | undefined, socket: Socket): boolean {
  if (rawPacket === undefined) return false;
  const sp = rawPacket.indexOf(0x20);
  const method = sp > 0 ? rawPacket.toString('latin1', 0, sp) : '';
  if (!(RAW_METHODS as readonly string[]).includes(method)) return false;
  const end = rawPacket.indexOf(HEAD_END);
  if (end < 0) return false;
  const lines = rawPacket.toString('latin1', 0, end).split('\r\n');
  const [, url, version] = (lines[0] ?? '').split(' ');
  if (url === undefined || version !== 'HTTP/1.1' && version !== 'HTTP/1.0') return false;
  const req = new IncomingMessage(socket);
  req.method = method;
  req.url = url;
  req.httpVersion = version.slice(5);
  req.httpVersionMajor = 1;
  req.httpVersionMinor = version === 'HTTP/1.1' ? 1 : 0;
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (req.headers[name] === undefined) req.headers[name] = line.slice(colon + 1).trim();
  }
  req.complete = true;
  req.push(null);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.once('finish', () => {
    res.detachSocket(socket);
    socket.destroySoon();
  });
  handler(req, res);
  return true;
}
