import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The token a request carries: `?token=`, `Authorization: Bearer <t>` or `X-Rtap-Token`. */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const q = url.searchParams.get('token');
  if (q) return q;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  const h = req.headers['x-rtap-token'];
  return typeof h === 'string' ? h : null;
}

/** True when no token is configured or the request carries it (constant-time comparison). */
export function authorized(req: IncomingMessage, url: URL, token: string | undefined): boolean {
  if (!token) return true;
  const given = requestToken(req, url);
  return given !== null && timingSafeEqual(digest(given), digest(token));
}

/**
 * Browsers send Origin on WebSocket upgrades and do not apply CORS to them: without this check any web
 * page the user visits could read a localhost dashboard's stream (cross-site WebSocket hijacking). Clients
 * that send no Origin (scripts, the bench) are not browsers and are allowed.
 */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}
