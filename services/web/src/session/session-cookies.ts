import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Names and attributes of the session and login cookies. */
export interface SessionCookies {
  readonly sessionName: string;
  readonly loginName: string;
  readonly secure: boolean;
}

/**
 * Cookie settings for a public origin. Over https the cookies are Secure and carry the
 * `__Host-` prefix, which browsers accept only with Secure, Path=/ and no Domain, so no other
 * host or subdomain can set them. Plain http is possible only on loopback (local development).
 */
export function sessionCookiesFor(publicOrigin: string): SessionCookies {
  const secure = new URL(publicOrigin).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return { sessionName: `${prefix}palisade_session`, loginName: `${prefix}palisade_login`, secure };
}

/**
 * Attributes of both cookies: HttpOnly so scripts cannot read them, SameSite=Lax so
 * cross-site subrequests and form posts do not carry them while the IdP's redirect back does.
 */
export function cookieAttributes(
  cookies: SessionCookies,
  maxAgeSeconds: number,
): CookieSerializeOptions {
  return {
    httpOnly: true,
    secure: cookies.secure,
    sameSite: 'lax',
    path: '/',
    maxAge: maxAgeSeconds,
  };
}

/** Returns the cookie value, or undefined. */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  const value = request.cookies[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Tells the browser to drop a cookie. */
export function clearCookie(reply: FastifyReply, cookies: SessionCookies, name: string): void {
  reply.clearCookie(name, { ...cookieAttributes(cookies, 0), maxAge: 0 });
}
