import { KeepError, isKeepError } from '../../errors.js';
import { verifyLocatorSignature } from '../../manifest/signature.js';
import type { KeepRequest, KeepSettings } from './keep-context.js';

/**
 * Check the permission signature of `locator` for the request token, as keepstore does when
 * BlobSigning is on.
 * @throws KeepError ERR_UNAUTHORIZED (no token, 401), ERR_SIGNATURE_EXPIRED (401),
 *   ERR_SIGNATURE_INVALID (bad or missing signature, 400)
 */
export function checkReadSignature(ctx: KeepRequest, settings: KeepSettings, locator: string): void {
  if (!settings.requireSignatures) return;
  if (ctx.token === undefined) throw new KeepError('ERR_UNAUTHORIZED', 'no token provided in Authorization header');
  const key = settings.signingKey ?? '';
  try {
    verifyLocatorSignature(locator, { key, token: ctx.token, ttlSeconds: settings.ttlSeconds, now: Math.floor(settings.now() / 1000) });
  } catch (err) {
    if (isKeepError(err, 'ERR_SIGNATURE_EXPIRED')) throw new KeepError('ERR_SIGNATURE_EXPIRED', 'expired signature', { cause: err });
    if (isKeepError(err, 'ERR_SIGNATURE_MISSING') || isKeepError(err, 'ERR_SIGNATURE_INVALID')) {
      throw new KeepError('ERR_SIGNATURE_INVALID', 'invalid signature', { cause: err });
    }
    throw err;
  }
}

/**
 * Admin routes need the admin token.
 * @throws KeepError ERR_UNAUTHORIZED (no token, 401), ERR_PERMISSION_DENIED (other token, 403)
 */
export function checkAdmin(ctx: KeepRequest, settings: KeepSettings): void {
  if (ctx.token === undefined) throw new KeepError('ERR_UNAUTHORIZED', 'no token provided in Authorization header');
  if (settings.adminToken === undefined || settings.adminToken === '' || ctx.token !== settings.adminToken) {
    throw new KeepError('ERR_PERMISSION_DENIED', 'permission denied: admin token required');
  }
}
