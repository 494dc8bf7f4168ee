import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';

/** Name of the console session cookie over plain http (local trials). */
export const SESSION_COOKIE = 'usher_session';
/**
 * Name of the session cookie over https: the `__Host-` prefix makes browsers refuse it unless it is
 * Secure, for path `/` and without a Domain, so no sibling subdomain can set or overwrite it.
 */
export const SECURE_SESSION_COOKIE = `__Host-${SESSION_COOKIE}`;

/** Whether the console is served over https (USHER_PUBLIC_URL). */
function servedOverHttps(ctx: AppContext): boolean {
  return ctx.config.publicUrl.startsWith('https://');
}

/**
 * The session cookie's name for this installation.
 * @param ctx the app
 * @returns `__Host-usher_session` behind https, else `usher_session`
 */
export function sessionCookieName(ctx: AppContext): string {
  return servedOverHttps(ctx) ? SECURE_SESSION_COOKIE : SESSION_COOKIE;
}

/**
 * Sets the session cookie: HttpOnly (no script can read it), SameSite=Lax, Secure with the
 * `__Host-` prefix behind https.
 * @param ctx the app (for the public URL and session lifetime)
 * @param reply the response
 * @param token the session secret
 */
export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string): void {
  reply.setCookie(sessionCookieName(ctx), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: servedOverHttps(ctx),
    maxAge: ctx.config.session.maxHours * 3600,
  });
}

/** Clears the session cookie (sign-out). */
export function clearSessionCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName(ctx), {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: servedOverHttps(ctx),
  });
}

/** Name of the cookie that carries a sign-in waiting for its second factor. */
export const MFA_COOKIE = 'usher_mfa';

/**
 * Sets the second-factor cookie: HttpOnly, SameSite=Strict, only for the sign-in endpoints, for as
 * long as the sign-in may wait for its code.
 * @param ctx the app
 * @param reply the response
 * @param token the challenge secret
 * @param maxAgeSeconds how long it lives
 */
export function setMfaCookie(ctx: AppContext, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  reply.setCookie(MFA_COOKIE, token, {
    path: '/api/v1/auth',
    httpOnly: true,
    sameSite: 'strict',
    secure: servedOverHttps(ctx),
    maxAge: maxAgeSeconds,
  });
}
