import { randomBytes } from 'node:crypto';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { SessionTokens } from '@ledgerline/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config.js';

/** The session tokens as the gateway returns them: the refresh token only to clients not using cookies. */
export type ReturnedTokens = Omit<SessionTokens, 'refreshToken'> & { refreshToken?: string };

/**
 * Browser flow: the refresh token lives in an httpOnly, SameSite=Strict cookie scoped to `/auth`
 * (so it is sent to nothing else), next to a readable CSRF cookie for the double-submit check.
 */
export class SessionCookies {
  constructor(private readonly config: GatewayConfig) {}

  /** Where the refresh token cookie is sent: only the auth endpoints. */
  get refreshPath(): string {
    return `${this.config.ROOT_PATH}/auth`;
  }

  /** The refresh token the browser sent in its cookie. */
  refreshTokenOf(request: FastifyRequest): string | undefined {
    return request.cookies[this.config.REFRESH_COOKIE_NAME] || undefined;
  }

  /**
   * Where this request's session credential comes from: a Bearer token (only where the route accepts
   * one, i.e. logout) or a body token win over the cookie, which is used only when nothing else was sent.
   * The CSRF guard and the handlers both decide through here, so they cannot disagree.
   */
  refreshSource(request: FastifyRequest): 'bearer' | 'body' | 'cookie' | undefined {
    const acceptsBearer = request.gw.spec?.auth !== undefined && request.gw.spec.auth !== 'none';
    if (acceptsBearer && request.headers.authorization !== undefined) return 'bearer';
    const body = request.body as { refreshToken?: unknown } | undefined;
    if (body !== null && typeof body === 'object' && body.refreshToken !== undefined) return 'body';
    return this.refreshTokenOf(request) === undefined ? undefined : 'cookie';
  }

  /** The CSRF cookie value. */
  csrfTokenOf(request: FastifyRequest): string | undefined {
    return request.cookies[this.config.CSRF_COOKIE_NAME] || undefined;
  }

  /** Sets the refresh cookie and a fresh CSRF cookie, both expiring with the refresh token. */
  issue(reply: FastifyReply, tokens: SessionTokens): void {
    const expires = new Date(tokens.refreshTokenExpiresAt);
    reply.setCookie(this.config.REFRESH_COOKIE_NAME, tokens.refreshToken, {
      ...this.base(this.refreshPath),
      httpOnly: true,
      expires,
    });
    // Readable by the page's script (it copies it into X-CSRF-Token), so not httpOnly; Path=/ so any page can.
    reply.setCookie(this.config.CSRF_COOKIE_NAME, randomBytes(32).toString('base64url'), {
      ...this.base(`${this.config.ROOT_PATH}/`),
      httpOnly: false,
      expires,
    });
  }

  /** Removes both cookies (logout). */
  clear(reply: FastifyReply): void {
    reply.clearCookie(this.config.REFRESH_COOKIE_NAME, { ...this.base(this.refreshPath), httpOnly: true });
    reply.clearCookie(this.config.CSRF_COOKIE_NAME, this.base(`${this.config.ROOT_PATH}/`));
  }

  /**
   * The tokens for the response body. Rule: a browser (a request carrying Origin, or one that used the
   * refresh cookie) gets the refresh token in the cookie only, out of reach of page scripts; an API
   * client (no Origin, token sent in the body) gets it in the body. The cookie is set either way.
   */
  forBody(request: FastifyRequest, tokens: SessionTokens, usedCookie: boolean): ReturnedTokens {
    if (usedCookie || request.headers.origin !== undefined) {
      const { refreshToken: _inCookieOnly, ...rest } = tokens;
      return rest;
    }
    return tokens;
  }

  private base(path: string): CookieSerializeOptions {
    return { path, secure: this.config.COOKIE_SECURE, sameSite: 'strict' };
  }
}
