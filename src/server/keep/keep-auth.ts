import type { IncomingHttpHeaders } from 'node:http';

/**
 * The API token of a request, as keepstore finds it: `Authorization: Bearer <t>` or
 * `OAuth2 <t>`, then `?api_token=`, then the password of Basic auth, then the
 * `arvados_api_token` cookie. The first one found is used; undefined when there is none.
 */
export function requestToken(headers: IncomingHttpHeaders, query: URLSearchParams): string | undefined {
  const auth = headers.authorization;
  if (auth !== undefined) {
    const space = auth.indexOf(' ');
    const scheme = (space < 0 ? auth : auth.slice(0, space)).toLowerCase();
    const rest = space < 0 ? '' : auth.slice(space + 1).trim();
    if ((scheme === 'bearer' || scheme === 'oauth2') && rest !== '') return rest;
    if (scheme === 'basic' && rest !== '') {
      const decoded = Buffer.from(rest, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      if (password !== '') return password;
    }
  }
  const fromQuery = query.get('api_token');
  if (fromQuery !== null && fromQuery !== '') return fromQuery;
  const cookie = headers.cookie;
  if (cookie !== undefined) {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== 'arvados_api_token') continue;
      const value = decodeURIComponent(part.slice(eq + 1).trim());
      if (value !== '') return value;
    }
  }
  return undefined;
}
