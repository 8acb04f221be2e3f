import type { ServerResponse } from 'node:http';

/** CORS headers keepstore sets on every response (arvados-collections.md §7.1). */
export const KEEP_CORS_HEADERS: Readonly<Record<string, string>> = {
  'Access-Control-Allow-Methods': 'GET, HEAD, PUT, OPTIONS',
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Length, Content-Type, X-Keep-Desired-Replicas, X-Keep-Signature, X-Keep-Storage-Classes',
  'Access-Control-Expose-Headers': 'X-Keep-Locator, X-Keep-Replicas-Stored, X-Keep-Storage-Classes-Confirmed',
  'Access-Control-Max-Age': '86486400',
};

/** Set the keep CORS headers on `res` (before its head is written). */
export function setKeepCorsHeaders(res: ServerResponse): void {
  for (const [name, value] of Object.entries(KEEP_CORS_HEADERS)) res.setHeader(name, value);
}
