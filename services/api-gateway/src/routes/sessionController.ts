import {
  isAppError,
  logoutAllCommand,
  logoutCommand,
  refreshSessionCommand,
  UnauthorizedError,
} from '@ledgerline/contracts';
import { Controller, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SessionCookies } from '../auth/sessionCookies.js';
import { clientOf, inputOf } from '../http/input.js';
import { Endpoint } from '../http/route.js';
import { ServiceClient } from '../http/serviceClient.js';
import { refreshBody, returnedTokensSchema } from './httpSchemas.js';

const TAG = 'sessions';

/** Refresh-token rotation and sign-out; the routes a browser authenticates with the refresh cookie. */
@Controller()
export class SessionController {
  constructor(
    @Inject(ServiceClient) private readonly client: ServiceClient,
    @Inject(SessionCookies) private readonly cookies: SessionCookies,
  ) {}

  @Endpoint({
    method: 'POST',
    path: '/auth/refresh',
    tag: TAG,
    summary: 'Rotate the refresh token (cookie + CSRF token, or `refreshToken` in the body) for new tokens',
    auth: 'none',
    status: 200,
    csrf: true,
    body: refreshBody,
    response: returnedTokensSchema,
  })
  async refresh(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const body = inputOf(request, refreshBody, 'body');
    const source = this.cookies.refreshSource(request);
    const refreshToken = source === 'body' ? body.refreshToken : this.cookies.refreshTokenOf(request);
    if (!refreshToken) throw new UnauthorizedError('No refresh token: send the cookie or `refreshToken`');
    const tokens = await this.client.send(
      refreshSessionCommand,
      { refreshToken, client: clientOf(request) },
      request,
    );
    this.cookies.issue(reply, tokens);
    return this.cookies.forBody(request, tokens, source === 'cookie');
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/logout',
    tag: TAG,
    summary: 'End this session (Bearer token, refresh cookie + CSRF token, or `refreshToken` in the body)',
    auth: 'optional',
    status: 204,
    csrf: true,
    body: refreshBody,
  })
  async logout(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const body = inputOf(request, refreshBody, 'body');
    this.cookies.clear(reply);
    const principal = request.gw.principal;
    const source = this.cookies.refreshSource(request);
    const target =
      source === 'bearer' && principal
        ? { userId: principal.userId, sessionId: principal.sessionId }
        : {
            refreshToken:
              (source === 'body' ? body.refreshToken : this.cookies.refreshTokenOf(request)) ?? '',
          };
    if ('refreshToken' in target && target.refreshToken === '') {
      throw new UnauthorizedError('No session to end: send a Bearer token, the cookie or `refreshToken`');
    }
    try {
      await this.client.send(logoutCommand, target, request);
    } catch (error) {
      // Signing out of a session that already ended is the outcome the caller wanted.
      if (!isAppError(error) || error.code !== 'UNAUTHORIZED') throw error;
    }
  }

  @Endpoint({
    method: 'POST',
    path: '/auth/logout-all',
    tag: TAG,
    summary: 'End every session of the signed-in user',
    status: 200,
    response: logoutAllCommand.reply,
    idempotent: true,
  })
  async logoutAll(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const principal = request.gw.principal!;
    const result = await this.client.send(logoutAllCommand, { userId: principal.userId }, request);
    this.cookies.clear(reply);
    return result;
  }
}
