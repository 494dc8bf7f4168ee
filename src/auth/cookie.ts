import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.ts';

/** Name of the console session cookie. */
export const SESSION_COOKIE = 'usher_session';

/**
 * Sets the session cookie: HttpOnly (no script can read it), SameSite=Lax, Secure behind https.
 * @param ctx the app (for the public URL and session lifetime)
 * @param reply the response
 * @param token the session secret
 */
export function setSessionCookie(ctx: AppContext, reply: FastifyReply, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.config.publicUrl.startsWith('https://'),
    maxAge: ctx.config.session.maxHours * 3600,
  });
}
